"""Run a command, and start it again whenever it exits, until told to stop.

    python deploy/keep_running.py -- celery -A board worker -n worker1@%h

For the `Procfile` (honcho, like foreman, stops every process when one exits,
and restarts none): the Celery worker and beat are each run under this, so a
worker that dies (killed, out of memory, an unrecoverable broker error) is back
within seconds, under the same node name, and takes back the emails it was
sending (notifications.delivery.reclaim_after_restart). systemd needs none of this:
`Restart=always` does the same (deploy/systemd/).

The command runs in a process group of its own, so killing that group (a
prefork worker and its pool) leaves this supervisor alive to restart it.
SIGTERM and SIGINT are passed on to the command (Celery's warm shutdown), and
then this exits with the command's status. Restarts back off from 1 s to 30 s
while the command keeps dying within a minute of starting.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType

FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0
# A run at least this long counts as healthy: the next restart is quick again.
HEALTHY_RUN_SECONDS = 60.0


def say(text: str) -> None:
    print(f"keep-running: {text}", file=sys.stderr, flush=True)


def _exit_status(code: int) -> int:
    """The command's status as a shell reports it (killed by signal N: 128+N)."""
    return 128 - code if code < 0 else code


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1 :] if "--" in argv else argv
    if not command:
        say("usage: keep_running.py -- COMMAND [ARG...]")
        return 2
    name = command[0]
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    delay = FIRST_DELAY_SECONDS
    while True:
        started = time.monotonic()
        # The operator's own command line, run as given.
        child = subprocess.Popen(command, process_group=0)  # noqa: S603
        say(f"started {name} (pid {child.pid})")
        if stopping:  # told to stop while it was being started
            child.send_signal(signal.SIGTERM)
        code = child.wait()
        if stopping:
            say(f"{name} stopped with {code}")
            return _exit_status(code)
        delay = FIRST_DELAY_SECONDS if time.monotonic() - started >= HEALTHY_RUN_SECONDS else delay
        say(f"{name} exited with {code}; starting it again in {delay:.0f}s")
        restart_at = time.monotonic() + delay
        while not stopping and time.monotonic() < restart_at:
            time.sleep(0.1)
        if stopping:
            return _exit_status(code)
        delay = min(delay * 2, MAX_DELAY_SECONDS)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
