"""The house rules, read from the imports of every module (ast, nothing is imported):

    knowledge <- retrieval <- infra <- handlers <- bot

- no import runs from a lower layer to a higher one;
- one feature slice (handlers/<slice>/) never imports another: slices meet only in infra/
  (shared plumbing) and in the composition root (bot/);
- there is no import cycle between modules (imports under `if TYPE_CHECKING:` never run, so
  they count for the layer and slice rules but cannot make a cycle);
- no module is 400 lines or longer;
- a migration (bot/migrations/versions/) imports no project module: it describes the tables as
  they are at its revision, while the models and repositories keep changing.

Files of other helpers that have not moved yet are allow-listed by name, with their owner; once
they move (or are deleted) their entry matches nothing and the rule applies in full.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS: dict[str, int] = {"knowledge": 0, "retrieval": 1, "infra": 2, "handlers": 3, "bot": 4}
MAX_LINES = 400

# importer module -> imported modules (prefixes) it may still reach although the rules forbid it.
NOT_YET_MOVED: dict[str, tuple[str, ...]] = {
}
# Modules of other helpers still over the size limit, with their owner.
TOO_LONG_FOR_NOW: dict[str, str] = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The project module an import names (a submodule if it exists, else its package)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


ImportNode = ast.Import | ast.ImportFrom


def _import_nodes(tree: ast.AST) -> Iterator[tuple[ImportNode, bool]]:
    """Every import statement, at any depth, with whether it is for type checkers only."""

    def walk(node: ast.AST, typing_only: bool) -> Iterator[tuple[ImportNode, bool]]:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, typing_only
        for child in ast.iter_child_nodes(node):
            inner = typing_only or (
                isinstance(node, ast.If) and _is_type_checking(node) and child in node.body
            )
            yield from walk(child, inner)

    yield from walk(tree, False)


def _imports(module: str, path: Path) -> Iterator[tuple[str, bool]]:
    """Every project module `module` imports (functions and TYPE_CHECKING blocks too), with
    whether the import is for type checkers only."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node, typing_only in _import_nodes(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import sub` imports the submodule; `from pkg import name`, the package.
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                     for alias in node.names]
        for name in names:
            target = _resolve(name)
            if target is not None and target != module:
                yield target, typing_only


IMPORTS: dict[str, set[tuple[str, bool]]] = {m: set(_imports(m, p)) for m, p in MODULES.items()}
# Every import, for the layer and slice rules (a type-only import is still a dependency).
GRAPH: dict[str, set[str]] = {m: {t for t, _ in imports} for m, imports in IMPORTS.items()}
# Imports that run, for the cycle rule (a TYPE_CHECKING import cannot make an import loop).
RUNTIME: dict[str, set[str]] = {
    m: {t for t, typing_only in imports if not typing_only} for m, imports in IMPORTS.items()
}


def _layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def _slice(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "handlers" and len(parts) > 1 else None


def _allowed(importer: str, imported: str) -> bool:
    return any(imported == p or imported.startswith(p + ".")
               for p in NOT_YET_MOVED.get(importer, ()))


def test_no_import_runs_up_the_layers() -> None:
    wrong = sorted(
        f"{importer} -> {imported}"
        for importer, targets in GRAPH.items()
        for imported in targets
        if _layer(imported) > _layer(importer) and not _allowed(importer, imported)
    )
    assert wrong == [], "imports from a lower layer to a higher one:\n" + "\n".join(wrong)


def test_feature_slices_do_not_import_each_other() -> None:
    wrong = sorted(
        f"{importer} -> {imported}"
        for importer, targets in GRAPH.items()
        for imported in targets
        if _slice(importer) and _slice(imported) and _slice(importer) != _slice(imported)
        and not _allowed(importer, imported)
    )
    assert wrong == [], "slices meet only through infra/:\n" + "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components; any component of two or more modules is a
    cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_there_is_no_import_cycle() -> None:
    assert _cycles(RUNTIME) == [], f"import cycles: {_cycles(RUNTIME)}"


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_modules_stay_under_the_size_limit() -> None:
    too_long = sorted(
        f"{module}: {lines} lines"
        for module, path in MODULES.items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) >= MAX_LINES
        and module not in TOO_LONG_FOR_NOW
    )
    assert too_long == [], "split these modules:\n" + "\n".join(too_long)


def test_migrations_are_self_contained() -> None:
    versions = "bot.migrations.versions."
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items() if module.startswith(versions)
        for target in targets
    )
    assert wrong == [], "migrations must not import project code:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("importer", "imported", "rule"),
    [
        ("infra.i18n", "handlers.ask.router", "up"),
        ("retrieval.text", "bot.app", "up"),
        ("handlers.account.start", "handlers.ask.router", "slice"),
        ("handlers.ask.router", "infra.i18n", None),
        ("bot.app", "handlers.ask", None),
    ],
)
def test_the_rules_catch_what_they_should(importer: str, imported: str, rule: str | None) -> None:
    runs_up = _layer(imported) > _layer(importer)
    crosses = bool(_slice(importer) and _slice(imported) and _slice(importer) != _slice(imported))
    assert (rule == "up") == runs_up and (rule == "slice") == crosses
