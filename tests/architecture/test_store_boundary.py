"""The storage boundary: SQL runs only in player/store/ and player/db.py."""

from __future__ import annotations

import ast

from archkit import ROOT, modules

SQL_CALLS = {"execute", "executemany", "executescript"}
ALLOWED = ("player.store", "player.db")


def sql_calls(tree: ast.Module) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS
    ]


def test_sql_runs_only_in_the_store() -> None:
    outside = [
        f"{path.relative_to(ROOT)}:{line}"
        for name, (path, tree) in modules().items()
        if not any(name == room or name.startswith(room + ".") for room in ALLOWED)
        for line in sql_calls(tree)
    ]
    assert not outside, "SQL outside player/store/ and player/db.py:\n" + "\n".join(outside)


def test_the_check_finds_sql() -> None:
    """The rule above must be able to fail: it sees a call written the usual way."""
    tree = ast.parse("def f(conn):\n    return conn.execute('SELECT 1').fetchone()\n")
    assert sql_calls(tree) == [2]
    assert any(sql_calls(tree) for name, (_p, tree) in modules().items() if name.startswith("player.store"))
