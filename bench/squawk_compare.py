"""Compare archlint's migration rules (ARC601-ARC609) with Squawk on the same migrations.

    python bench/squawk_compare.py                      # every set, one table per rule family
    python bench/squawk_compare.py --sets fixture       # only tests/fixtures/migrations-shop
    python bench/squawk_compare.py --details --keep     # list each disagreement, keep the inputs

Needs `squawk` on PATH (`pip install squawk-cli`) and archlint importable by this Python. Installs
nothing into the caller's environment: the packages that turn Python migrations into SQL
(bench/squawk/requirements.txt, pinned) go into a throw-away venv in the work folder, and the
migration sets come from pinned packages on PyPI. pip is the only thing that uses the network.

Migration sets (each gives Squawk SQL, and archlint the files the SQL came from):

  fixture        tests/fixtures/migrations-shop: the Flyway SQL as it is; the Alembic revisions
                 rendered by Alembic's offline mode and the Django migrations by
                 bench/squawk/django_sql.py (sqlmigrate without a database)
  procrastinate  procrastinate 2.15.1: plain PostgreSQL migration files from its wheel
  django         Django 5.2.19's contrib apps and django-allauth 65.3.0, Django migrations
  mlflow         mlflow-skinny 2.17.2's Alembic revisions (a few need a live database and are
                 reported as not rendered)

Findings are matched per rule family: by file and statement (the line a statement starts on) for
SQL migrations, by file only for Python migrations compared with the SQL generated from them
(and for the lock-timeout family, which both tools report once per migration). Squawk rules with no archlint counterpart, and archlint families with no Squawk rule, are listed
as such. Until ARC601-ARC609 are registered, archlint's side is empty and the tables show
Squawk's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import venv
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent / "squawk"
FIXTURE = REPO / "tests" / "fixtures" / "migrations-shop"
PROCRASTINATE = "procrastinate==2.15.1"
SETS = ("fixture", "procrastinate", "django", "mlflow")
PG_VERSION = "16"  # the fixture's compose runs postgres:16

# Django apps whose migrations the `django` set renders (django-allauth needs its middleware).
DJANGO_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.redirects",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "allauth.usersessions",
]
DJANGO_SETTINGS = ['MIDDLEWARE=["allauth.account.middleware.AccountMiddleware"]']

# archlint rule families and the Squawk rules (squawk-cli 2.x names) that look at the same thing.
FAMILIES: list[tuple[str, str, frozenset[str]]] = [
    (
        "ARC601",
        "index concurrency",
        frozenset(
            {
                "require-concurrent-index-creation",
                "require-concurrent-index-deletion",
                "ban-concurrent-index-creation-in-transaction",
            }
        ),
    ),
    (
        "ARC602",
        "not-null / default",
        frozenset(
            {
                "adding-required-field",
                "adding-field-with-default",
                "adding-serial-primary-key-field",
            }
        ),
    ),
    ("ARC603", "set-not-null", frozenset({"adding-not-nullable-field"})),
    ("ARC604", "type change", frozenset({"changing-column-type"})),
    (
        "ARC605",
        "constraint validation",
        frozenset(
            {
                "constraint-missing-not-valid",
                "adding-foreign-key-constraint",
                "disallowed-unique-constraint",
            }
        ),
    ),
    (
        "ARC606",
        "breaking change",
        frozenset({"ban-drop-column", "ban-drop-table", "renaming-column", "renaming-table"}),
    ),
    ("ARC607", "lock timeout", frozenset({"require-lock-timeout", "require-timeout-settings"})),
    ("ARC608", "primary key", frozenset()),
    ("ARC609", "backfill / transaction", frozenset()),
]
FAMILY_OF = {rule: code for code, _, rules in FAMILIES for rule in rules}
# Reported once per migration by both tools, at different statements (Squawk: the first one;
# archlint: the first lock on an existing table): matched by file.
PER_FILE = {"ARC607"}

# Every rule squawk-cli 2.70 knows (its docs' sidebar; the names in the binary agree). The ones
# not in FAMILIES have no archlint counterpart.
SQUAWK_RULES = (
    "adding-field-with-default",
    "adding-foreign-key-constraint",
    "adding-not-nullable-field",
    "adding-required-field",
    "adding-serial-primary-key-field",
    "ban-add-column",
    "ban-add-composite-attribute",
    "ban-add-enum-value",
    "ban-alter-database-options",
    "ban-alter-domain-with-add-constraint",
    "ban-alter-extension",
    "ban-alter-function-options",
    "ban-alter-generated-expression",
    "ban-alter-identity",
    "ban-alter-policy-condition",
    "ban-alter-policy-roles",
    "ban-alter-role-options",
    "ban-alter-row-level-security",
    "ban-alter-sequence-values",
    "ban-alter-system-options",
    "ban-alter-view-options",
    "ban-char-field",
    "ban-concurrent-index-creation-in-transaction",
    "ban-create-domain-with-constraint",
    "ban-create-policy",
    "ban-detach-inheritance",
    "ban-disable-trigger",
    "ban-drop-column",
    "ban-drop-constraint",
    "ban-drop-database",
    "ban-drop-default",
    "ban-drop-domain",
    "ban-drop-extension",
    "ban-drop-function",
    "ban-drop-generated-expression",
    "ban-drop-index",
    "ban-drop-not-null",
    "ban-drop-policy",
    "ban-drop-schema",
    "ban-drop-sequence",
    "ban-drop-table",
    "ban-drop-trigger",
    "ban-drop-type",
    "ban-drop-view",
    "ban-duplicate-column-assignments",
    "ban-new-write-restriction",
    "ban-replace-view-function",
    "ban-replica-identity",
    "ban-revoke",
    "ban-set-default",
    "ban-set-schema",
    "ban-truncate-cascade",
    "ban-uncommitted-transaction",
    "changing-column-type",
    "constraint-missing-not-valid",
    "disallowed-unique-constraint",
    "identifier-too-long",
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
    "prefer-identity",
    "prefer-repack",
    "prefer-robust-stmts",
    "prefer-text-field",
    "prefer-timestamp-tz",
    "renaming-column",
    "renaming-object",
    "renaming-table",
    "require-concurrent-index-creation",
    "require-concurrent-index-deletion",
    "require-concurrent-partition-detach",
    "require-concurrent-reindex",
    "require-enum-value-ordering",
    "require-lock-timeout",
    "require-statement-timeout",
    "require-table-schema",
    "require-timeout-settings",
    "syntax-error",
    "transaction-nesting",
    "unused-ignore",
)


# -- inputs ----------------------------------------------------------------------------------------


@dataclass
class SquawkBatch:
    """SQL files Squawk reads in one run, each standing for a migration file of the set."""

    source_of: dict[Path, str]  # SQL file -> migration file, relative to the set's root
    args: list[str] = field(default_factory=list)


@dataclass
class MigrationSet:
    name: str
    root: Path  # what archlint checks
    batches: list[SquawkBatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def sources(self) -> set[str]:
        return {s for b in self.batches for s in b.source_of.values()}


def run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)


def generator_python(work: Path, reuse: Path | None) -> Path:
    """The Python of a venv holding bench/squawk/requirements.txt (made in `work` unless reused)."""
    if reuse is not None:
        python = reuse / "bin" / "python"
        if not python.exists():
            raise SystemExit(f"--venv {reuse}: no bin/python there")
        return python
    target = work / "venv"
    python = target / "bin" / "python"
    if not python.exists():
        print(f"making a venv for the SQL generators in {target} ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(target)
    done = run(
        [str(python), "-m", "pip", "install", "-q", "-r", str(HERE / "requirements.txt")],
    )
    if done.returncode != 0:
        raise SystemExit(f"pip install failed:\n{done.stderr[-3000:]}")
    return python


def site_packages(python: Path) -> Path:
    out = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    return Path(out.stdout.strip())


def manifest(out: Path) -> list[dict[str, Any]]:
    return list(json.loads((out / "manifest.json").read_text(encoding="utf-8")))


def render(python: Path, helper: str, args: list[str]) -> None:
    # The helpers import the migrations (and the fixture's app): no .pyc beside the sources.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = run([str(python), str(HERE / helper), *args], env=env)
    if done.returncode != 0:
        raise SystemExit(f"{helper} failed:\n{done.stderr[-3000:]}")


def not_rendered(entries: list[dict[str, Any]], what: str) -> list[str]:
    bad = [e for e in entries if e["error"]]
    if not bad:
        return []
    names = ", ".join(Path(e["source"]).stem for e in bad)
    return [f"{len(bad)} of {len(entries)} {what} not rendered offline (left out): {names}"]


def fixture_set(work: Path, python: Path) -> MigrationSet:
    s = MigrationSet("fixture", FIXTURE)
    flyway = sorted((FIXTURE / "catalog/src/main/resources/db/migration").glob("*.sql"))
    # Flyway runs each versioned migration in a transaction (the file with CONCURRENTLY, V5, is
    # the exception Flyway detects): --assume-in-transaction is Squawk's setting for that.
    s.batches.append(
        SquawkBatch(
            {f: f.relative_to(FIXTURE).as_posix() for f in flyway}, ["--assume-in-transaction"]
        )
    )
    out = work / "sql" / "fixture-orders"
    render(python, "alembic_sql.py", [str(FIXTURE / "orders/alembic/versions"), str(out)])
    entries = manifest(out)
    s.notes += not_rendered(entries, "Alembic revisions")
    s.batches.append(
        SquawkBatch(
            {
                out / e["sql"]: Path(e["source"]).resolve().relative_to(FIXTURE).as_posix()
                for e in entries
                if not e["error"]
            }
        )
    )
    out = work / "sql" / "fixture-accounts"
    apps = "django.contrib.contenttypes,django.contrib.auth,users"
    render(
        python,
        "django_sql.py",
        [str(out), "--apps", apps, "--path", str(FIXTURE / "accounts"), "--label", "users"],
    )
    entries = manifest(out)
    s.notes += not_rendered(entries, "Django migrations")
    s.batches.append(
        SquawkBatch(
            {
                out / e["sql"]: Path(e["source"]).resolve().relative_to(FIXTURE).as_posix()
                for e in entries
                if not e["error"]
            }
        )
    )
    return s


def copy_into(root: Path, base: Path, files: list[Path]) -> dict[Path, str]:
    """Copy files (under base) to root keeping their path below base; file -> relative path."""
    rel: dict[Path, str] = {}
    for f in files:
        r = f.resolve().relative_to(base.resolve())
        (root / r).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, root / r)
        rel[f] = r.as_posix()
    return rel


def declare_service(root: Path, name: str, paths: list[str]) -> None:
    """A package is no deployed service, so archlint finds none by itself: name it in config
    (the migration rules judge each service's migrations in their order)."""
    listed = ", ".join(json.dumps(p) for p in paths)
    text = f"# written by bench/squawk_compare.py\n[services.{name}]\npaths = [{listed}]\n"
    (root / "archlint.toml").write_text(text, encoding="utf-8")


def procrastinate_set(work: Path) -> MigrationSet:
    dl = work / "download"
    done = run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(dl), PROCRASTINATE]
    )
    if done.returncode != 0:
        raise SystemExit(f"pip download {PROCRASTINATE} failed:\n{done.stderr[-3000:]}")
    wheel = next(dl.glob("procrastinate-*.whl"))
    root = work / "src" / "procrastinate"
    with zipfile.ZipFile(wheel) as z:
        names = [n for n in z.namelist() if re.match(r"procrastinate/sql/migrations/.+\.sql$", n)]
        for n in names:
            z.extract(n, root)
    files = sorted(root.glob("procrastinate/sql/migrations/*.sql"))
    declare_service(root, "procrastinate", ["procrastinate"])
    s = MigrationSet("procrastinate", root)
    s.batches.append(SquawkBatch({f: f.relative_to(root).as_posix() for f in files}))
    s.notes.append(f"{PROCRASTINATE}: {len(files)} SQL migrations, applied by the user's tool")
    return s


def django_set(work: Path, python: Path) -> MigrationSet:
    out = work / "sql" / "django"
    render(
        python,
        "django_sql.py",
        [
            str(out),
            "--apps",
            ",".join(DJANGO_APPS),
            *[a for setting in DJANGO_SETTINGS for a in ("--setting", setting)],
        ],
    )
    entries = manifest(out)
    site = site_packages(python)
    root = work / "src" / "django"
    sources = [Path(e["source"]) for e in entries if not e["error"]]
    # models.py beside each migrations/ folder: ARC606 looks there for code still using a column.
    models = {p.parent.parent / "models.py" for p in sources}
    copy_into(root, site, [m for m in models if m.exists()])
    rel = copy_into(root, site, sources)
    declare_service(root, "site", ["django", "allauth"])
    s = MigrationSet("django", root)
    s.batches.append(
        SquawkBatch({out / e["sql"]: rel[Path(e["source"])] for e in entries if not e["error"]})
    )
    s.notes += not_rendered(entries, "Django migrations")
    s.notes.append("Django 5.2.19 contrib apps + django-allauth 65.3.0 (sqlmigrate offline)")
    return s


def mlflow_set(work: Path, python: Path) -> MigrationSet:
    versions = site_packages(python) / "mlflow" / "store" / "db_migrations" / "versions"
    out = work / "sql" / "mlflow"
    render(python, "alembic_sql.py", [str(versions), str(out)])
    entries = manifest(out)
    root = work / "src" / "mlflow"
    rel = copy_into(root, versions.parents[3], sorted(versions.glob("*.py")))
    declare_service(root, "mlflow", ["mlflow"])
    s = MigrationSet("mlflow", root)
    s.batches.append(
        SquawkBatch(
            {
                out / e["sql"]: rel[versions / Path(e["source"]).name]
                for e in entries
                if not e["error"]
            }
        )
    )
    s.notes += not_rendered(entries, "Alembic revisions")
    s.notes.append("mlflow-skinny 2.17.2 revisions (Alembic offline mode)")
    return s


# -- statements ----------------------------------------------------------------------------------

_DOLLAR = re.compile(r"\$[A-Za-z_0-9]*\$")


def statement_lines(sql: str) -> list[tuple[int, int]]:
    """(first line, last line) of each statement, 1-based; comments and blanks belong to none.
    Knows quotes, dollar quotes and comments, which is all a split on `;` needs."""
    spans: list[tuple[int, int]] = []
    i, n, line, start = 0, len(sql), 1, 0
    while i < n:
        c = sql[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
            continue
        if sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += sql.count("\n", i, j)
            i = j
            continue
        if c.isspace():
            i += 1
            continue
        if not start:
            start = line
        if c in "'\"":
            j = i + 1
            while j < n:
                if sql[j] == c and sql.startswith(c * 2, j):
                    j += 2
                    continue
                if sql[j] == c:
                    break
                j += 1
            line += sql.count("\n", i, j)
            i = j + 1
            continue
        m = _DOLLAR.match(sql, i) if c == "$" else None
        if m:
            j = sql.find(m.group(), m.end())
            j = n if j < 0 else j + len(m.group())
            line += sql.count("\n", i, j)
            i = j
            continue
        if c == ";":
            spans.append((start, line))
            start = 0
        i += 1
    if start:
        spans.append((start, line))
    return spans


def statement_start(spans: list[tuple[int, int]], line: int) -> int:
    for first, last in spans:
        if first <= line <= last:
            return first
    return line


# -- the two tools -------------------------------------------------------------------------------

Key = tuple[str, str, int]  # (set, migration file, statement line; 0 for Python migrations)


@dataclass
class Hit:
    key: Key
    rule: str  # Squawk rule name or archlint code
    message: str


def squawk_version() -> str:
    return run(["squawk", "--version"]).stdout.strip()


def squawk(s: MigrationSet) -> list[Hit]:
    hits: list[Hit] = []
    for batch in s.batches:
        files = sorted(batch.source_of)
        if not files:
            continue
        done = run(
            ["squawk", "--reporter", "json", "--pg-version", PG_VERSION, *batch.args]
            + [str(f) for f in files]
        )
        if done.returncode not in (0, 1) or not done.stdout.strip():
            if done.returncode == 0:
                continue
            raise SystemExit(f"squawk failed on {s.name} (exit {done.returncode}):\n{done.stderr}")
        by_name = {str(f): f for f in files} | {str(f.resolve()): f for f in files}
        spans: dict[Path, list[tuple[int, int]]] = {}
        for v in json.loads(done.stdout):
            f = by_name.get(v["file"]) or by_name.get(str(Path(v["file"]).resolve()))
            if f is None:
                continue
            source = batch.source_of[f]
            line = 0
            if source.endswith(".sql"):
                if f not in spans:
                    spans[f] = statement_lines(f.read_text(encoding="utf-8"))
                line = statement_start(spans[f], int(v["line"]) + 1)  # Squawk counts from 0
            hits.append(Hit((s.name, source, line), v["rule_name"], v["message"]))
    return hits


def archlint(s: MigrationSet) -> tuple[list[Hit], str]:
    done = run(
        [
            sys.executable,
            "-m",
            "archlint",
            "check",
            str(s.root),
            "--select",
            "ARC6",
            "--format",
            "json",
            "--no-cache",
            "--no-baseline",
            "--jobs",
            "1",
        ],
    )
    if done.returncode not in (0, 1):
        last = (done.stderr.strip().splitlines() or [""])[-1]
        return [], f"archlint exit {done.returncode}: {last}"
    doc = json.loads(done.stdout)
    root = Path(doc.get("root") or s.root)
    wanted = s.sources()
    hits: list[Hit] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    for f in doc["findings"]:
        if not str(f["code"]).startswith("ARC6"):
            continue
        path = (root / f["path"]).resolve().relative_to(s.root.resolve()).as_posix()
        if path not in wanted:  # a migration Squawk did not get (not rendered offline)
            continue
        line = 0
        if path.endswith(".sql"):
            if path not in spans:
                spans[path] = statement_lines((s.root / path).read_text(encoding="utf-8"))
            line = statement_start(spans[path], int(f["line"]))
        hits.append(Hit((s.name, path, line), f["code"], f["message"]))
    return hits, ""


# -- report --------------------------------------------------------------------------------------


def compare(sets: list[MigrationSet], sq: list[Hit], al: list[Hit]) -> dict[str, Any]:
    per_family: dict[str, dict[str, dict[str, set[Key]]]] = {}
    for code, _, _ in FAMILIES:
        per_family[code] = {x.name: {"squawk": set(), "archlint": set()} for x in sets}
    unmatched: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for h in sq:
        code = FAMILY_OF.get(h.rule)
        if code is None:
            unmatched[h.rule][h.key[0]] += 1
        else:
            per_family[code][h.key[0]]["squawk"].add(_family_key(code, h.key))
    for h in al:
        if h.rule in per_family:
            per_family[h.rule][h.key[0]]["archlint"].add(_family_key(h.rule, h.key))
    return {"families": per_family, "no_counterpart": unmatched}


def _family_key(code: str, key: Key) -> Key:
    return (key[0], key[1], 0) if code in PER_FILE else key


def _where(key: Key) -> str:
    return f"{key[1]}:{key[2]}" if key[2] else key[1]


def print_report(
    sets: list[MigrationSet],
    result: dict[str, Any],
    sq: list[Hit],
    al: list[Hit],
    details: bool,
) -> None:
    names = [s.name for s in sets]
    print(f"{squawk_version()} vs archlint (ARC601-ARC609), PostgreSQL {PG_VERSION}")
    for s in sets:
        n = len(s.sources())
        print(f"  {s.name}: {n} migration files" + "".join(f"\n    - {x}" for x in s.notes))
    print("\n| family | archlint | squawk rules |")
    print("|---|---|---|")
    for code, title, rules in FAMILIES:
        print(f"| {title} | {code} | {', '.join(sorted(rules)) or '(none)'} |")
    print(
        "\nEach cell: both / only squawk / only archlint, counting distinct (file, statement) for"
        "\nSQL migrations and distinct files for Python ones (lock timeout: files).\n"
    )
    print("| family | " + " | ".join(names) + " | all |")
    print("|---|" + "---:|" * (len(names) + 1))
    for code, title, _ in FAMILIES:
        cells = []
        total = (0, 0, 0)
        for name in names:
            c = result["families"][code][name]
            a, q = c["archlint"], c["squawk"]
            n = (len(a & q), len(q - a), len(a - q))
            total = (total[0] + n[0], total[1] + n[1], total[2] + n[2])
            cells.append("{} / {} / {}".format(*n))
        cells.append("{} / {} / {}".format(*total))
        print(f"| {code} {title} | " + " | ".join(cells) + " |")
    print("\nSquawk rules with no archlint counterpart (findings per set):\n")
    print("| squawk rule | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for rule, counts in sorted(result["no_counterpart"].items()):
        print(f"| {rule} | " + " | ".join(str(counts.get(n, 0)) for n in names) + " |")
    silent = sorted(set(SQUAWK_RULES) - set(FAMILY_OF) - set(result["no_counterpart"]))
    print(f"\nNo counterpart, not seen here: {', '.join(silent)}")
    print("No Squawk rule for: ARC608 (table without primary key), ARC609 (backfill in migration)")
    if not details:
        return
    rules_at: dict[tuple[str, Key], set[str]] = defaultdict(set)
    for h in sq:
        if h.rule in FAMILY_OF:
            code = FAMILY_OF[h.rule]
            rules_at[(code, _family_key(code, h.key))].add(h.rule)
    for h in al:
        rules_at[(h.rule, _family_key(h.rule, h.key))].add(h.rule)
    print("\nDisagreements:")
    for code, title, _ in FAMILIES:
        for name in names:
            cell = result["families"][code][name]
            a, q = cell["archlint"], cell["squawk"]
            for label, keys in (("only squawk", q - a), ("only archlint", a - q)):
                for key in sorted(keys):
                    rules = ", ".join(sorted(rules_at[(code, key)]))
                    print(f"  {code} {title}: {label}: {_where(key)} ({rules})")


def to_json(sets: list[MigrationSet], result: dict[str, Any]) -> dict[str, Any]:
    fams = {}
    for code, title, rules in FAMILIES:
        fams[code] = {
            "title": title,
            "squawk_rules": sorted(rules),
            "sets": {
                name: {
                    "both": sorted(map(_where, c["archlint"] & c["squawk"])),
                    "only_squawk": sorted(map(_where, c["squawk"] - c["archlint"])),
                    "only_archlint": sorted(map(_where, c["archlint"] - c["squawk"])),
                }
                for name, c in result["families"][code].items()
            },
        }
    return {
        "squawk": squawk_version(),
        "sets": {s.name: {"files": len(s.sources()), "notes": s.notes} for s in sets},
        "families": fams,
        "no_counterpart": {k: dict(v) for k, v in result["no_counterpart"].items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument(
        "--sets", default=",".join(SETS), help=f"comma-separated, from {', '.join(SETS)}"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder, print it")
    parser.add_argument("--workdir", type=Path, help="use this work folder (kept)")
    parser.add_argument("--venv", type=Path, help="reuse a venv holding requirements.txt")
    parser.add_argument("--details", action="store_true", help="list every disagreement")
    parser.add_argument("--json", action="store_true", help="the comparison as JSON")
    args = parser.parse_args()

    chosen = [x.strip() for x in args.sets.split(",") if x.strip()]
    unknown = sorted(set(chosen) - set(SETS))
    if unknown:
        parser.error(f"unknown set(s): {', '.join(unknown)}")
    if shutil.which("squawk") is None:
        raise SystemExit("squawk is not on PATH: pip install squawk-cli")
    if run([sys.executable, "-m", "archlint", "--version"]).returncode != 0:
        raise SystemExit(f"archlint is not importable by {sys.executable}: pip install -e .")

    work = args.workdir or Path(tempfile.mkdtemp(prefix="squawk-compare-"))
    work.mkdir(parents=True, exist_ok=True)
    keep = args.keep or args.workdir is not None
    try:
        needs_python = any(x in chosen for x in ("fixture", "django", "mlflow"))
        python = generator_python(work, args.venv) if needs_python else Path(sys.executable)
        build = {
            "fixture": lambda: fixture_set(work, python),
            "procrastinate": lambda: procrastinate_set(work),
            "django": lambda: django_set(work, python),
            "mlflow": lambda: mlflow_set(work, python),
        }
        sets = [build[x]() for x in SETS if x in chosen]
        sq: list[Hit] = []
        al: list[Hit] = []
        for s in sets:
            sq += squawk(s)
            hits, problem = archlint(s)
            al += hits
            if problem:
                s.notes.append(f"archlint gave nothing: {problem}")
        result = compare(sets, sq, al)
        if args.json:
            print(json.dumps(to_json(sets, result), indent=2))
        else:
            print_report(sets, result, sq, al, args.details)
    finally:
        if keep:
            print(f"\nwork folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
