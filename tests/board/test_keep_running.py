"""deploy/keep_running.py, the Procfile's supervisor: a command that dies is
started again; SIGTERM stops it for good, passed on to the command."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
SUPERVISOR = PROJECT_DIR / "deploy" / "keep_running.py"


def _wait_for(predicate, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def test_it_starts_a_command_again_after_it_dies(tmp_path):
    runs = tmp_path / "runs"
    # Each run notes itself, then dies (as a killed worker would), except the
    # third, which keeps running until it is told to stop.
    script = (
        "import pathlib, sys, time\n"
        f"runs = pathlib.Path({str(runs)!r})\n"
        "runs.open('a').write('run\\n')\n"
        "if runs.read_text().count('run') < 3: sys.exit(1)\n"
        "time.sleep(60)\n"
    )
    with subprocess.Popen(
        [sys.executable, str(SUPERVISOR), "--", sys.executable, "-c", script],
        stderr=subprocess.PIPE,
        text=True,
    ) as supervisor:
        try:
            # Backoff: 1 s, then 2 s.
            _wait_for(lambda: runs.exists() and runs.read_text().count("run") == 3)
            assert supervisor.poll() is None

            supervisor.send_signal(signal.SIGTERM)
            code = supervisor.wait(timeout=20)
        finally:
            if supervisor.poll() is None:
                supervisor.kill()
        log = supervisor.stderr.read()

    assert log.count("exited with 1; starting it again") == 2
    assert "stopped with -15" in log
    assert code == 128 + signal.SIGTERM
    assert runs.read_text().count("run") == 3
