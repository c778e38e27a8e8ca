"""Migration-safety rules (ARC601–ARC609): PostgreSQL schema changes that lock or break a
running system, read the same way from Flyway / plain SQL files, Alembic revisions and Django
migrations (`SchemaChange` facts), in migration order.

The replay: each service's migrations are put in order (Flyway versions, Alembic
`down_revision` chains, Django dependencies), then walked change by change while a model of
the schema (tables, columns with type and nullability, validated NOT NULL checks) is kept, so
every change is judged in its context — is the table new in this migration, was the column
nullable before, was `SET lock_timeout` issued earlier in this migration.
"""

from __future__ import annotations

import fnmatch
import re
import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import ClassVar

from archlint.assemble import Service, System
from archlint.facts import SchemaChange
from archlint.location import Location
from archlint.model import Finding, Level
from archlint.rule import Option, ProjectRule
from archlint.rules.system_view import is_production_path, services, table_key

# --------------------------------------------------------------------------------------------
# Migrations of a service, in order


@dataclass
class _Migration:
    style: str  # flyway | liquibase | sql | alembic | django
    id: str
    path: str
    parents: tuple[str, ...]
    changes: tuple[SchemaChange, ...]
    location: Location


def _sql_migration(path: str, style: str, version: str, changes: list[SchemaChange]) -> _Migration:
    return _Migration(style or "sql", version or path, path, (), tuple(changes), Location(path, 1))


def _migrations(system: System, svc: Service, paths: list[str]) -> list[_Migration]:
    found: list[_Migration] = []
    for path in sorted(svc.files):
        f = system.files.get(path)
        if f is None or (not is_production_path(path) and not _named(path, paths)):
            continue
        if f.sql is not None and f.sql.migration == "flyway" and _UNDO.match(path):
            continue  # a Flyway undo migration runs only on `flyway undo`, not forward
        if f.sql is not None and (f.sql.migration or _named(path, paths)):
            changes = [c for st in f.sql.statements for c in st.changes]
            found.append(_sql_migration(path, f.sql.migration, f.sql.version, changes))
        elif f.python is not None and f.python.migration is not None:
            m = f.python.migration
            found.append(
                _Migration(
                    m.style,
                    m.id,
                    path,
                    m.parents,
                    m.changes,
                    m.location or Location(path, 1),
                )
            )
    return _in_order(found)


_UNDO = re.compile(r"(?:.*/)?U\d[^/]*\Z", re.IGNORECASE)


def _named(path: str, patterns: list[str]) -> bool:
    folder = path.rpartition("/")[0]
    return any(fnmatch.fnmatch(folder, p.rstrip("/")) or fnmatch.fnmatch(path, p) for p in patterns)


def _natural(text: str) -> list[tuple[int, str]]:
    return [(int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"(\d+)", text) if p]


def _in_order(migrations: list[_Migration]) -> list[_Migration]:
    """Flyway by version (V10 after V9), plain SQL by natural path order, Alembic and Django in
    dependency order (parents first; ties and cycles by path)."""
    groups: dict[str, list[_Migration]] = defaultdict(list)
    for m in migrations:
        if m.style in {"alembic", "django"}:
            groups[m.style].append(m)
        else:
            groups["sql:" + m.path.rpartition("/")[0]].append(m)
    out: list[_Migration] = []
    for key in sorted(groups):
        group = groups[key]
        if key.startswith("sql:"):
            out.extend(
                sorted(
                    group,
                    key=lambda m: (
                        m.style != "flyway" or m.id == m.path,  # versioned before repeatable
                        [int(x) for x in m.id.split(".") if x.isdigit()]
                        if m.style == "flyway"
                        else [],
                        _natural(m.path),
                    ),
                )
            )
        else:
            out.extend(_topological(group))
    return out


def _topological(group: list[_Migration]) -> list[_Migration]:
    by_id = {m.id: m for m in group}
    pending = {m.id: {p for p in m.parents if p in by_id and p != m.id} for m in group}
    children: dict[str, list[str]] = defaultdict(list)
    for mid, parents in pending.items():
        for p in parents:
            children[p].append(mid)
    ready = sorted((by_id[m].path, m) for m, ps in pending.items() if not ps)
    out: list[_Migration] = []
    done: set[str] = set()
    while ready or len(done) < len(by_id):
        if not ready:  # a cycle: take the first remaining by path
            rest = sorted((by_id[m].path, m) for m in by_id if m not in done)
            ready = [rest[0]]
        _path, mid = ready.pop(0)
        if mid in done:
            continue
        done.add(mid)
        out.append(by_id[mid])
        for child in children.get(mid, ()):
            pending[child].discard(mid)
            if not pending[child] and child not in done:
                ready.append((by_id[child].path, child))
        ready.sort()
    return out


# --------------------------------------------------------------------------------------------
# The replay


@dataclass
class _Column:
    type: str = ""
    not_null: bool = False


@dataclass
class Step:
    """One change in its context."""

    change: SchemaChange
    migration: _Migration
    table: str  # without a `public.` schema
    new_table: bool  # created earlier in the same migration
    new_column: bool  # added earlier in the same migration
    before: _Column | None  # the column before this change, when a migration we read made it
    checked_not_null: bool  # a validated CHECK (col IS NOT NULL) holds
    lock_timeout: bool  # SET lock_timeout earlier in the same migration
    new_index: bool = False  # drop_index of an index created in the same migration
    added_at: Location | None = None  # where this migration added the column, if it did


@dataclass
class _Schema:
    tables: dict[str, dict[str, _Column]] = field(default_factory=dict)
    checks: dict[tuple[str, str], bool] = field(default_factory=dict)  # → validated
    check_names: dict[str, tuple[str, str]] = field(default_factory=dict)


def _copy(col: _Column | None) -> _Column | None:
    return _Column(col.type, col.not_null) if col is not None else None


def replay(migrations: list[_Migration], exempt_new: bool = True) -> Iterator[Step]:
    schema = _Schema()
    # Django: a model created with db_table is named by its default table (app_model) in later
    # migration files, which cannot see the db_table; create_table.name carries that alias.
    aliases: dict[str, str] = {}
    for mig in migrations:
        new_tables: set[str] = set()
        new_columns: dict[tuple[str, str], Location] = {}
        new_indexes: set[str] = set()
        lock = False
        for ch in mig.changes:
            t = table_key(ch.table)
            t = aliases.get(t, t)
            if ch.kind == "create_table" and ch.name and table_key(ch.name) != t:
                aliases[table_key(ch.name)] = t
            cols = schema.tables.get(t, {})
            yield Step(
                ch,
                mig,
                t,
                exempt_new and t in new_tables,
                exempt_new and (t, ch.column) in new_columns,
                _copy(cols.get(ch.column)) if ch.column else None,
                schema.checks.get((t, ch.column), False),
                lock,
                ch.name in new_indexes,
                new_columns.get((t, ch.column)) if ch.column else None,
            )
            k = ch.kind
            if k == "create_table":
                new_tables.add(t)
                schema.tables[t] = {}
            elif k in {"define_column", "add_column"}:
                schema.tables.setdefault(t, {})[ch.column] = _Column(ch.type, ch.not_null)
                if k == "add_column":
                    new_columns[(t, ch.column)] = ch.location
            elif k == "drop_column":
                cols.pop(ch.column, None)
            elif k == "drop_table":
                schema.tables.pop(t, None)
            elif k == "rename_table" and ch.name:
                new = table_key(ch.name)
                schema.tables[new] = schema.tables.pop(t, {})
                if t in new_tables:
                    new_tables.add(new)
            elif k == "rename_column" and ch.name:
                if ch.column in cols:
                    cols[ch.name] = cols.pop(ch.column)
                if (t, ch.column) in new_columns:
                    new_columns[(t, ch.name)] = new_columns[(t, ch.column)]
            elif k in {"alter_type", "set_not_null", "drop_not_null", "alter_field"}:
                col = schema.tables.setdefault(t, {}).setdefault(ch.column, _Column())
                if k in {"alter_type", "alter_field"} and ch.type:
                    col.type = ch.type
                if k == "set_not_null":
                    col.not_null = True
                elif k == "drop_not_null":
                    col.not_null = False
                elif k == "alter_field":
                    col.not_null = ch.not_null
            elif k == "add_constraint" and ch.constraint == "check_not_null" and ch.column:
                schema.checks[(t, ch.column)] = not ch.not_valid
                if ch.name:
                    schema.check_names[ch.name] = (t, ch.column)
            elif k == "validate_constraint" and ch.name in schema.check_names:
                schema.checks[schema.check_names[ch.name]] = True
            elif k == "create_index" and ch.name:
                new_indexes.add(ch.name)
            elif k == "set_lock_timeout":
                lock = True


# --------------------------------------------------------------------------------------------
# Rules

_SHARED_OPTIONS = (
    Option(
        "dialect",
        "postgres",
        "The database the migrations run on. The rules about PostgreSQL locking (ARC601, ARC602's "
        "volatile defaults, ARC603, ARC605, ARC607) stay silent for other dialects. Set it for "
        "every migration rule at once with `[tool.archlint.rules.ARC6]`.",
    ),
    Option(
        "large-tables",
        [],
        "Tables (glob patterns) that are large in production: findings on them are errors.",
    ),
    Option(
        "paths",
        [],
        "Folders (glob patterns, relative to the project root) whose .sql files are migrations, "
        "when their names do not say so (Flyway `V1__x.sql`, or a `migrations/`, `db/`, `sql/` "
        "or `schema/` folder).",
    ),
    Option(
        "exempt-new-tables",
        True,
        "Changes to a table created earlier in the same migration (the same SQL file, Alembic "
        "revision or Django migration) are not reported: the table is empty and unused.",
    ),
)


def _with_unowned(system: System, owned: list[Service]) -> list[Service]:
    """The services, plus the files no service holds (a repository of migrations only, a
    library shipping its migrations) as one more, unnamed, set of migrations."""
    held = {p for svc in system.services.values() for p in svc.files}
    rest = sorted(p for p in system.files if p not in held)
    if not rest:
        return owned
    return [*owned, Service(name="", roots=[""], source="code", files=rest)]


_Replayed = list[tuple[Service, list[_Migration], list[Step]]]
# The nine rules judge the same replay: it is made once per run (per `paths` /
# `exempt-new-tables` setting) and kept while that System is the one being checked.
_memo: tuple[weakref.ref[System], dict[tuple[tuple[str, ...], bool], _Replayed]] | None = None


def _replayed(system: System, paths: tuple[str, ...], exempt_new: bool) -> _Replayed:
    global _memo
    if _memo is None or _memo[0]() is not system:
        _memo = (weakref.ref(system), {})
    runs = _memo[1]
    key = (paths, exempt_new)
    if key not in runs:
        runs[key] = [
            (svc, migrations, list(replay(migrations, exempt_new)))
            for svc in _with_unowned(system, services(system))
            if (migrations := _migrations(system, svc, list(paths)))
        ]
    return runs[key]


class _MigrationRule(ProjectRule):
    default_level = Level.WARNING
    tags: ClassVar[tuple[str, ...]] = ("migrations", "postgresql")
    postgres_only: ClassVar[bool] = True
    options_spec: ClassVar[tuple[Option, ...]] = _SHARED_OPTIONS

    def check_project(self, system: System) -> Iterable[Finding]:
        if self.postgres_only and str(self.options["dialect"]).lower() not in {
            "postgres",
            "postgresql",
        }:
            return
        replayed = _replayed(
            system, tuple(self.options["paths"]), bool(self.options["exempt-new-tables"])
        )
        for svc, migrations, steps in replayed:
            yield from self.check_service(system, svc, migrations, steps)

    def check_service(
        self, system: System, svc: Service, migrations: list[_Migration], steps: list[Step]
    ) -> Iterable[Finding]:
        for step in steps:
            yield from self.check_step(step)

    def check_step(self, step: Step) -> Iterable[Finding]:
        return ()

    def level_for(self, table: str, level: Level | None = None) -> Level:
        if table and any(fnmatch.fnmatch(table, p) for p in self.options["large-tables"]):
            return Level.ERROR
        return level or self.level

    def report(
        self,
        step: Step,
        message: str,
        *,
        level: Level | None = None,
        key: str = "",
        related: Iterable[tuple[Location, str]] = (),
    ) -> Finding:
        ch = step.change
        return self.finding(
            message,
            ch.location,
            level=self.level_for(step.table, level),
            related=related,
            fingerprint=f"{step.migration.id}|{ch.kind}|{step.table}.{ch.column}{ch.name}|{key}",
        )


def _tname(step: Step) -> str:
    return step.table or "a table named at run time"


def _where(step: Step) -> str:
    t = step.table or "the table"
    return f"{t}.{step.change.column}" if step.change.column else t


class NonConcurrentIndex(_MigrationRule):
    """An index built or dropped without CONCURRENTLY, or CONCURRENTLY inside a transaction."""

    code = "ARC601"
    name = "non-concurrent-index"

    def check_step(self, step: Step) -> Iterable[Finding]:
        ch = step.change
        if ch.kind not in {"create_index", "drop_index"}:
            return
        verb = "CREATE INDEX" if ch.kind == "create_index" else "DROP INDEX"
        if ch.concurrently and ch.in_transaction:
            yield self.report(
                step,
                f"{verb} CONCURRENTLY runs inside a transaction and fails there (“cannot run "
                "inside a transaction block”). Run it outside one: Alembic "
                "`with op.get_context().autocommit_block():`, Django `atomic = False`, or no "
                "BEGIN around it in SQL",
                level=Level.ERROR,
            )
            return
        if ch.concurrently:
            return
        if ch.kind == "create_index" and not step.new_table:
            name = f" {ch.name}" if ch.name else ""
            yield self.report(
                step,
                f"CREATE {'UNIQUE ' if ch.unique else ''}INDEX{name} on {_tname(step)} without "
                "CONCURRENTLY blocks every write to "
                "the table until the index is built. Use CREATE INDEX CONCURRENTLY (Alembic "
                "`postgresql_concurrently=True` in an autocommit block, Django "
                "`AddIndexConcurrently`)",
            )
        elif ch.kind == "drop_index" and not step.new_index and not step.new_table:
            yield self.report(
                step,
                f"DROP INDEX{' ' + ch.name if ch.name else ''} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock "
                "on the table: reads and writes wait. Use DROP INDEX CONCURRENTLY",
            )


class NotNullColumnWithoutDefault(_MigrationRule):
    """A NOT NULL column added without a default, or a column added with a volatile default."""

    code = "ARC602"
    name = "not-null-column-without-default"
    default_level = Level.ERROR
    postgres_only = False

    def check_step(self, step: Step) -> Iterable[Finding]:
        ch = step.change
        if ch.kind != "add_column" or step.new_table:
            return
        if (ch.not_null or ch.primary_key) and not ch.default:
            yield self.report(
                step,
                f"NOT NULL column {_where(step)} is added without a default: the migration "
                "fails on a table that has rows. Add it nullable, backfill, then set NOT NULL — "
                "or give it a constant default",
            )
        elif ch.default == "volatile" and str(self.options["dialect"]).startswith("postgres"):
            yield self.report(
                step,
                f"column {_where(step)} is added with a volatile default: PostgreSQL rewrites "
                "the whole table under an ACCESS EXCLUSIVE lock to fill it. Add the column "
                "without a default, set the default, then backfill in batches",
                level=Level.WARNING,
            )


class SetNotNull(_MigrationRule):
    """SET NOT NULL on an existing column, which scans the table under an exclusive lock."""

    code = "ARC603"
    name = "set-not-null"

    def check_step(self, step: Step) -> Iterable[Finding]:
        ch = step.change
        if step.new_table or step.new_column or step.checked_not_null:
            return
        if ch.kind == "set_not_null" or (
            ch.kind == "alter_field"
            and ch.not_null
            and step.before is not None
            and not step.before.not_null
        ):
            yield self.report(
                step,
                f"setting {_where(step)} NOT NULL scans the whole table under an ACCESS "
                "EXCLUSIVE lock. First add CHECK ({col} IS NOT NULL) NOT VALID, VALIDATE it in a "
                "later migration, then SET NOT NULL (PostgreSQL 12+ skips the scan)".replace(
                    "{col}", ch.column or "col"
                ),
            )


_SAFE_WIDENING = (
    (re.compile(r"varchar(\(\d+\))?"), re.compile(r"text|varchar")),
    (re.compile(r"text"), re.compile(r"varchar")),
    (re.compile(r"cidr"), re.compile(r"inet")),
    (re.compile(r"numeric\(\d+(,\d+)?\)"), re.compile(r"numeric")),
    (re.compile(r"varbit\(\d+\)|bit varying\(\d+\)"), re.compile(r"varbit|bit varying")),
)


def _length(t: str) -> list[int]:
    return [int(x) for x in re.findall(r"\d+", t.partition("(")[2])]


def safe_type_change(old: str, new: str) -> bool:
    """A change PostgreSQL makes without rewriting the table or its indexes."""
    if old == new:
        return True
    for before, after in _SAFE_WIDENING:
        if before.fullmatch(old) and after.fullmatch(new):
            return True
    base_old, _, _ = old.partition("(")
    base_new, paren, _ = new.partition("(")
    if base_old == base_new and paren and base_new in {"varchar", "varbit", "bit varying"}:
        return _length(new) >= _length(old)
    if base_old == base_new == "numeric" and paren:
        lo, ln = _length(old), _length(new)
        return len(lo) == len(ln) and ln[0] >= lo[0] and ln[1:] == lo[1:]
    return False


class ColumnTypeChange(_MigrationRule):
    """A column's type changed: a table rewrite (and index rebuilds) under an exclusive lock."""

    code = "ARC604"
    name = "column-type-change"
    default_level = Level.ERROR
    postgres_only = False

    def check_step(self, step: Step) -> Iterable[Finding]:
        ch = step.change
        if ch.kind not in {"alter_type", "alter_field"} or step.new_table or step.new_column:
            return
        old = ch.old_type or (step.before.type if step.before is not None else "")
        new = ch.type
        if not new:
            return
        if ch.kind == "alter_field" and not old:
            return  # Django AlterField of a column we never saw defined: no way to tell
        if old and safe_type_change(old, new):
            return
        if not old and new in {"text", "varchar"}:
            return  # most likely a widening; nothing says otherwise
        was = f" from {old}" if old else ""
        yield self.report(
            step,
            f"changing the type of {_where(step)}{was} to {new} rewrites the table and its "
            "indexes under an ACCESS EXCLUSIVE lock. Add a new column, backfill it, and switch "
            "reads over (widening varchar to text or a longer varchar is safe)",
        )


class ConstraintWithoutNotValid(_MigrationRule):
    """A constraint added to an existing table that is validated under a lock."""

    code = "ARC605"
    name = "constraint-without-not-valid"

    def check_step(self, step: Step) -> Iterable[Finding]:
        ch = step.change
        if ch.kind != "add_constraint" or step.new_table:
            return
        if step.added_at == ch.location and ch.constraint in {"foreign_key", "check"}:
            return  # declared with the column it constrains (ADD COLUMN … REFERENCES): all NULL
        if ch.constraint in {"foreign_key", "check", "check_not_null"} and not ch.not_valid:
            what = "FOREIGN KEY" if ch.constraint == "foreign_key" else "CHECK"
            locks = (
                "blocks writes to both tables"
                if ch.constraint == "foreign_key"
                else "blocks reads and writes (ACCESS EXCLUSIVE)"
            )
            yield self.report(
                step,
                f"{what} constraint {ch.name + ' ' if ch.name else ''}on {_tname(step)} is "
                f"validated while it is added, which scans the table and {locks}. Add it NOT "
                "VALID, then VALIDATE CONSTRAINT in a separate migration",
            )
        elif ch.constraint in {"unique", "primary_key"} and not ch.using_index:
            what = "UNIQUE" if ch.constraint == "unique" else "PRIMARY KEY"
            yield self.report(
                step,
                f"{what} constraint {ch.name + ' ' if ch.name else ''}on {_tname(step)} builds "
                "its index under an ACCESS EXCLUSIVE lock: reads and writes wait. Build a unique "
                "index "
                f"CONCURRENTLY first, then ADD CONSTRAINT … {what} USING INDEX",
            )


_BREAKING = {
    "drop_column": "dropping column {where}",
    "drop_table": "dropping table {table}",
    "rename_column": "renaming column {where} to {new}",
    "rename_table": "renaming table {table} to {new}",
}


class BreakingSchemaChange(_MigrationRule):
    """A drop or rename that breaks the code still running during and after a deploy."""

    code = "ARC606"
    name = "breaking-schema-change"
    postgres_only = False

    def check_service(
        self, system: System, svc: Service, migrations: list[_Migration], steps: list[Step]
    ) -> Iterable[Finding]:
        used = _code_references(system, svc, {m.path for m in migrations})
        final = _final_schema(steps)
        for step in steps:
            ch = step.change
            if ch.kind not in _BREAKING or step.new_table:
                continue
            text = _BREAKING[ch.kind].format(
                where=_where(step), table=step.table, new=table_key(ch.name)
            )
            refs = self._still_used(step, used, final)
            if refs:
                yield self.report(
                    step,
                    f"{text} breaks code that still uses it: {refs[0][1]}. Deploy the code "
                    "change first, then drop or rename in a later release (expand, migrate, "
                    "contract)",
                    level=Level.ERROR,
                    related=[(loc, f"still uses {ch.column or step.table}") for loc, _ in refs[:5]],
                )
            else:
                yield self.report(
                    step,
                    f"{text} breaks the version of the code still running during the deploy. "
                    "Stop using it in a release before this migration runs (expand, migrate, "
                    "contract)",
                )

    def _still_used(
        self, step: Step, used: _References, final: dict[str, set[str]]
    ) -> list[tuple[Location, str]]:
        ch = step.change
        t = step.table
        if ch.kind in {"drop_table", "rename_table"}:
            if t in final:
                return []  # created again later: the code uses the new one
            return used.tables.get(t, [])
        col = ch.column
        if col in final.get(t, set()):
            return []
        return used.columns.get((t, col), [])


@dataclass
class _References:
    tables: dict[str, list[tuple[Location, str]]] = field(default_factory=dict)
    columns: dict[tuple[str, str], list[tuple[Location, str]]] = field(default_factory=dict)


def _code_references(system: System, svc: Service, migration_paths: set[str]) -> _References:
    """Where the service's own code (ORM models, raw SQL) names tables and columns."""
    refs = _References()
    for path in sorted(svc.files):
        f = system.files.get(path)
        if f is None or f.python is None or path in migration_paths:
            continue
        if not is_production_path(path) or f.python.migration is not None:
            continue
        for use in f.python.tables:
            if use.via not in {"orm", "sql"}:
                continue
            t = table_key(use.table)
            what = f"the model {use.model}" if use.model else "SQL in the code"
            here = (use.location, f"{what} at {use.location.path}:{use.location.line}")
            refs.tables.setdefault(t, []).append(here)
            for col in use.columns:
                refs.columns.setdefault((t, col), []).append(here)
    return refs


def _final_schema(steps: list[Step]) -> dict[str, set[str]]:
    tables: dict[str, set[str]] = {}
    for step in steps:
        ch, t = step.change, step.table
        if ch.kind == "create_table":
            tables[t] = set()
        elif ch.kind in {"define_column", "add_column"}:
            tables.setdefault(t, set()).add(ch.column)
        elif ch.kind == "drop_column":
            tables.get(t, set()).discard(ch.column)
        elif ch.kind == "drop_table":
            tables.pop(t, None)
        elif ch.kind == "rename_table":
            tables[table_key(ch.name)] = tables.pop(t, set())
        elif ch.kind == "rename_column":
            cols = tables.get(t, set())
            cols.discard(ch.column)
            cols.add(ch.name)
    return tables


_STRONG_LOCKS = {
    "add_column",
    "drop_column",
    "rename_column",
    "rename_table",
    "alter_type",
    "set_not_null",
    "drop_not_null",
    "add_constraint",
    "drop_table",
}


class MissingLockTimeout(_MigrationRule):
    """A migration that takes strong locks without SET lock_timeout."""

    code = "ARC607"
    name = "missing-lock-timeout"
    options_spec = (
        *_SHARED_OPTIONS,
        Option(
            "set-globally",
            False,
            "The deployment sets lock_timeout for every migration (in the connection, "
            "env.py or the database role): turn the rule off.",
        ),
    )

    def check_service(
        self, system: System, svc: Service, migrations: list[_Migration], steps: list[Step]
    ) -> Iterable[Finding]:
        if self.options["set-globally"]:
            return
        reported: set[str] = set()
        for step in steps:
            mig = step.migration
            if mig.path in reported or step.lock_timeout or not _takes_strong_lock(step):
                continue
            reported.add(mig.path)
            yield self.report(
                step,
                f"this migration locks {_tname(step)} ({_kind_label(step.change)}) without SET "
                "lock_timeout: while it waits behind a long query, every query on the table "
                "queues behind it. Start the migration with SET lock_timeout = '5s' (and retry "
                "on timeout)",
            )


def _takes_strong_lock(step: Step) -> bool:
    ch = step.change
    if step.new_table or not step.table:
        return ch.kind == "drop_index" and not ch.concurrently and not step.new_index
    if ch.kind in _STRONG_LOCKS:
        return True
    if ch.kind == "create_index":
        return not ch.concurrently
    if ch.kind == "drop_index":
        return not ch.concurrently and not step.new_index
    if ch.kind == "alter_field" and step.before is not None:
        return step.before.type != ch.type or step.before.not_null != ch.not_null
    return False


def _kind_label(ch: SchemaChange) -> str:
    return ch.kind.replace("_", " ")


class TableWithoutPrimaryKey(_MigrationRule):
    """A table created without a primary key."""

    code = "ARC608"
    name = "table-without-primary-key"
    postgres_only = False

    def check_step(self, step: Step) -> Iterable[Finding]:
        ch = step.change
        if ch.kind == "create_table" and not ch.primary_key:
            yield self.report(
                step,
                f"table {step.table} has no primary key: rows cannot be addressed one by one, "
                "logical replication cannot UPDATE or DELETE them, and duplicates creep in. Add "
                "a primary key (an identity column or a natural key)",
            )


_DATA = {"update", "delete", "backfill"}
_NOT_SCHEMA = {"update", "delete", "insert", "backfill", "set_lock_timeout"}


class BackfillInMigration(_MigrationRule):
    """A data change without WHERE, or a backfill in the same transaction as schema changes."""

    code = "ARC609"
    name = "backfill-in-migration"
    postgres_only = False

    def check_service(
        self, system: System, svc: Service, migrations: list[_Migration], steps: list[Step]
    ) -> Iterable[Finding]:
        by_migration: dict[str, list[Step]] = defaultdict(list)
        for step in steps:
            by_migration[step.migration.path].append(step)
        for mig_steps in by_migration.values():
            # Creating a table (and its columns, indexes) locks nothing anyone else uses: a
            # migration that creates a table and fills it holds no lock worth reporting.
            schema_changes = [
                s
                for s in mig_steps
                if s.change.kind not in _NOT_SCHEMA
                and s.change.kind not in {"create_table", "define_column"}
                and not s.new_table
            ]
            mixed_reported = False
            for step in mig_steps:
                ch = step.change
                if ch.kind not in _DATA:
                    continue
                if ch.kind in {"update", "delete"} and not ch.where and not step.new_table:
                    verb = ch.kind.upper()
                    yield self.report(
                        step,
                        f"{verb} of every row of {_tname(step)} in one statement holds row locks "
                        "on the whole table until the migration commits. Backfill in batches "
                        "(by primary key ranges) outside the schema migration",
                        key="unbounded",
                    )
                    continue
                if mixed_reported or not _transactional(step) or not schema_changes:
                    continue
                if step.new_table:
                    continue  # filling a table created in this migration
                mixed_reported = True
                first = schema_changes[0]
                yield self.finding(
                    "data backfill in the same transaction as schema changes: the locks of "
                    f"{_kind_label(first.change)} on {_tname(first)} are held until the backfill "
                    "is done. Move the backfill to its own migration (Django: a separate "
                    "RunPython migration, or atomic = False)",
                    ch.location,
                    level=self.level_for(first.table),
                    related=[(first.change.location, "the schema change")],
                    fingerprint=f"{step.migration.id}|backfill-mixed",
                )


def _transactional(step: Step) -> bool:
    """Whether a change runs inside the migration's transaction: said by the reader (BEGIN in
    SQL, Alembic's default, Django's atomic), or the tool's default — Flyway and Liquibase run
    each migration (changeset) in one transaction on PostgreSQL unless it holds a statement
    that cannot run in one (CREATE INDEX CONCURRENTLY)."""
    mig = step.migration
    if step.change.in_transaction:
        return True
    return mig.style in {"flyway", "liquibase"} and not any(c.concurrently for c in mig.changes)


MIGRATION_RULES = [
    NonConcurrentIndex,
    NotNullColumnWithoutDefault,
    SetNotNull,
    ColumnTypeChange,
    ConstraintWithoutNotValid,
    BreakingSchemaChange,
    MissingLockTimeout,
    TableWithoutPrimaryKey,
    BackfillInMigration,
]
