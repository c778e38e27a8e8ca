"""Schema changes written in Python migrations: Alembic `op.*` calls and Django migration
operations, as TableUse facts (the SQL they embed goes through the SQL reader)."""

from __future__ import annotations

import ast
from collections.abc import Callable

from archlint.facts import TableUse
from archlint.location import Location


def migration_style(path: str, text: str) -> str:
    """ "alembic", "django" or "" for a Python file, from its path and a cheap look at its text."""
    return ""


def tables_from_migration_call(
    node: ast.Call, style: str, app_label: str, locate: Callable[[ast.AST], Location]
) -> list[TableUse]:
    """The tables one migration call creates / alters / drops / renames."""
    return []
