"""The shape of the code: no import circles between the project's modules, and no
function-local import of a project module without a reason written beside it.

A circle hidden in a function-local import is still a circle (the two modules
cannot be understood, tested or moved apart), so the graph counts a local import
too, unless it carries a comment saying why it is local:

    def ready(self) -> None:
        # local import: signal handlers connect once the app registry is ready
        from board import signals

(the `# local import: <why>` comment on the import's first line or in the
comment lines just above it). Imports under `if TYPE_CHECKING:` are for annotations only, never
run, and are left out. Migrations are generated and left out.

Read from the source with `ast`: nothing is imported, so this runs in
milliseconds and sees modules Django would not load.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project's own packages; the ones that do not exist (yet) are skipped.
PACKAGES = ("board", "accounts", "requests", "stories", "notifications", "moderation", "demo")
LOCAL_IMPORT_REASON = "# local import:"


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    local: bool  # inside a function
    reason: bool  # has a `# local import: <why>` comment


def module_files() -> dict[str, Path]:
    """Every project module by dotted name (packages by their __init__)."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        directory = ROOT / package
        if not (directory / "__init__.py").is_file():
            continue
        for path in sorted(directory.rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module `name` refers to: itself, or its nearest existing parent
    (`board.models.Notification` is `board.models`); None outside the project."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        # A relative import: up from this module's package.
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base]) if base else ".".join(package)
    # `from board import broker_fixes` imports the submodule when there is one.
    return [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"] or [base]


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    found: list[Import] = []

    def has_reason(line: int) -> bool:
        """On the import's first line, or in the comment block just above it."""
        if LOCAL_IMPORT_REASON in lines[line - 1]:
            return True
        above = line - 2
        while above >= 0 and lines[above].strip().startswith("#"):
            if lines[above].strip().startswith(LOCAL_IMPORT_REASON):
                return True
            above -= 1
        return False

    def visit(node: ast.AST, local: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, local)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            for target in _targets(node, module, path.name == "__init__.py"):
                resolved = _resolve(target, modules)
                if resolved is not None and resolved != module:
                    reason = local and has_reason(node.lineno)
                    found.append(Import(module, resolved, node.lineno, local, reason))
            return
        inner = local or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, local=False)
    return found


def all_imports() -> list[Import]:
    modules = module_files()
    return [found for name, path in modules.items() for found in imports_of(name, path, modules)]


def import_graph(imports: list[Import]) -> dict[str, set[str]]:
    """Who imports whom, counting every import that runs, except a local import
    that says why it is local."""
    graph: dict[str, set[str]] = {}
    for found in imports:
        if found.local and found.reason:
            continue
        graph.setdefault(found.importer, set()).add(found.imported)
        graph.setdefault(found.imported, set())
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def connect(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for following in sorted(graph[node]):
            if following not in index:
                connect(following)
                low[node] = min(low[node], low[following])
            elif following in on_stack:
                low[node] = min(low[node], index[following])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(components)


def shortest_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest circle through the component's first module, for the message."""
    start = component[0]
    members = set(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for following in sorted(graph[node] & members):
            if following == start:
                return [*paths[node], start]
            if following not in paths:
                paths[following] = [*paths[node], following]
                queue.append(following)
    raise AssertionError(f"no circle through {start}")


def describe(graph: dict[str, set[str]], imports: list[Import], component: list[str]) -> str:
    cycle = shortest_cycle(graph, component)
    steps = []
    for importer, imported in itertools.pairwise(cycle):
        lines = sorted(
            (f"{found.line}{' (local)' if found.local else ''}")
            for found in imports
            if found.importer == importer and found.imported == imported
        )
        steps.append(f"    {importer} -> {imported}  (line {', '.join(lines)})")
    others = f" [{len(component)} modules: {', '.join(component)}]" if len(component) > 2 else ""
    return " -> ".join(cycle) + others + "\n" + "\n".join(steps)


def test_the_project_modules_import_each_other_without_circles():
    imports = all_imports()
    graph = import_graph(imports)
    circles = [describe(graph, imports, component) for component in strongly_connected(graph)]
    assert not circles, f"{len(circles)} import circle(s):\n" + "\n".join(circles)


def test_a_function_local_import_of_a_project_module_says_why():
    unexplained = sorted(
        {
            f"{found.importer}:{found.line} imports {found.imported}"
            for found in all_imports()
            if found.local and not found.reason
        }
    )
    assert not unexplained, (
        f"{len(unexplained)} function-local import(s) of the project's own modules with no "
        f"'{LOCAL_IMPORT_REASON} <why>' comment (move them to the top of the module, or say "
        "why they must run late):\n" + "\n".join(unexplained)
    )


# --- Layers ------------------------------------------------------------------------------
# Lower layers never import higher ones (README, "Architecture in brief"):
#   0 shared    board's small shared pieces (errors, fields, http, ratelimit, cache,
#               middleware, markdown, API machinery, the admin mixin, ...)
#   1 models    each app's models (and what they are built from: kinds, targets, search)
#   2 services  rules, selectors, services and the other domain modules
#   3 edges     views, API, forms, serializers, admin, filters, tasks, urls, commands
#   4 project   board's urls, site pages and settings; the demo data
# Within a layer, apps import each other only without circles (the test above).
PROJECT_MODULES = {
    "board.urls", "board.api_urls", "board.context_processors", "board.ops_views",
    "board.views", "board.wsgi", "board.asgi", "board.settings", "board.test_settings",
    "board.apps",
}  # fmt: skip
EDGE_PARTS = {
    "views", "api", "forms", "serializers", "admin", "filters", "tasks", "urls", "apps",
    "management", "templatetags", "thanks_views", "token_views", "adapter", "signup",
}  # fmt: skip
MODEL_MODULES = {"models", "kinds", "targets", "search"}
LAYER_NAMES = ("shared", "models", "services", "edges", "project")


def layer_of(module: str) -> int:
    parts = module.split(".")
    if parts[0] == "demo" or module in PROJECT_MODULES or module.startswith("board.management"):
        return 4
    if parts[0] == "board":
        return 0
    if EDGE_PARTS.intersection(parts[1:]):
        return 3
    if parts[-1] in MODEL_MODULES:
        return 1
    return 2


def test_lower_layers_never_import_higher_ones():
    upward = sorted(
        f"{found.importer}:{found.line} ({LAYER_NAMES[layer_of(found.importer)]}) imports "
        f"{found.imported} ({LAYER_NAMES[layer_of(found.imported)]})"
        for found in all_imports()
        if not (found.local and found.reason)
        and layer_of(found.imported) > layer_of(found.importer)
    )
    assert not upward, f"{len(upward)} import(s) reach up a layer:\n" + "\n".join(upward)


def test_the_layers_are_told_apart():
    assert [layer_of(m) for m in ("board.errors", "requests.models", "notifications.kinds")] == [
        0, 1, 1,
    ]  # fmt: skip
    assert [layer_of(m) for m in ("moderation.rules", "requests.services", "stories.cache")] == [
        2, 2, 2,
    ]  # fmt: skip
    assert [layer_of(m) for m in ("requests.views", "notifications.api", "demo.planner")] == [
        3, 3, 4,
    ]  # fmt: skip
    assert layer_of("board.urls") == 4 and layer_of("board.admin") == 0


def test_the_checker_sees_circles_local_imports_and_reasons(tmp_path, monkeypatch):
    """The checker itself, on a small made-up project."""
    package = tmp_path / "board"
    package.mkdir()
    (package / "__init__.py").write_text("from board.celery import app\n")
    (package / "celery.py").write_text("from board import broker_fixes\napp = 1\n")
    (package / "broker_fixes.py").write_text("")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from board import b\n"
        "if TYPE_CHECKING:\n"
        "    from board import c\n"
    )
    (package / "b.py").write_text("def f():\n    from board.a import x\n")
    (package / "c.py").write_text(
        "from board import a\n"
        "def g():\n"
        "    # local import: only to show a reason is honoured,\n"
        "    # even above a second line of comment\n"
        "    from board import d\n"
        "def h():\n"
        "    from board import d  # local import: the same, on the line\n"
    )
    (package / "d.py").write_text("from board import c\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)

    imports = all_imports()
    graph = import_graph(imports)

    # a -> b (top) and b -> a (local, no reason) is a circle; c -> d (explained)
    # is not; board.celery imports the submodule board.broker_fixes, not board.
    assert strongly_connected(graph) == [["board.a", "board.b"]]
    unexplained = [(i.importer, i.line) for i in imports if i.local and not i.reason]
    assert unexplained == [("board.b", 2)]
    assert [(i.importer, i.line) for i in imports if i.reason] == [("board.c", 5), ("board.c", 7)]
    assert "board.a -> board.b -> board.a" in describe(graph, imports, ["board.a", "board.b"])
