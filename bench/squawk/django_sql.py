"""Write the SQL of Django migrations for PostgreSQL, one file per migration, with no database.

Run by bench/squawk_compare.py inside a throw-away venv that has Django and psycopg2:

    python django_sql.py OUT_DIR --apps APP[,APP...] [--path DIR ...] [--label LABEL ...]
                         [--setting NAME=JSON ...]

`--apps` is INSTALLED_APPS, `--label` the app labels whose migrations to write (default: all of
them), `--path` folders put on sys.path first (a project's root, so its apps import).

`manage.py sqlmigrate` needs a live connection: its loader reads django_migrations, the schema
editor opens a transaction for an atomic migration, and AlterField / RemoveField look existing
constraint names up in the catalog. This does what sqlmigrate does (MigrationExecutor.collect_sql)
without those three: no recorder, a non-atomic schema editor with `BEGIN;` / `COMMIT;` written
around an atomic migration's SQL as sqlmigrate prints them, and constraint names made up the way
Django names them instead of looked up. The server version is taken as PostgreSQL 16.
So a `DROP CONSTRAINT` may carry a name the real database does not have; everything else is
what sqlmigrate prints. RunPython has no SQL (`-- THIS OPERATION CANNOT BE WRITTEN AS SQL`).

Writes OUT_DIR/manifest.json: [{"sql": relative SQL path, "source": migration file, "app": label,
"name": migration name, "atomic": bool, "error": message or ""}].
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path
from typing import Any


def _configure(apps: list[str], extra: dict[str, Any]) -> None:
    import django
    from django.conf import settings

    settings.configure(
        **extra,
        INSTALLED_APPS=apps,
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "offline",
                "HOST": "offline.invalid",  # never connected to: a connection attempt fails fast
            }
        },
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        USE_TZ=True,
        SITE_ID=1,
        SECRET_KEY="offline-sql-only",  # settings for generating SQL; no server, no sessions
    )
    django.setup()


def _offline_connection() -> Any:
    from django.db import connection
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor

    # pg_version is a cached property that would connect to ask the server.
    connection.__dict__["pg_version"] = 160000

    def made_up_constraint_names(
        self: BaseDatabaseSchemaEditor,
        model: Any,
        column_names: list[str] | None = None,
        unique: bool | None = None,
        primary_key: bool | None = None,
        index: bool | None = None,
        foreign_key: bool | None = None,
        check: bool | None = None,
        type_: Any = None,
        exclude: Any = None,
    ) -> list[str]:
        # Django names constraints <table>_<columns>_<hash>_<suffix>; one per requested kind.
        table = model._meta.db_table
        columns = list(column_names or [])
        if primary_key:
            return [f"{table}_pkey"]
        suffix = {
            "foreign_key": "fk",
            "unique": "uniq",
            "check": "check",
            "index": getattr(type_, "suffix", "idx") if type_ is not None else "idx",
        }
        for flag, value in (
            ("foreign_key", foreign_key),
            ("unique", unique),
            ("check", check),
            ("index", index),
        ):
            if value:
                name = self._create_index_name(table, columns, suffix=f"_{suffix[flag]}")
                return [] if exclude and name in exclude else [name]
        return []

    BaseDatabaseSchemaEditor._constraint_names = made_up_constraint_names  # type: ignore[method-assign]

    # The PostgreSQL schema editor merges parameters with cursor.mogrify (a connection); quote
    # them with the driver's connection-free quoting instead, as sqlmigrate's output shows them.
    from django.db.backends.postgresql.psycopg_any import sql as pg_sql

    def compose_sql(sql: str, params: Any) -> str:
        if not params:
            return sql
        if isinstance(params, dict):
            return sql % {k: pg_sql.quote(v) for k, v in params.items()}
        return sql % tuple(pg_sql.quote(v) for v in params)

    connection.ops.compose_sql = compose_sql
    return connection


def _sql_of(loader: Any, connection: Any, key: tuple[str, str]) -> tuple[list[str], bool]:
    migration = loader.graph.nodes[key]
    state = loader.project_state(key, at_end=False)
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        migration.apply(state, editor, collect_sql=True)
        lines = list(editor.collected_sql)
    atomic = bool(migration.atomic)
    if atomic:
        lines = ["BEGIN;", *lines, "COMMIT;"]
    return lines, atomic


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--apps", required=True, help="INSTALLED_APPS, comma-separated")
    parser.add_argument("--path", action="append", default=[], help="put on sys.path first")
    parser.add_argument("--label", action="append", default=[], help="app labels to write")
    parser.add_argument(
        "--setting", action="append", default=[], help="NAME=JSON, another Django setting"
    )
    args = parser.parse_args()
    for p in reversed(args.path):
        sys.path.insert(0, p)
    extra = {}
    for item in args.setting:
        name, _, value = item.partition("=")
        extra[name] = json.loads(value)
    _configure([a for a in args.apps.split(",") if a], extra)

    import importlib

    from django.apps import apps as registry
    from django.db.migrations.loader import MigrationLoader

    connection = _offline_connection()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    labels = args.label or sorted(registry.app_configs)
    manifest: list[dict[str, Any]] = []
    for label in labels:
        keys = [k for k in loader.graph.leaf_nodes() if k[0] == label]
        plan = [k for leaf in keys for k in loader.graph.forwards_plan(leaf) if k[0] == label]
        for key in dict.fromkeys(plan):  # graph order, each once
            migration = loader.graph.nodes[key]
            source = importlib.import_module(migration.__module__).__file__ or ""
            rel = Path(label) / f"{key[1]}.sql"
            entry: dict[str, Any] = {
                "sql": rel.as_posix(),
                "source": source,
                "app": label,
                "name": key[1],
                "atomic": bool(migration.atomic),
                "error": "",
            }
            try:
                lines, _ = _sql_of(loader, connection, key)
            except Exception as exc:  # one odd migration must not stop the set
                entry["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                traceback.print_exc(limit=12, file=sys.stderr)
                lines = [f"-- could not write SQL offline: {entry['error']}"]
            (args.out / rel).parent.mkdir(parents=True, exist_ok=True)
            (args.out / rel).write_text("\n".join(lines) + "\n", encoding="utf-8")
            manifest.append(entry)
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
