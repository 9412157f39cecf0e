"""accounts/services.py: every function-local import, of the project's modules or
any other, says why it is local (the architecture test checks project modules
only; this file keeps a stricter rule, since its locals are the layering's
exceptions)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.test_architecture import LOCAL_IMPORT_REASON

SOURCE = Path(__file__).resolve().parents[2] / "accounts" / "services.py"


def _local_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            found += [
                node for node in ast.walk(function) if isinstance(node, ast.Import | ast.ImportFrom)
            ]
    return found


def _has_reason(lines: list[str], line: int) -> bool:
    if LOCAL_IMPORT_REASON in lines[line - 1]:
        return True
    above = line - 2
    while above >= 0 and lines[above].strip().startswith("#"):
        if lines[above].strip().startswith(LOCAL_IMPORT_REASON):
            return True
        above -= 1
    return False


def test_every_local_import_in_accounts_services_says_why():
    source = SOURCE.read_text()
    lines = source.splitlines()
    missing = [
        f"accounts/services.py:{node.lineno}: {lines[node.lineno - 1].strip()}"
        for node in _local_imports(ast.parse(source))
        if not _has_reason(lines, node.lineno)
    ]
    assert not missing, "\n".join(missing)
