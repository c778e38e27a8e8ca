"""Schema changes written in Python migrations: Alembic `op.*` calls and Django migration
operations, as TableUse facts and as the file's `Migration` fact (the SQL they embed goes
through the SQL reader).

The Python reader calls `tables_from_migration_call` on every call in a migration file, nested
ones included, so each operation is answered by its outermost call (`op.create_table`,
`migrations.CreateModel`) and the calls inside it (`sa.Column`, `models.ForeignKey`) answer [].
`MigrationReader` builds the Migration during the same walk: Alembic calls one at a time (the
`with` blocks around them remembered by position), a Django `class Migration` at once from its
`operations` list. The columns ORM models map (`django_model_columns`, …) live here too, beside
the field → column rules they share with Django migrations.
Only literal arguments are read: a table name held in a variable is not guessed.
"""

from __future__ import annotations

import ast
import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any

from archlint.extract.schema import (
    DJANGO_DB_FUNCTIONS,
    DJANGO_TYPES,
    SQLALCHEMY_TYPES,
    default_kind,
    normalise_type,
)
from archlint.facts import Migration, SchemaChange, TableUse
from archlint.location import Location

Locate = Callable[[ast.AST], Location]

_DJANGO_NAME = re.compile(r"\d+_\w*\.py\Z")
_DJANGO_CLASS = re.compile(r"class\s+Migration\s*\(\s*migrations\.Migration\s*\)")
_ALEMBIC_IMPORT = re.compile(r"^\s*from\s+alembic\s+import\s+(?:[\w\s,(]*\b)?op\b", re.MULTILINE)
_ALEMBIC_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=", re.MULTILINE)


def migration_style(path: str, text: str) -> str:
    """ "alembic", "django" or "" for a Python file, from its path and a cheap look at its text."""
    parts = PurePosixPath(path).parts
    if (
        len(parts) >= 2
        and parts[-2] == "migrations"
        and _DJANGO_NAME.match(parts[-1])
        and _DJANGO_CLASS.search(text)
    ):
        return "django"
    folders = [p.lower() for p in parts[:-1]]
    if "versions" in folders and {"alembic", "migrations"} & set(
        folders[: folders.index("versions")]
    ):
        return "alembic"
    if _ALEMBIC_IMPORT.search(text) and _ALEMBIC_REVISION.search(text):
        return "alembic"
    return ""


def tables_from_migration_call(
    node: ast.Call, style: str, app_label: str, locate: Locate
) -> list[TableUse]:
    """The tables one migration call creates / alters / drops / renames / references."""
    try:
        if style == "alembic":
            return _alembic(node, locate)
        if style == "django":
            return _django(node, app_label.lower(), locate)
    except Exception:  # odd but valid Python (starred args, computed names) must not stop a file
        return []
    return []


# ---------------------------------------------------------------------------------------------
# Arguments


def _arg(call: ast.Call, pos: int, name: str) -> ast.expr | None:
    """The argument passed at position `pos` or as keyword `name` (pos < 0: keyword only)."""
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    if pos < 0 or pos >= len(call.args):
        return None
    if any(isinstance(a, ast.Starred) for a in call.args[: pos + 1]):
        return None  # after `*cols` the position of an argument is not known
    return call.args[pos]


def _str(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _callee(call: ast.Call) -> tuple[str, str]:
    """(owner, name) of `owner.name(...)`, or ("", name) of `name(...)`."""
    func = call.func
    if isinstance(func, ast.Attribute):
        value = func.value
        if isinstance(value, ast.Name):
            return value.id, func.attr
        if isinstance(value, ast.Attribute):
            return value.attr, func.attr
        return "?", func.attr
    if isinstance(func, ast.Name):
        return "", func.id
    return "?", ""


def _calls(node: ast.AST) -> Iterator[ast.Call]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            yield sub


# ---------------------------------------------------------------------------------------------
# Alembic


def _alembic(call: ast.Call, locate: Locate) -> list[TableUse]:
    owner, name = _callee(call)
    if owner != "op":  # batch_op.* inside `with op.batch_alter_table(…)`: the table is on the with
        return []
    handler = _ALEMBIC_OPS.get(name)
    return handler(call, locate) if handler else []


def _table(
    call: ast.Call, pos: int, kw: str, schema_kw: str = "schema"
) -> tuple[str, ast.expr] | None:
    """A table name argument, schema-qualified when a literal `schema=` is given."""
    node = _arg(call, pos, kw)
    name = _str(node)
    if not name or node is None:
        return None
    schema = _str(_arg(call, -1, schema_kw))
    return (f"{schema}.{name}" if schema else name).lower(), node


def _use(
    found: tuple[str, ast.expr] | None, op: str, locate: Locate, detail: str = "", model: str = ""
) -> list[TableUse]:
    if found is None:
        return []
    table, node = found
    return [TableUse(table, op, locate(node), "migration", model=model, detail=detail)]


def _label(call: ast.Call, pos: int, kw: str) -> str:
    """A constraint / index / column name argument as a lower-cased label ("" when computed)."""
    return (_str(_arg(call, pos, kw)) or "").lower()


def _sa_references(node: ast.AST, locate: Locate) -> list[TableUse]:
    """`sa.ForeignKey("customers.id")` and `sa.ForeignKeyConstraint([…], ["customers.id"])`
    anywhere under node: references on the referenced tables."""
    out: list[TableUse] = []
    for call in _calls(node):
        _, name = _callee(call)
        targets: list[ast.expr] = []
        if name == "ForeignKey":
            first = _arg(call, 0, "column")
            targets = [first] if first is not None else []
        elif name == "ForeignKeyConstraint":
            cols = _arg(call, 1, "refcolumns")
            targets = list(cols.elts) if isinstance(cols, (ast.List, ast.Tuple)) else []
        for target in targets:
            text = _str(target)
            if text and "." in text:  # "table.column" or "schema.table.column"
                table = text.rsplit(".", 1)[0].lower()
                out.append(TableUse(table, "reference", locate(target), "migration"))
    return out


def _create_table(call: ast.Call, locate: Locate) -> list[TableUse]:
    uses = _use(_table(call, 0, "table_name"), "create", locate)
    return uses + _sa_references(call, locate) if uses else []


def _drop_table(call: ast.Call, locate: Locate) -> list[TableUse]:
    return _use(_table(call, 0, "table_name"), "drop", locate)


def _rename_table(call: ast.Call, locate: Locate) -> list[TableUse]:
    return _use(
        _table(call, 0, "old_table_name"), "rename", locate, _label(call, 1, "new_table_name")
    )


def _add_column(call: ast.Call, locate: Locate) -> list[TableUse]:
    column = _arg(call, 1, "column")
    label = ""
    if isinstance(column, ast.Call):
        label = _label(column, 0, "name")
    uses = _use(_table(call, 0, "table_name"), "alter", locate, f"add column {label}".strip())
    return uses + _sa_references(column, locate) if uses and column is not None else uses


def _drop_column(call: ast.Call, locate: Locate) -> list[TableUse]:
    detail = f"drop column {_label(call, 1, 'column_name')}".strip()
    return _use(_table(call, 0, "table_name"), "alter", locate, detail)


def _alter_column(call: ast.Call, locate: Locate) -> list[TableUse]:
    column = _label(call, 1, "column_name")
    new_name = _label(call, -1, "new_column_name")
    detail = f"rename column {column} to {new_name}" if new_name else f"alter column {column}"
    return _use(_table(call, 0, "table_name"), "alter", locate, detail.strip())


def _create_index(call: ast.Call, locate: Locate) -> list[TableUse]:
    detail = f"create index {_label(call, 0, 'index_name')}".strip()
    return _use(_table(call, 1, "table_name"), "alter", locate, detail)


def _drop_index(call: ast.Call, locate: Locate) -> list[TableUse]:
    detail = f"drop index {_label(call, 0, 'index_name')}".strip()
    return _use(_table(call, 1, "table_name"), "alter", locate, detail)


def _create_foreign_key(call: ast.Call, locate: Locate) -> list[TableUse]:
    detail = f"add foreign key {_label(call, 0, 'constraint_name')}".strip()
    source = _use(_table(call, 1, "source_table", "source_schema"), "alter", locate, detail)
    referent = _use(_table(call, 2, "referent_table", "referent_schema"), "reference", locate)
    return source + referent


def _add_constraint(call: ast.Call, locate: Locate) -> list[TableUse]:
    """create_unique_constraint / create_check_constraint / create_primary_key(name, table, …)."""
    detail = f"add constraint {_label(call, 0, 'constraint_name')}".strip()
    return _use(_table(call, 1, "table_name"), "alter", locate, detail)


def _drop_constraint(call: ast.Call, locate: Locate) -> list[TableUse]:
    detail = f"drop constraint {_label(call, 0, 'constraint_name')}".strip()
    return _use(_table(call, 1, "table_name"), "alter", locate, detail)


def _batch_alter_table(call: ast.Call, locate: Locate) -> list[TableUse]:
    return _use(_table(call, 0, "table_name"), "alter", locate)


def _bulk_insert(call: ast.Call, locate: Locate) -> list[TableUse]:
    """Best effort: only `op.bulk_insert(sa.table("accounts", …), rows)` written inline; a table
    object held in a variable is not followed."""
    table = _arg(call, 0, "table")
    if isinstance(table, ast.Call) and _callee(table)[1] in {"table", "Table"}:
        return _use(_table(table, 0, "name"), "write", locate)
    return []


_ALEMBIC_OPS: dict[str, Callable[[ast.Call, Locate], list[TableUse]]] = {
    "create_table": _create_table,
    "drop_table": _drop_table,
    "rename_table": _rename_table,
    "add_column": _add_column,
    "drop_column": _drop_column,
    "alter_column": _alter_column,
    "create_index": _create_index,
    "drop_index": _drop_index,
    "create_foreign_key": _create_foreign_key,
    "create_unique_constraint": _add_constraint,
    "create_check_constraint": _add_constraint,
    "create_primary_key": _add_constraint,
    "create_exclude_constraint": _add_constraint,
    "drop_constraint": _drop_constraint,
    "batch_alter_table": _batch_alter_table,
    "bulk_insert": _bulk_insert,
}


# ---------------------------------------------------------------------------------------------
# Django

_RELATIONS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def _django(call: ast.Call, app: str, locate: Locate) -> list[TableUse]:
    owner, name = _callee(call)
    if owner not in {"migrations", ""}:
        return []
    handler = _DJANGO_OPS.get(name)
    return handler(call, app, locate) if handler else []


def _default_table(app: str, model: str) -> str:
    """Django's table for a model without `db_table`: `<app_label>_<model name lower>`."""
    return f"{app}_{model.lower()}"


def _model_use(
    call: ast.Call,
    app: str,
    locate: Locate,
    op: str,
    detail: str,
    pos: int = 0,
    kw: str = "model_name",
) -> list[TableUse]:
    node = _arg(call, pos, kw)
    model = _str(node)
    if not model or node is None:
        return []
    return [TableUse(_default_table(app, model), op, locate(node), "migration", model, detail)]


def _create_model(call: ast.Call, app: str, locate: Locate) -> list[TableUse]:
    node = _arg(call, 0, "name")
    model = _str(node)
    if not model or node is None:
        return []
    table = (_db_table(_arg(call, 2, "options")) or _default_table(app, model)).lower()
    out = [TableUse(table, "create", locate(node), "migration", model)]
    fields = _arg(call, 1, "fields")
    for field_name, field in _fields(fields):
        out.extend(_relation(field, field_name, table, app, model, locate))
    return out


def _db_table(options: ast.expr | None) -> str | None:
    if isinstance(options, ast.Dict):
        for key, value in zip(options.keys, options.values, strict=True):
            if _str(key) == "db_table":
                return _str(value)
    return None


def _fields(fields: ast.expr | None) -> Iterator[tuple[str, ast.Call]]:
    """("name", models.X(...)) pairs of CreateModel's fields list."""
    if not isinstance(fields, (ast.List, ast.Tuple)):
        return
    for item in fields.elts:
        if isinstance(item, (ast.Tuple, ast.List)) and len(item.elts) == 2:
            name, field = item.elts
            if _str(name) and isinstance(field, ast.Call):
                yield _str(name) or "", field


def _relation(
    field: ast.Call, field_name: str, table: str, app: str, model: str, locate: Locate
) -> list[TableUse]:
    """A relation field: a reference on the target model's default table; a many-to-many
    field without `through=` also creates its join table `<table>_<field>`."""
    kind = _callee(field)[1]
    if kind not in _RELATIONS:
        return []
    target = _arg(field, 0, "to")
    label = _str(target)
    if not label or target is None:  # settings.AUTH_USER_MODEL and other computed targets
        return []
    if label == "self":
        other, other_table = model, table
    else:
        other_app, _, other = label.rpartition(".")
        other_table = _default_table(other_app.lower() or app, other)
    out = [TableUse(other_table, "reference", locate(target), "migration", other)]
    if kind == "ManyToManyField" and _arg(field, -1, "through") is None:
        join = (_str(_arg(field, -1, "db_table")) or f"{table}_{field_name}").lower()
        out.append(TableUse(join, "create", locate(field), "migration", model, "many-to-many"))
    return out


def _column(field: ast.expr | None, name: str) -> str:
    """The column a field adds: `db_column=`, `<name>_id` for a foreign key, else the name;
    "" for a many-to-many field, which adds a join table instead."""
    if not isinstance(field, ast.Call):
        return name
    column = _str(_arg(field, -1, "db_column"))
    if column:
        return column.lower()
    kind = _callee(field)[1]
    if kind == "ManyToManyField":
        return ""
    return f"{name}_id" if kind in {"ForeignKey", "OneToOneField"} else name


def _field_change(call: ast.Call, app: str, locate: Locate, verb: str) -> list[TableUse]:
    """AddField / AlterField(model_name, name, field): the column, and the field's relation."""
    model_node = _arg(call, 0, "model_name")
    model = _str(model_node)
    name = (_str(_arg(call, 1, "name")) or "").lower()
    if not model or model_node is None:
        return []
    table = _default_table(app, model)
    field = _arg(call, 2, "field")
    column = _column(field, name)
    out: list[TableUse] = []
    if column or not isinstance(field, ast.Call):
        detail = f"{verb} column {column}".strip()
        out.append(TableUse(table, "alter", locate(model_node), "migration", model, detail))
    if isinstance(field, ast.Call):
        out.extend(_relation(field, name, table, app, model, locate))
    return out


def _add_field(call: ast.Call, app: str, locate: Locate) -> list[TableUse]:
    return _field_change(call, app, locate, "add")


def _alter_field(call: ast.Call, app: str, locate: Locate) -> list[TableUse]:
    return _field_change(call, app, locate, "alter")


def _remove_field(call: ast.Call, app: str, locate: Locate) -> list[TableUse]:
    detail = f"drop column {_label(call, 1, 'name')}".strip()
    return _model_use(call, app, locate, "alter", detail)


def _rename_field(call: ast.Call, app: str, locate: Locate) -> list[TableUse]:
    old, new = _label(call, 1, "old_name"), _label(call, 2, "new_name")
    return _model_use(call, app, locate, "alter", f"rename column {old} to {new}")


def _delete_model(call: ast.Call, app: str, locate: Locate) -> list[TableUse]:
    return _model_use(call, app, locate, "drop", "", kw="name")


def _rename_model(call: ast.Call, app: str, locate: Locate) -> list[TableUse]:
    new = _str(_arg(call, 1, "new_name"))
    detail = _default_table(app, new) if new else ""
    return _model_use(call, app, locate, "rename", detail, kw="old_name")


def _alter_model_table(call: ast.Call, app: str, locate: Locate) -> list[TableUse]:
    """AlterModelTable(name, table): the model's table becomes `table` (its previous name, if it
    was not the default, is not known here)."""
    return _model_use(call, app, locate, "rename", _label(call, 1, "table"), kw="name")


def _add_index(call: ast.Call, app: str, locate: Locate) -> list[TableUse]:
    index = _arg(call, 1, "index")
    label = _label(index, -1, "name") if isinstance(index, ast.Call) else ""
    return _model_use(call, app, locate, "alter", f"create index {label}".strip())


def _remove_index(call: ast.Call, app: str, locate: Locate) -> list[TableUse]:
    return _model_use(call, app, locate, "alter", f"drop index {_label(call, 1, 'name')}".strip())


def _add_constraint_django(call: ast.Call, app: str, locate: Locate) -> list[TableUse]:
    constraint = _arg(call, 1, "constraint")
    label = _label(constraint, -1, "name") if isinstance(constraint, ast.Call) else ""
    return _model_use(call, app, locate, "alter", f"add constraint {label}".strip())


def _remove_constraint(call: ast.Call, app: str, locate: Locate) -> list[TableUse]:
    detail = f"drop constraint {_label(call, 1, 'name')}".strip()
    return _model_use(call, app, locate, "alter", detail)


def _alter_together(call: ast.Call, app: str, locate: Locate) -> list[TableUse]:
    """AlterUniqueTogether / AlterIndexTogether(name, …): constraints or indexes change."""
    what = "unique together" if _callee(call)[1] == "AlterUniqueTogether" else "index together"
    return _model_use(call, app, locate, "alter", f"alter {what}", kw="name")


_DJANGO_OPS: dict[str, Callable[[ast.Call, str, Locate], list[TableUse]]] = {
    "CreateModel": _create_model,
    "DeleteModel": _delete_model,
    "RenameModel": _rename_model,
    "AlterModelTable": _alter_model_table,
    "AddField": _add_field,
    "AlterField": _alter_field,
    "RemoveField": _remove_field,
    "RenameField": _rename_field,
    "AddIndex": _add_index,
    "RemoveIndex": _remove_index,
    "AddConstraint": _add_constraint_django,
    "RemoveConstraint": _remove_constraint,
    "AlterUniqueTogether": _alter_together,
    "AlterIndexTogether": _alter_together,
}


# ---------------------------------------------------------------------------------------------
# Migration facts: what one migration file changes, as SchemaChanges in source order

# The SQL a string expression stands for, as changes located in the file (python.py reads it
# once, for the tables as well); None when the expression is not literal SQL.
SqlChanges = Callable[[ast.expr], "list[SchemaChange] | None"]

_DML = frozenset({"update", "insert", "delete"})
_DML_TEXT = re.compile(
    r'\s*(?:update\s+(?:only\s+)?|insert\s+into\s+|delete\s+from\s+(?:only\s+)?)("?[\w.]+"?)?',
    re.IGNORECASE,
)
_NOT_NULL_CHECK = re.compile(
    r'\A\s*\(?\s*"?([A-Za-z_][\w$]*)"?\s+IS\s+NOT\s+NULL\s*\)?\s*\Z', re.IGNORECASE
)
# Positional arguments of a SQLAlchemy Column that are not its type.
_COLUMN_EXTRAS = frozenset(
    {
        "ForeignKey",
        "Sequence",
        "Identity",
        "Computed",
        "CheckConstraint",
        "FetchedValue",
        "DefaultClause",
        "UniqueConstraint",
    }
)
# Alembic operations whose table is their second argument (the first names the index or
# constraint); in `batch_op.*` the table argument is left out.
_TABLE_SECOND = frozenset(
    {
        "create_index",
        "drop_index",
        "create_foreign_key",
        "create_unique_constraint",
        "create_check_constraint",
        "create_primary_key",
        "create_exclude_constraint",
    }
)
# Django fields that are not a column of their model's table.
_NOT_COLUMNS = frozenset({"ManyToManyField", "GenericRelation", "GenericForeignKey"})
_DJANGO_LENGTHS = {
    "SlugField": 50,
    "EmailField": 254,
    "URLField": 200,
    "FileField": 100,
    "ImageField": 100,
    "FilePathField": 100,
}

Position = tuple[int, int]


def _no_sql(_node: ast.expr) -> list[SchemaChange] | None:
    return None


def _int(node: ast.expr | None) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _strings(node: ast.expr | None) -> list[str]:
    """The string items of a literal list / tuple / set (a lone string counts as one)."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [s for s in (_str(e) for e in node.elts) if s is not None]
    text = _str(node)
    return [text] if text is not None else []


def _only(items: list[str]) -> str:
    """The one column of a single-column index or constraint ("" for several)."""
    return items[0].lstrip("-").lower() if len(items) == 1 else ""


def _name(node: ast.expr | None) -> str:
    """An index / constraint name, through Alembic's `op.f("…")` naming wrapper."""
    if isinstance(node, ast.Call) and _callee(node)[1] == "f" and node.args:
        node = node.args[0]
    return (_str(node) or "").lower()


def _is_noop(node: ast.expr | None) -> bool:
    """`migrations.RunSQL.noop` / `migrations.RunPython.noop`."""
    return isinstance(node, ast.Attribute) and node.attr == "noop"


def _sql_text(node: ast.expr) -> str | None:
    """The SQL an expression for a server-side default stands for: `sa.text("now()")` → now(),
    `sa.func.gen_random_uuid()` → gen_random_uuid(), `"0"` → 0; other expressions as written."""
    if isinstance(node, ast.Constant):
        if node.value is None:
            return None
        return node.value if isinstance(node.value, str) else str(node.value)
    if isinstance(node, ast.Call):
        owner, name = _callee(node)
        if name in {"text", "literal_column", "literal"} and node.args:
            return _sql_text(node.args[0])
        if owner == "func":
            return f"{name}()"
        if name in {"Func", "RawSQL"}:
            function = _str(_arg(node, -1, "function"))
            if function:
                return f"{function}()"
            return _sql_text(node.args[0]) if node.args else ast.unparse(node)
        if name in DJANGO_DB_FUNCTIONS:
            return DJANGO_DB_FUNCTIONS[name]
        if name == "Value" and node.args:
            return _sql_text(node.args[0])
    return ast.unparse(node)


def _default(node: ast.expr | None) -> str:
    """default_kind of a server-side default expression ("" when there is none)."""
    if node is None:
        return ""
    return default_kind(_sql_text(node))


# -- SQLAlchemy columns and types ----------------------------------------------------------------


def sa_type(node: ast.expr | None) -> str:
    """The SQL type a SQLAlchemy type expression stands for, spelled as the SQL reader spells
    it: `sa.String(100)` → varchar(100), `sa.Numeric(10, 2)` → numeric(10,2),
    `sa.DateTime(timezone=True)` → timestamptz, `postgresql.UUID()` → uuid; "" when unknown."""
    call: ast.Call | None = None
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
            return sa_type(func.value)  # sa.BigInteger().with_variant(...)
        call, name = node, _callee(node)[1]
    elif isinstance(node, ast.Attribute):
        name = node.attr
    elif isinstance(node, ast.Name):
        name = node.id
    else:
        return ""
    base = SQLALCHEMY_TYPES.get(name)
    if base is None:
        # Dialect types named as SQL spells them: postgresql.DOUBLE_PRECISION, TSVECTOR, CITEXT
        return normalise_type(name.lower().replace("_", " ")) if name.isupper() else ""
    if call is None:
        return base
    if base in {"varchar", "char"}:
        length = _int(_arg(call, 0, "length"))
        return f"{base}({length})" if length is not None else base
    if base == "numeric":
        precision, scale = _int(_arg(call, 0, "precision")), _int(_arg(call, 1, "scale"))
        if precision is not None:
            return f"numeric({precision},{scale})" if scale is not None else f"numeric({precision})"
        return base
    if base in {"timestamp", "time"} and _true(_arg(call, -1, "timezone")):
        return f"{base}tz"
    if base == "array":
        inner = sa_type(_arg(call, 0, "item_type"))
        return f"{inner}[]" if inner else base
    if base == "enum":
        return (_str(_arg(call, -1, "name")) or base).lower()
    return base


@dataclass(frozen=True, slots=True)
class _SaColumn:
    name: str
    type: str
    not_null: bool
    default: str
    primary_key: bool
    foreign_keys: tuple[ast.Call, ...]


def _sa_column(call: ast.Call) -> _SaColumn:
    """`sa.Column("name", sa.String(20), sa.ForeignKey(…), nullable=False, server_default=…)`."""
    extras: list[ast.Call] = []
    plain: list[ast.expr] = []  # the name and the type, when given
    for item in call.args:
        if isinstance(item, ast.Starred):
            break
        if isinstance(item, ast.Call) and _callee(item)[1] in _COLUMN_EXTRAS:
            extras.append(item)
        else:
            plain.append(item)
    name_node = _arg(call, -1, "name")
    if plain and (isinstance(plain[0], (ast.Constant, ast.JoinedStr, ast.BinOp)) or len(plain) > 1):
        name_node = plain.pop(0)  # Column("name", type) / Column(f"{x}_id", type)
    name = _str(name_node) or ""
    type_node = _arg(call, -1, "type_") or (plain[0] if plain else None)
    primary_key = _true(_arg(call, -1, "primary_key"))
    nullable = _arg(call, -1, "nullable")
    not_null = _false(nullable) or (primary_key and not _true(nullable))
    default = _default(_arg(call, -1, "server_default"))
    if not default and any(_callee(e)[1] in {"Identity", "Sequence"} for e in extras):
        default = "volatile"  # every row gets the next value of a sequence
    return _SaColumn(
        name.lower(),
        sa_type(type_node),
        not_null,
        default,
        primary_key,
        tuple(e for e in extras if _callee(e)[1] == "ForeignKey"),
    )


# -- Django fields -------------------------------------------------------------------------------


def django_type(field: ast.expr | None) -> str:
    """The SQL type of a Django model field on PostgreSQL: `CharField(max_length=100)` →
    varchar(100), `DecimalField(max_digits=10, decimal_places=2)` → numeric(10,2); "" when
    unknown."""
    if not isinstance(field, ast.Call):
        return ""
    kind = _callee(field)[1]
    if kind == "ArrayField":
        inner = django_type(_arg(field, 0, "base_field"))
        return f"{inner}[]" if inner else ""
    base = DJANGO_TYPES.get(kind)
    if base is None:
        return ""
    if base == "varchar":
        length = _int(_arg(field, -1, "max_length")) or _DJANGO_LENGTHS.get(kind)
        return f"varchar({length})" if length else base
    if base == "numeric":
        digits, places = (
            _int(_arg(field, -1, "max_digits")),
            _int(_arg(field, -1, "decimal_places")),
        )
        if digits is not None and places is not None:
            return f"numeric({digits},{places})"
    return base


def _django_not_null(field: ast.Call) -> bool:
    """NOT NULL unless `null=True`, for Django's own fields. A field class of a project or a
    library (oscar's `NullCharField`) may set `null` itself: NOT NULL only when written."""
    null = _arg(field, -1, "null")
    if _callee(field)[1] not in DJANGO_TYPES and _callee(field)[1] != "ArrayField":
        return _false(null)
    return not _true(null)


def _django_db_default(field: ast.Call) -> str:
    return _default(_arg(field, -1, "db_default"))


# Fields whose NOT NULL blank=True column Django fills with "" when it is added.
_EMPTY_STRING_FIELDS = frozenset(
    {
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "URLField",
        "FilePathField",
        "FileField",
        "ImageField",
        "BinaryField",
    }
)


def _fills_rows(field: ast.Call, kind: str) -> bool:
    """AddField gives the existing rows one value, computed once in Python and set as a
    temporary DEFAULT (schema_editor.effective_default): `default=` (a callable too), "" for a
    NOT NULL `blank=True` text field, now() for `auto_now` / `auto_now_add`."""
    value = _arg(field, -1, "default")
    if value is not None and not (
        isinstance(value, ast.Attribute) and value.attr == "NOT_PROVIDED"
    ):
        return True
    if _true(_arg(field, -1, "auto_now")) or _true(_arg(field, -1, "auto_now_add")):
        return True
    return (
        kind in _EMPTY_STRING_FIELDS and _true(_arg(field, -1, "blank")) and _django_not_null(field)
    )


def _not_null_q(node: ast.expr | None) -> str:
    """`Q(col__isnull=False)`: the column a Django check constraint keeps non-null ("" else)."""
    if (
        isinstance(node, ast.Call)
        and _callee(node)[1] == "Q"
        and not node.args
        and len(node.keywords) == 1
    ):
        kw = node.keywords[0]
        if kw.arg and kw.arg.endswith("__isnull") and _false(kw.value):
            return kw.arg[: -len("__isnull")].lower()
    return ""


# -- ORM models: the columns they map --------------------------------------------------------------


def django_model_columns(node: ast.ClassDef) -> tuple[str, ...]:
    """Columns of a Django model class: each field's db_column or name (`<name>_id` for a
    foreign key); many-to-many and generic relations map no column here."""
    out: list[str] = []
    for stmt in node.body:
        if not (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Call)
        ):
            continue
        kind = _callee(stmt.value)[1]
        if kind in _NOT_COLUMNS or not (
            kind.endswith("Field") or kind in {"ForeignKey", "OneToOneField"}
        ):
            continue
        column = _column(stmt.value, stmt.targets[0].id.lower())
        if column and column not in out:
            out.append(column)
    return tuple(out)


def sqlalchemy_model_columns(node: ast.ClassDef) -> tuple[str, ...]:
    """Columns of a SQLAlchemy declarative class: `x = Column(…)`, `x: Mapped[…] =
    mapped_column(…)` and a bare `x: Mapped[…]`; an explicit name argument wins."""
    out: list[str] = []
    for stmt in node.body:
        attr, value, annotation = "", None, None
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            attr, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            attr, value, annotation = stmt.target.id, stmt.value, stmt.annotation
        if not attr or attr.startswith("__"):
            continue
        column = ""
        if isinstance(value, ast.Call):
            kind = _callee(value)[1]
            if kind in {"Column", "mapped_column"}:
                column = (_str(value.args[0]) if value.args else None) or attr
                column = _str(_arg(value, -1, "name")) or column
        elif value is None and isinstance(annotation, ast.Subscript):
            head = annotation.value
            if (isinstance(head, ast.Attribute) and head.attr == "Mapped") or (
                isinstance(head, ast.Name) and head.id == "Mapped"
            ):
                column = attr
        if column and column.lower() not in out:
            out.append(column.lower())
    return tuple(out)


def sqlalchemy_table_columns(call: ast.Call) -> tuple[str, ...]:
    """Columns of `Table("t", metadata, Column("c", …), …)`."""
    out: list[str] = []
    for item in call.args[2:]:
        if isinstance(item, ast.Call) and _callee(item)[1] == "Column":
            name = _str(item.args[0]) if item.args else _str(_arg(item, -1, "name"))
            if name and name.lower() not in out:
                out.append(name.lower())
    return tuple(out)


# -- the reader ------------------------------------------------------------------------------------


class _OpArgs:
    """The arguments of an Alembic operation, written `op.add_column("t", col)` or, inside
    `with op.batch_alter_table("t") as batch_op:`, `batch_op.add_column(col)`: there the table
    argument is left out and the arguments after it move up by one."""

    __slots__ = ("batch_table", "call", "table_pos")

    def __init__(self, call: ast.Call, table_pos: int, batch_table: str | None):
        self.call = call
        self.table_pos = table_pos
        self.batch_table = batch_table

    def get(self, pos: int, kw: str) -> ast.expr | None:
        if self.batch_table is not None and pos > self.table_pos:
            pos -= 1
        return _arg(self.call, pos, kw)

    def kw(self, name: str) -> ast.expr | None:
        return _arg(self.call, -1, name)

    def table(self, kw: str, schema_kw: str = "schema") -> str:
        """The table, schema-qualified when a literal `schema=` is given ("" when computed)."""
        if self.batch_table is not None:
            return self.batch_table
        name = _str(_arg(self.call, self.table_pos, kw))
        if not name:
            return ""
        schema = _str(_arg(self.call, -1, schema_kw))
        return (f"{schema}.{name}" if schema else name).lower()


class MigrationReader:
    """The Migration fact of one Alembic revision or Django migration, built during the Python
    reader's walk: Alembic `op.*` calls come one at a time in source order (`call`, with the
    `with` blocks around them from `with_` and the revision from `assign`); a Django
    `class Migration` is read at once from its `operations` list (`django_class`). Only literal
    arguments are read; anything else is skipped, never guessed."""

    def __init__(
        self,
        style: str,
        path: str,
        app_label: str,
        locate: Locate,
        sql_changes: SqlChanges = _no_sql,
    ):
        self.style = style
        self.path = path
        self.app_label = app_label
        self.app = app_label.lower()
        self.locate = locate
        self.sql_changes = sql_changes
        self.id = ""
        self.parents: tuple[str, ...] = ()
        self.atomic = True
        self.location: Location | None = None
        self.changes: list[SchemaChange] = []
        self.found = False
        self._tx = True  # in_transaction of the changes being added
        # Alembic: `with` bodies (first position, last position)
        self._autocommit: list[tuple[Position, Position]] = []
        self._batches: list[tuple[str, str, Position, Position]] = []
        self._table_vars: dict[str, str] = {}  # `orders = sa.table("orders", …)`
        # Django: what this file says of its models
        self._db_tables: dict[str, str] = {}  # model (lower) → db_table given in options
        self._new: set[str] = set()  # models created here
        self._unmanaged: set[str] = set()  # managed=False / proxy models: no table
        self._columns: dict[tuple[str, str], str] = {}  # (model, field) → column

    def finish(self) -> Migration | None:
        if not self.found and not self.changes:
            return None
        return Migration(
            self.style, self.id, self.parents, self.atomic, self.location, tuple(self.changes)
        )

    def _change(self, kind: str, table: str, location: Location, **fields: Any) -> SchemaChange:
        return SchemaChange(kind, table, location, in_transaction=self._tx, **fields)

    def _sql(self, node: ast.expr | None) -> bool:
        """The changes of literal SQL in `node` (False when it is not literal SQL)."""
        if node is None:
            return False
        changes = self.sql_changes(node)
        if changes is None:
            return False
        self.changes.extend(replace(c, in_transaction=self._tx) for c in changes)
        return True

    # -- Alembic ---------------------------------------------------------------------------------
    def assign(self, node: ast.Assign | ast.AnnAssign, module_level: bool) -> None:
        """`revision = "…"`, `down_revision = …`, and names bound to `sa.table("t", …)`."""
        if self.style != "alembic" or node.value is None:
            return
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            if module_level and target.id == "revision":
                self.id = _str(value) or ""
                self.location = self.locate(node)
                self.found = True
            elif module_level and target.id == "down_revision":
                self.parents = tuple(_strings(value))
            elif isinstance(value, ast.Call) and _callee(value)[1] in {"table", "Table"}:
                table = _str(_arg(value, 0, "name"))
                if table:
                    self._table_vars[target.id] = table.lower()

    def with_(self, node: ast.With | ast.AsyncWith) -> None:
        """`with op.get_context().autocommit_block():` and `with op.batch_alter_table("t") as
        batch_op:` — remembered by the positions of their bodies."""
        if self.style != "alembic" or not node.body:
            return
        first = node.body[0]
        start = (first.lineno, first.col_offset)
        end = (node.end_lineno or first.lineno, node.end_col_offset or 0)
        for item in node.items:
            expr = item.context_expr
            if not isinstance(expr, ast.Call):
                continue
            owner, name = _callee(expr)
            if name == "autocommit_block":
                self._autocommit.append((start, end))
            elif (
                name == "batch_alter_table"
                and owner == "op"
                and isinstance(item.optional_vars, ast.Name)
            ):
                table = _OpArgs(expr, 0, None).table("table_name")
                self._batches.append((item.optional_vars.id, table, start, end))

    def call(self, node: ast.Call, function: str) -> None:
        """One call of an Alembic revision (`downgrade` is not what the revision does)."""
        if self.style != "alembic" or function.split(".", 1)[0].startswith("downgrade"):
            return
        func = node.func
        if not isinstance(func, ast.Attribute):
            return
        at = (node.lineno, node.col_offset)
        self._tx = not any(start <= at <= end for start, end in self._autocommit)
        owner, name = _callee(node)
        with contextlib.suppress(Exception):
            if name in {"execute", "exec_driver_sql"}:
                self._execute(node, owner)
                return
            handler = _ALEMBIC_CHANGES.get(name)
            if handler is None:
                return
            table_pos = 1 if name in _TABLE_SECOND else 0
            if owner == "op":
                args = _OpArgs(node, table_pos, None)
            else:
                batch = self._batch_table(owner, at)
                if batch is None:
                    return
                args = _OpArgs(node, table_pos, batch)
            self.changes.extend(handler(self, args, self.locate(node)))

    def _batch_table(self, var: str, at: Position) -> str | None:
        for name, table, start, end in reversed(self._batches):
            if name == var and start <= at <= end:
                return table
        return None

    def _execute(self, node: ast.Call, owner: str) -> None:
        """`op.execute("SQL")` / `conn.execute(sa.text("SQL"))`: the SQL's changes;
        `op.execute(orders.update()…)` and other data code: a backfill."""
        arg = _arg(node, 0, "sqltext" if owner == "op" else "statement")
        if arg is None or self._sql(arg):
            return
        table = self._dml_table(arg)
        if table is not None:
            self.changes.append(self._change("backfill", table, self.locate(node)))

    def _dml_table(self, node: ast.expr) -> str | None:
        """The table of an UPDATE / INSERT / DELETE written as SQLAlchemy Core or an f-string
        ("" when not known); None when the expression is none of these."""
        if isinstance(node, ast.Call) and _callee(node)[1] == "text" and node.args:
            node = node.args[0]
        if isinstance(node, ast.JoinedStr):
            head = (_str(node.values[0]) if node.values else None) or ""
            match = _DML_TEXT.match(head)
            if match is None:
                return None
            name = match.group(1) or ""
            # f"UPDATE orders SET …" names its table; f"UPDATE {table} …" does not
            return name.strip('"').lower() if name and match.end() < len(head) else ""
        for sub in ast.walk(node):
            if not isinstance(sub, ast.Call):
                continue
            owner, name = _callee(sub)
            if name not in _DML:
                continue
            func = sub.func
            if isinstance(func, ast.Name) or owner in {"sa", "sqlalchemy", "sql", "expression"}:
                target = sub.args[0] if sub.args else None
            else:
                target = func.value if isinstance(func, ast.Attribute) else None
            return self._table_of(target)
        return None

    def _table_of(self, node: ast.expr | None) -> str:
        if isinstance(node, ast.Call) and _callee(node)[1] in {"table", "Table"}:
            return (_str(_arg(node, 0, "name")) or "").lower()
        if isinstance(node, ast.Name):
            return self._table_vars.get(node.id, "")
        return ""

    def _create_table(self, a: _OpArgs, loc: Location) -> list[SchemaChange]:
        if a.batch_table is not None:
            return []
        table = a.table("table_name")
        if not table:
            return []  # a new table's name computed at run time: nothing to judge it by
        primary_key = False
        columns: list[SchemaChange] = []
        for item in a.call.args[1:]:
            if not isinstance(item, ast.Call):
                continue
            kind = _callee(item)[1]
            if kind == "PrimaryKeyConstraint":
                primary_key = True
            elif kind == "Column":
                col = _sa_column(item)
                primary_key = primary_key or col.primary_key
                columns.append(
                    self._change(
                        "define_column",
                        table,
                        self.locate(item),
                        column=col.name,
                        type=col.type,
                        not_null=col.not_null,
                        default=col.default,
                        primary_key=col.primary_key,
                    )
                )
        return [self._change("create_table", table, loc, primary_key=primary_key), *columns]

    def _add_column(self, a: _OpArgs, loc: Location) -> list[SchemaChange]:
        table = a.table("table_name")
        column = a.get(1, "column")
        if not (isinstance(column, ast.Call) and _callee(column)[1] == "Column"):
            return [self._change("add_column", table, loc)]
        col = _sa_column(column)
        out = [
            self._change(
                "add_column",
                table,
                loc,
                column=col.name,
                type=col.type,
                not_null=col.not_null,
                default=col.default,
                primary_key=col.primary_key,
            )
        ]
        for fk in col.foreign_keys:
            out.append(
                self._change(
                    "add_constraint",
                    table,
                    loc,
                    column=col.name,
                    name=_name(_arg(fk, -1, "name")),
                    constraint="foreign_key",
                )
            )
        return out

    def _drop_column(self, a: _OpArgs, loc: Location) -> list[SchemaChange]:
        column = (_str(a.get(1, "column_name")) or "").lower()
        return [self._change("drop_column", a.table("table_name"), loc, column=column)]

    def _alter_column(self, a: _OpArgs, loc: Location) -> list[SchemaChange]:
        table = a.table("table_name")
        column = (_str(a.get(1, "column_name")) or "").lower()
        out: list[SchemaChange] = []
        type_ = a.kw("type_")
        if type_ is not None:
            out.append(
                self._change(
                    "alter_type",
                    table,
                    loc,
                    column=column,
                    type=sa_type(type_),
                    old_type=sa_type(a.kw("existing_type")),
                )
            )
        nullable = a.kw("nullable")
        if _false(nullable):
            out.append(self._change("set_not_null", table, loc, column=column))
        elif _true(nullable):
            out.append(self._change("drop_not_null", table, loc, column=column))
        new_name = _str(a.kw("new_column_name"))
        if new_name:
            out.append(
                self._change("rename_column", table, loc, column=column, name=new_name.lower())
            )
        return out

    def _rename_table(self, a: _OpArgs, loc: Location) -> list[SchemaChange]:
        new = (_str(a.get(1, "new_table_name")) or "").lower()
        return [self._change("rename_table", a.table("old_table_name"), loc, name=new)]

    def _drop_table(self, a: _OpArgs, loc: Location) -> list[SchemaChange]:
        return [self._change("drop_table", a.table("table_name"), loc)]

    def _create_index(self, a: _OpArgs, loc: Location) -> list[SchemaChange]:
        return [
            self._change(
                "create_index",
                a.table("table_name"),
                loc,
                name=_name(a.get(0, "index_name")),
                column=_only(_strings(a.get(2, "columns"))),
                unique=_true(a.kw("unique")),
                concurrently=_true(a.kw("postgresql_concurrently")),
            )
        ]

    def _drop_index(self, a: _OpArgs, loc: Location) -> list[SchemaChange]:
        return [
            self._change(
                "drop_index",
                a.table("table_name"),
                loc,
                name=_name(a.get(0, "index_name")),
                concurrently=_true(a.kw("postgresql_concurrently")),
            )
        ]

    def _create_foreign_key(self, a: _OpArgs, loc: Location) -> list[SchemaChange]:
        return [
            self._change(
                "add_constraint",
                a.table("source_table", "source_schema"),
                loc,
                name=_name(a.get(0, "constraint_name")),
                column=_only(_strings(a.get(3, "local_cols"))),
                constraint="foreign_key",
                not_valid=_true(a.kw("postgresql_not_valid")),
            )
        ]

    def _create_check(self, a: _OpArgs, loc: Location) -> list[SchemaChange]:
        condition = a.get(2, "condition")
        text = _sql_text(condition) if condition is not None else None
        match = _NOT_NULL_CHECK.match(text or "")
        return [
            self._change(
                "add_constraint",
                a.table("table_name"),
                loc,
                name=_name(a.get(0, "constraint_name")),
                column=match.group(1).lower() if match else "",
                constraint="check_not_null" if match else "check",
                not_valid=_true(a.kw("postgresql_not_valid")),
            )
        ]

    def _create_constraint(self, a: _OpArgs, loc: Location) -> list[SchemaChange]:
        """create_unique_constraint / create_primary_key / create_exclude_constraint."""
        kind = _callee(a.call)[1]
        constraint = {
            "create_unique_constraint": "unique",
            "create_primary_key": "primary_key",
        }.get(kind, "exclusion")
        columns = [] if constraint == "exclusion" else _strings(a.get(2, "columns"))
        return [
            self._change(
                "add_constraint",
                a.table("table_name"),
                loc,
                name=_name(a.get(0, "constraint_name")),
                column=_only(columns),
                constraint=constraint,
            )
        ]

    def _bulk_insert(self, a: _OpArgs, loc: Location) -> list[SchemaChange]:
        return [self._change("insert", self._table_of(a.get(0, "table")), loc)]

    # -- Django ----------------------------------------------------------------------------------
    def django_class(self, node: ast.ClassDef) -> None:
        """`class Migration(migrations.Migration)`: dependencies, atomic, operations."""
        if self.style != "django":
            return
        self.found = True
        where = self.locate(node)
        self.location = Location(where.path, where.line, where.column)
        stem = PurePosixPath(self.path).stem
        self.id = f"{self.app_label}.{stem}" if self.app_label else stem
        operations: ast.expr | None = None
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target, value = stmt.targets[0], stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                target, value = stmt.target, stmt.value
            else:
                continue
            if not isinstance(target, ast.Name):
                continue
            if target.id == "atomic":
                self.atomic = not _false(value)
            elif target.id == "dependencies":
                self.parents = _dependencies(value)
            elif target.id == "operations":
                operations = value
        self._tx = self.atomic
        # `operations = [...] if getattr(settings, "X", True) else []`: the first branch, the
        # one the project's default settings take (allauth); `[...] + [...]` concatenations.
        parts = [operations]
        while parts:
            part = parts.pop(0)
            if isinstance(part, ast.IfExp):
                parts.insert(0, part.body)
            elif isinstance(part, ast.BinOp) and isinstance(part.op, ast.Add):
                parts[:0] = [part.left, part.right]
            elif isinstance(part, (ast.List, ast.Tuple)):
                self._operations(part.elts)

    def _operations(self, operations: list[ast.expr]) -> None:
        for op in operations:
            if not isinstance(op, ast.Call):
                continue
            name = _callee(op)[1]
            if name == "SeparateDatabaseAndState":
                inner = _arg(op, 0, "database_operations")
                if isinstance(inner, (ast.List, ast.Tuple)):
                    self._operations(inner.elts)
                continue
            handler = _DJANGO_CHANGES.get(name)
            if handler is None:
                continue
            self._tx = self.atomic
            with contextlib.suppress(Exception):
                self.changes.extend(handler(self, op, self.locate(op)))
        self._tx = self.atomic

    def _model(self, node: ast.expr | None) -> str | None:
        """The model (lower-cased) an operation names; None when computed or not a table."""
        model = _str(node)
        if not model:
            return None
        model = model.lower()
        return None if model in self._unmanaged else model

    def _model_table(self, model: str) -> str:
        return self._db_tables.get(model) or _default_table(self.app, model)

    def _join_table(
        self, field: ast.Call, table: str, name: str, loc: Location
    ) -> list[SchemaChange]:
        """A many-to-many field without `through=` creates its join table."""
        if _arg(field, -1, "through") is not None:
            return []
        join = (_str(_arg(field, -1, "db_table")) or f"{table}_{name}").lower()
        return [self._change("create_table", join, loc, primary_key=True)]

    def _create_model(self, op: ast.Call, loc: Location) -> list[SchemaChange]:
        model = self._model(_arg(op, 0, "name"))
        if model is None:
            return []
        options = _arg(op, 2, "options")
        db_table = None
        if isinstance(options, ast.Dict):
            for key, value in zip(options.keys, options.values, strict=True):
                option = _str(key) if key is not None else None
                if option in {"managed", "proxy"} and (
                    _false(value) if option == "managed" else _true(value)
                ):
                    self._unmanaged.add(model)
                    return []
                if option == "db_table":
                    db_table = _str(value)
        if db_table:
            self._db_tables[model] = db_table.lower()
        self._new.add(model)
        table = self._model_table(model)
        # With a db_table, `name` is the default table (`<app>_<model>`) that operations in
        # other files, which do not see the options, name this table by.
        alias = _default_table(self.app, model) if db_table else ""
        out = [self._change("create_table", table, loc, primary_key=True, name=alias)]
        joins: list[SchemaChange] = []
        for field_name, field in _fields(_arg(op, 1, "fields")):
            name = field_name.lower()
            if _callee(field)[1] == "ManyToManyField":
                self._columns[(model, name)] = ""
                joins.extend(self._join_table(field, table, name, loc))
                continue
            column = _column(field, name)
            self._columns[(model, name)] = column
            out.append(
                self._change(
                    "define_column",
                    table,
                    self.locate(field),
                    column=column,
                    type=django_type(field),
                    not_null=_django_not_null(field),
                    default=_django_db_default(field),
                    primary_key=_true(_arg(field, -1, "primary_key")),
                )
            )
        return out + joins

    def _add_field(self, op: ast.Call, loc: Location) -> list[SchemaChange]:
        model = self._model(_arg(op, 0, "model_name"))
        if model is None:
            return []
        table = self._model_table(model)
        name = (_str(_arg(op, 1, "name")) or "").lower()
        field = _arg(op, 2, "field")
        if not isinstance(field, ast.Call):
            return [self._change("add_column", table, loc, column=name)]
        kind = _callee(field)[1]
        if kind == "ManyToManyField":
            self._columns[(model, name)] = ""
            return self._join_table(field, table, name, loc)
        column = _column(field, name)
        self._columns[(model, name)] = column
        default = _django_db_default(field)
        if not default and _fills_rows(field, kind):
            default = "constant"  # Django fills the existing rows with one value, then drops it
        out = [
            self._change(
                "add_column",
                table,
                loc,
                column=column,
                type=django_type(field),
                not_null=_django_not_null(field),
                default=default,
                primary_key=_true(_arg(field, -1, "primary_key")),
            )
        ]
        if kind in {"ForeignKey", "OneToOneField"} and not _false(_arg(field, -1, "db_constraint")):
            out.append(
                self._change("add_constraint", table, loc, column=column, constraint="foreign_key")
            )
        return out

    def _known_column(self, model: str, name: str) -> str:
        return self._columns.get((model, name), name)

    def _remove_field(self, op: ast.Call, loc: Location) -> list[SchemaChange]:
        model = self._model(_arg(op, 0, "model_name"))
        if model is None:
            return []
        name = (_str(_arg(op, 1, "name")) or "").lower()
        column = self._known_column(model, name)
        if not column and name:
            return []  # a many-to-many field: its join table goes
        return [self._change("drop_column", self._model_table(model), loc, column=column)]

    def _rename_field(self, op: ast.Call, loc: Location) -> list[SchemaChange]:
        model = self._model(_arg(op, 0, "model_name"))
        if model is None:
            return []
        old = (_str(_arg(op, 1, "old_name")) or "").lower()
        new = (_str(_arg(op, 2, "new_name")) or "").lower()
        column = self._known_column(model, old)
        if column == f"{old}_id" and old:
            new_column = f"{new}_id"
        elif column == old:
            new_column = new
        else:
            return []  # db_column or many-to-many: the table keeps its column
        self._columns[(model, new)] = new_column
        table = self._model_table(model)
        return [self._change("rename_column", table, loc, column=column, name=new_column)]

    def _alter_field(self, op: ast.Call, loc: Location) -> list[SchemaChange]:
        model = self._model(_arg(op, 0, "model_name"))
        if model is None:
            return []
        name = (_str(_arg(op, 1, "name")) or "").lower()
        field = _arg(op, 2, "field")
        table = self._model_table(model)
        if not isinstance(field, ast.Call) or _callee(field)[1] == "ManyToManyField":
            return []
        column = _column(field, name)
        self._columns[(model, name)] = column
        return [
            self._change(
                "alter_field",
                table,
                loc,
                column=column,
                type=django_type(field),
                not_null=_django_not_null(field),
                default=_django_db_default(field),
            )
        ]

    def _delete_model(self, op: ast.Call, loc: Location) -> list[SchemaChange]:
        model = self._model(_arg(op, 0, "name"))
        if model is None:
            return []
        return [self._change("drop_table", self._model_table(model), loc)]

    def _rename_model(self, op: ast.Call, loc: Location) -> list[SchemaChange]:
        old = self._model(_arg(op, 0, "old_name"))
        new = (_str(_arg(op, 1, "new_name")) or "").lower()
        if old is None or not new:
            return []
        if old in self._db_tables:  # an explicit db_table stays as it is
            self._db_tables[new] = self._db_tables.pop(old)
            return []
        return [
            self._change(
                "rename_table",
                _default_table(self.app, old),
                loc,
                name=_default_table(self.app, new),
            )
        ]

    def _alter_model_table(self, op: ast.Call, loc: Location) -> list[SchemaChange]:
        model = self._model(_arg(op, 0, "name"))
        if model is None:
            return []
        new_node = _arg(op, 1, "table")
        new = _str(new_node)
        if new is None and not (isinstance(new_node, ast.Constant) and new_node.value is None):
            return []
        current = self._model_table(model)
        target = new.lower() if new else _default_table(self.app, model)
        if new:
            self._db_tables[model] = target
        else:
            self._db_tables.pop(model, None)
        if target == current:
            return []
        return [self._change("rename_table", current, loc, name=target)]

    def _add_index(self, op: ast.Call, loc: Location) -> list[SchemaChange]:
        model = self._model(_arg(op, 0, "model_name"))
        if model is None:
            return []
        index = _arg(op, 1, "index")
        name, column = "", ""
        if isinstance(index, ast.Call):
            name = (_str(_arg(index, -1, "name")) or "").lower()
            fields = _strings(_arg(index, -1, "fields"))
            column = self._known_column(model, _only(fields)) if _only(fields) else ""
        return [
            self._change(
                "create_index",
                self._model_table(model),
                loc,
                name=name,
                column=column,
                concurrently=_callee(op)[1] == "AddIndexConcurrently",
            )
        ]

    def _remove_index(self, op: ast.Call, loc: Location) -> list[SchemaChange]:
        model = self._model(_arg(op, 0, "model_name"))
        if model is None:
            return []
        return [
            self._change(
                "drop_index",
                self._model_table(model),
                loc,
                name=(_str(_arg(op, 1, "name")) or "").lower(),
                concurrently=_callee(op)[1] == "RemoveIndexConcurrently",
            )
        ]

    def _add_constraint(self, op: ast.Call, loc: Location) -> list[SchemaChange]:
        model = self._model(_arg(op, 0, "model_name"))
        constraint = _arg(op, 1, "constraint")
        if model is None or not isinstance(constraint, ast.Call):
            return []
        kind = _callee(constraint)[1]
        column = ""
        if kind == "CheckConstraint":
            condition = _arg(constraint, -1, "condition") or _arg(constraint, -1, "check")
            field = _not_null_q(condition)
            column = self._known_column(model, field) if field else ""
            what = "check_not_null" if column else "check"
        elif kind == "UniqueConstraint":
            if _kw_present(constraint, "condition", "include", "opclasses") or constraint.args:
                # A partial, covering or expression unique constraint is a CREATE UNIQUE INDEX
                # in PostgreSQL (not ALTER TABLE … ADD CONSTRAINT).
                return [
                    self._change(
                        "create_index",
                        self._model_table(model),
                        loc,
                        name=(_str(_arg(constraint, -1, "name")) or "").lower(),
                        unique=True,
                    )
                ]
            what = "unique"
            single = _only(_strings(_arg(constraint, -1, "fields")))
            column = self._known_column(model, single) if single else ""
        elif kind == "ExclusionConstraint":
            what = "exclusion"
        else:
            return []
        return [
            self._change(
                "add_constraint",
                self._model_table(model),
                loc,
                column=column,
                name=(_str(_arg(constraint, -1, "name")) or "").lower(),
                constraint=what,
                not_valid=_callee(op)[1] == "AddConstraintNotValid",
            )
        ]

    def _validate_constraint(self, op: ast.Call, loc: Location) -> list[SchemaChange]:
        model = self._model(_arg(op, 0, "model_name"))
        if model is None:
            return []
        name = (_str(_arg(op, 1, "name")) or "").lower()
        return [self._change("validate_constraint", self._model_table(model), loc, name=name)]

    def _alter_together(self, op: ast.Call, loc: Location) -> list[SchemaChange]:
        """AlterUniqueTogether / AlterIndexTogether on a table that exists already (a new
        table is empty: its constraints cost nothing); an empty set only removes."""
        model = self._model(_arg(op, 0, "name"))
        unique = _callee(op)[1] == "AlterUniqueTogether"
        value = _arg(op, 1, "unique_together" if unique else "index_together")
        if model is None or model in self._new:
            return []
        if isinstance(value, (ast.Set, ast.List, ast.Tuple)) and not value.elts:
            return []
        if isinstance(value, ast.Constant) and not value.value:
            return []
        table = self._model_table(model)
        if unique:
            return [self._change("add_constraint", table, loc, constraint="unique")]
        return [self._change("create_index", table, loc)]

    def _run_sql(self, op: ast.Call, _loc: Location) -> list[SchemaChange]:
        sql = _arg(op, 0, "sql")
        if sql is None or _is_noop(sql):
            return []
        items = sql.elts if isinstance(sql, (ast.List, ast.Tuple)) else [sql]
        for item in items:
            if isinstance(item, (ast.Tuple, ast.List)) and item.elts:
                item = item.elts[0]  # ("SQL %s", [params])
            self._sql(item)
        return []

    def _run_python(self, op: ast.Call, loc: Location) -> list[SchemaChange]:
        code = _arg(op, 0, "code")
        if code is None or _is_noop(code):
            return []
        in_transaction = self.atomic or _true(_arg(op, -1, "atomic"))
        return [SchemaChange("backfill", "", loc, in_transaction=in_transaction)]


def _dependencies(node: ast.expr) -> tuple[str, ...]:
    """Django `dependencies = [("app", "0002_x"), …]` → ("app.0002_x", …); the swappable user
    model's dependency is skipped; `__first__` / `__latest__` are kept as written."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return ()
    out: list[str] = []
    for item in node.elts:
        if isinstance(item, (ast.Tuple, ast.List)) and len(item.elts) == 2:
            app, name = (_str(e) for e in item.elts)
            if app and name:
                out.append(f"{app}.{name}")
    return tuple(out)


_AlembicHandler = Callable[[MigrationReader, _OpArgs, Location], list[SchemaChange]]
_ALEMBIC_CHANGES: dict[str, _AlembicHandler] = {
    "create_table": MigrationReader._create_table,
    "add_column": MigrationReader._add_column,
    "drop_column": MigrationReader._drop_column,
    "alter_column": MigrationReader._alter_column,
    "rename_table": MigrationReader._rename_table,
    "drop_table": MigrationReader._drop_table,
    "create_index": MigrationReader._create_index,
    "drop_index": MigrationReader._drop_index,
    "create_foreign_key": MigrationReader._create_foreign_key,
    "create_check_constraint": MigrationReader._create_check,
    "create_unique_constraint": MigrationReader._create_constraint,
    "create_primary_key": MigrationReader._create_constraint,
    "create_exclude_constraint": MigrationReader._create_constraint,
    "bulk_insert": MigrationReader._bulk_insert,
}

_DjangoHandler = Callable[[MigrationReader, ast.Call, Location], list[SchemaChange]]
_DJANGO_CHANGES: dict[str, _DjangoHandler] = {
    "CreateModel": MigrationReader._create_model,
    "AddField": MigrationReader._add_field,
    "RemoveField": MigrationReader._remove_field,
    "RenameField": MigrationReader._rename_field,
    "AlterField": MigrationReader._alter_field,
    "DeleteModel": MigrationReader._delete_model,
    "RenameModel": MigrationReader._rename_model,
    "AlterModelTable": MigrationReader._alter_model_table,
    "AddIndex": MigrationReader._add_index,
    "AddIndexConcurrently": MigrationReader._add_index,
    "RemoveIndex": MigrationReader._remove_index,
    "RemoveIndexConcurrently": MigrationReader._remove_index,
    "AddConstraint": MigrationReader._add_constraint,
    "AddConstraintNotValid": MigrationReader._add_constraint,
    "ValidateConstraint": MigrationReader._validate_constraint,
    "AlterUniqueTogether": MigrationReader._alter_together,
    "AlterIndexTogether": MigrationReader._alter_together,
    "RunSQL": MigrationReader._run_sql,
    "RunPython": MigrationReader._run_python,
}


def _kw_present(call: ast.Call, *names: str) -> bool:
    return any(kw.arg in names for kw in call.keywords)
