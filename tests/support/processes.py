"""Real processes for the integration tier and `make chaos`: a redis-server and a
throwaway PostgreSQL cluster of their own (on free ports, never the
machine's), gunicorn, Celery workers and beat, each in a process group of its
own so a SIGKILL reaches its children.

No pytest here: tests/integration/conftest.py and benchmarks/chaos.py both build
on it (the tests turn a TimeoutError into a failure).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
READY_SECONDS = 60
POLL_SECONDS = 0.05
# The settings of a process under test are the production ones, with this key.
SECRET_KEY = "services-tier-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(
    predicate: Callable[[], object], what: str, timeout: float = READY_SECONDS
) -> object:
    """Poll `predicate` until it returns something truthy; TimeoutError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(POLL_SECONDS)


@dataclass
class Process:
    """A subprocess in a process group of its own (pid == pgid), logging to a file."""

    name: str
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self, lines: int = 200) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return "\n".join(text.splitlines()[-lines:])

    def count(self, text: str) -> int:
        """How many log lines contain `text`."""
        return sum(text in line for line in self.log(lines=1_000_000).splitlines())

    def kill(self) -> None:
        """SIGKILL the whole process group: no warm shutdown, nothing acknowledged."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, grace: float = 10) -> None:
        """SIGTERM (a warm shutdown for Celery, gunicorn), then SIGKILL after `grace`."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace)
        self.kill()

    def wait_ready(self, ready: Callable[[], object], timeout: float = READY_SECONDS) -> None:
        def check() -> object:
            if not self.alive():
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode} before it was ready:\n"
                    f"{self.log()}"
                )
            return ready()

        wait_until(check, f"{self.name} to be ready", timeout)


def spawn(
    name: str,
    command: list[str],
    *,
    env: dict[str, str],
    directory: Path,
    user: str | None = None,
) -> Process:
    """Start `command` in its own process group, its output in directory/<name>.log."""
    log_path = directory / f"{name}.log"
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    with open(log_path, "ab") as log_file:
        popen = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Process(name, popen, log_path)


class TcpProxy:
    """A TCP proxy on a free port in front of `upstream` (PostgreSQL), for a
    database outage seen from a worker without touching the machine's
    PostgreSQL: `down()` drops every connection through it and refuses new
    ones, as a restarting server does; `up()` serves again on the same port."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.up()

    def up(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, []
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone
            # would leave the port listening until it returned.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # closed by down()
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def url(self, database_url: str) -> str:
        """`database_url` through this proxy."""
        host, port = self.upstream
        return database_url.replace(f"@{host}:{port}/", f"@127.0.0.1:{self.port}/", 1)


# --- Redis -------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own on `port`, nothing on disk: a restart comes back
    empty (every queued task lost), as after a crash without persistence."""

    def __init__(self, *, port: int, directory: Path) -> None:
        self.port = port
        self.directory = directory
        self.process: Process | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def up(self) -> bool:
        import redis

        client = redis.Redis(
            host="127.0.0.1", port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5
        )
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self) -> Process:
        assert self.process is None or not self.process.alive(), "redis-server is running"
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        command += ["--dir", str(self.directory)]
        self.process = spawn("redis", command, env=dict(os.environ), directory=self.directory)
        self.process.wait_ready(self.up)
        return self.process

    def kill(self) -> None:
        """Kill it, as a crash would (its data is lost)."""
        assert self.process is not None
        self.process.kill()
        wait_until(lambda: not self.up(), "redis-server to stop", timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(grace=2)


# --- PostgreSQL --------------------------------------------------------------------------


def postgres_bin(program: str) -> str:
    """A PostgreSQL server program (initdb, pg_ctl), from PATH or Debian's layout."""
    found = shutil.which(program)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{program}"))
    if not candidates:
        raise FileNotFoundError(f"{program} not found (is the PostgreSQL server installed?)")
    return str(candidates[-1])


def postgres_problem() -> str | None:
    """Why a throwaway cluster can't be made here, or None."""
    try:
        postgres_bin("initdb")
    except FileNotFoundError as exc:
        return str(exc)
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser, so initdb can't run as the postgres user"
    return None


class PostgresCluster:
    """A throwaway PostgreSQL cluster in `directory`, on `port`, trusting local
    connections: restarted or stopped at will, never the machine's own server.
    As root, it runs as the `postgres` user (initdb refuses root)."""

    def __init__(self, *, port: int, directory: Path | None = None) -> None:
        self.port = port
        # Its own directory under /tmp: the postgres user must reach it (a
        # pytest tmp_path sits under a directory only root may enter).
        self.directory = directory or Path(tempfile.mkdtemp(prefix="board-postgres-"))
        self.data = self.directory / "pgdata"
        self.user = "postgres" if os.geteuid() == 0 else None
        self.process: Process | None = None

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *command: str) -> None:
        if self.user is not None:
            command = ("runuser", "-u", self.user, "--", *command)
        subprocess.run(command, check=True, capture_output=True, cwd=self.directory, timeout=120)

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            shutil.chown(self.directory, self.user, self.user)
        self._run(
            postgres_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        )

    def up(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.url(), connect_timeout=1):
                return True
        except psycopg.Error:
            return False

    def start(self) -> Process:
        """Start the server (initialising the cluster the first time)."""
        if not self.data.exists():
            self.init()
        command = [postgres_bin("postgres"), "-D", str(self.data), "-p", str(self.port)]
        command += ["-c", "listen_addresses=127.0.0.1"]
        command += ["-c", f"unix_socket_directories={self.directory}"]
        command += ["-c", "fsync=off", "-c", "max_connections=200"]
        self.process = spawn(
            "postgres", command, env=dict(os.environ), directory=self.directory, user=self.user
        )
        self.process.wait_ready(self.up)
        return self.process

    def stop(self, mode: str = "fast") -> None:
        """`pg_ctl stop -m fast`, as a service restart does: active connections
        are terminated."""
        if self.process is None or not self.process.alive():
            return
        self._run(postgres_bin("pg_ctl"), "stop", "-D", str(self.data), "-m", mode, "-w")
        try:
            self.process.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def remove(self) -> None:
        """Stop the server and delete the cluster."""
        with contextlib.suppress(Exception):
            self.stop(mode="immediate")
        shutil.rmtree(self.directory, ignore_errors=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


# --- The board's own processes -------------------------------------------------------------


def board_env(
    *,
    database_url: str,
    redis_url: str,
    smtp_port: int,
    var_dir: Path,
    site_url: str = "http://testserver",
    **board: str,
) -> dict[str, str]:
    """The environment of a web or Celery process under test: the production
    settings on this database, this Redis and this SMTP server. `board` adds or
    overrides settings (BOARD_SWEEP_SECONDS="2"...)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_", "EMAIL_", "REDIS_", "BOARD_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="board.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="false",
        EMAIL_USE_SSL="false",
        EMAIL_TIMEOUT="10",
        SITE_URL=site_url,
        BOARD_RETRY_BASE_SECONDS="1",
        BOARD_VAR_DIR=str(var_dir),
        PYTHONUNBUFFERED="1",
    )
    env.update(board)
    return env


def celery_command(*args: str) -> list[str]:
    """`celery -A board ...` with this interpreter (the README's `.venv/bin/celery`)."""
    return [sys.executable, "-m", "celery", "-A", "board", *args]


def worker_command(hostname: str, *, solo: bool = True) -> list[str]:
    """A worker as the tests run it (`solo`: one process, quick to start), or
    exactly as the README's deployment section starts it."""
    if solo:
        return celery_command(
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            hostname,
        )
    return celery_command("worker", "--loglevel=INFO", "--concurrency=4", "--hostname", hostname)


def start_worker(name: str, *, env: dict[str, str], directory: Path, solo: bool = True) -> Process:
    process = spawn(
        name,
        worker_command(f"{name}-{os.getpid()}@%h", solo=solo),
        env=env,
        directory=directory,
    )
    process.wait_ready(lambda: process.count(" ready.") > 0)
    return process


def start_beat(*, env: dict[str, str], directory: Path) -> Process:
    """Celery beat with the production schedule, a process of its own."""
    command = celery_command("beat", "--loglevel=INFO")
    command += ["--schedule", str(directory / "celerybeat-schedule")]
    process = spawn("beat", command, env=env, directory=directory)
    process.wait_ready(lambda: process.count("beat: Starting") > 0)
    return process


def start_gunicorn(*, port: int, env: dict[str, str], directory: Path, workers: int = 4) -> Process:
    """gunicorn as the README deploys it, on 127.0.0.1:`port`."""
    command = [sys.executable, "-m", "gunicorn", "board.wsgi", "--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{port}", "--access-logfile", "-", "--timeout", "60"]
    process = spawn("gunicorn", command, env=env, directory=directory)
    process.wait_ready(lambda: port_open(port))
    return process


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """`manage.py <args>` with `env`; its output (raises if it fails)."""
    finished = subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if finished.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed:\n{finished.stdout}{finished.stderr}"
        )
    return finished.stdout


def prepare_web(env: dict[str, str]) -> None:
    """What the README's deployment runs before gunicorn: migrate, collectstatic
    (into DJANGO_STATIC_ROOT, which `env` must name)."""
    assert env.get("DJANGO_STATIC_ROOT"), "collect static files somewhere of the run's own"
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
