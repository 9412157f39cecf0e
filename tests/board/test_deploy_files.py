"""Every way the project starts a Celery worker names it explicitly and
uniquely: a starting worker takes back the rows an earlier run of its node
name left "sending" (notifications.reclaim_after_restart), so two live
workers sharing a name would take each other's emails."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _node_name(command: str) -> str | None:
    words = shlex.split(command)
    for flag in ("-n", "--hostname"):
        if flag in words:
            return words[words.index(flag) + 1]
    named = [word.split("=", 1)[1] for word in words if word.startswith("--hostname=")]
    return named[0] if named else None


def _worker_commands() -> dict[str, str]:
    """Where a worker is started: the Procfile's worker lines, the Makefile's
    `worker` target, the systemd units and keep_running's example."""
    found: dict[str, str] = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if not line.startswith("#") and " worker" in command and "celery" in command:
            found[f"Procfile {name}"] = command
    for path in [ROOT / "Makefile", *sorted((ROOT / "deploy").rglob("*"))]:
        if path.is_file():
            for line in path.read_text().splitlines():
                if re.search(r"celery -A board worker", line):
                    found[str(path.relative_to(ROOT))] = line.split("ExecStart=")[-1]
    return found


def test_every_worker_command_names_its_node():
    commands = _worker_commands()

    assert {"Procfile worker", "Makefile", "deploy/systemd/board-worker@.service"} <= set(commands)
    for where, command in commands.items():
        assert _node_name(command), f"{where} starts a worker without -n: {command}"


def test_the_procfiles_workers_have_names_of_their_own():
    names = [
        _node_name(command) for where, command in _worker_commands().items() if "Procfile" in where
    ]

    assert names == ["worker1@%h"]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("unit", ["board-worker@.service"])
def test_the_systemd_worker_is_a_template_whose_instance_makes_the_name(unit):
    """One instance per worker on a machine (board-worker@1, board-worker@2):
    the instance number in the node name keeps them apart."""
    text = (ROOT / "deploy" / "systemd" / unit).read_text()
    command = re.search(r"^ExecStart=(.*)$", text, re.MULTILINE).group(1)

    assert _node_name(command) == "worker%i@%%h"
    assert "Restart=always" in text
