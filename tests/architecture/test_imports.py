"""Which way dependencies point, read from the code with `ast` (imports inside functions count too)."""

from __future__ import annotations

import ast

from archkit import modules


def imported(name: str, tree: ast.Module) -> set[str]:
    """Every module `name` imports, anywhere in its body, resolved to dotted names."""
    package = name if (modules()[name][0].name == "__init__.py") else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:  # `from a import b` needs a.b when it is a module, else a itself
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base)
    return found


def project_graph() -> dict[str, set[str]]:
    known = set(modules())
    return {
        name: {m for m in imported(name, tree) if m in known and m != name} for name, (_p, tree) in modules().items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles of a graph, each as the path that closes it (Tarjan's strongly connected parts)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            part = []
            while True:
                member = stack.pop()
                part.append(member)
                if member == node:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def offenders(prefix: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{name} imports {target}"
        for name, (_p, tree) in modules().items()
        if name == prefix or name.startswith(prefix + ".")
        for target in imported(name, tree)
        if any(target == f or target.startswith(f + ".") for f in forbidden)
    )


def test_packager_never_imports_the_player() -> None:
    assert offenders("packager", ("player",)) == []


def test_standards_import_nothing_else_of_the_project_nor_flask() -> None:
    others = tuple(sorted({n.split(".")[1] for n in modules() if n.startswith("packager.")} - {"standards"}))
    assert offenders("packager.standards", ("player", "flask", *(f"packager.{o}" for o in others))) == []


def test_the_checks_can_fail() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    tree = ast.parse("def f():\n    from player.learning import cmi5\n")
    assert imported("player.learning.tracking", tree) == {"player.learning.cmi5"}


def test_no_import_cycle() -> None:
    assert cycles(project_graph()) == []
