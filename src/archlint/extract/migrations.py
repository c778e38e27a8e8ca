"""Schema changes written in Python migrations: Alembic `op.*` calls and Django migration
operations, as TableUse facts (the SQL they embed goes through the SQL reader).

The Python reader calls `tables_from_migration_call` on every call in a migration file, nested
ones included, so each operation is answered by its outermost call (`op.create_table`,
`migrations.CreateModel`) and the calls inside it (`sa.Column`, `models.ForeignKey`) answer [].
Only literal arguments are read: a table name held in a variable is not guessed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath

from archlint.facts import TableUse
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
