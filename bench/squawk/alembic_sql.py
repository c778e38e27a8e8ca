"""Write the SQL of Alembic revisions for PostgreSQL, one file per revision, with no database.

Run by bench/squawk_compare.py inside a throw-away venv that has Alembic and SQLAlchemy:

    python alembic_sql.py VERSIONS_DIR OUT_DIR [--path DIR ...]

Alembic's offline mode (`alembic upgrade A:B --sql`) renders each revision's `upgrade()` as SQL.
A project's own env.py usually imports the project (settings, models) only for autogenerate, so
this runs the revisions under a generic env.py instead: PostgreSQL dialect, literal binds, one
transaction per revision (`BEGIN;` … `COMMIT;`, as Alembic runs them), the revision's
`autocommit_block()` left outside it. The statements on Alembic's own alembic_version table are
left out. A revision whose Python needs a live connection (op.get_bind() queries, ORM sessions)
cannot be rendered offline; its file holds the error and the manifest says so.

Writes OUT_DIR/manifest.json: [{"sql": relative SQL path, "source": revision file, "revision": id,
"error": message or ""}], in chain order (base first).
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

ENV_PY = """
from alembic import context

context.configure(
    url="postgresql://offline/offline",
    literal_binds=True,
    dialect_opts={"paramstyle": "named"},
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
"""

MAKO = '''"""${message}"""
'''


def _without_version_table(sql: str) -> str:
    """The offline SQL less the statements on alembic_version (Alembic's bookkeeping)."""
    kept: list[str] = []
    skipping = False
    for line in sql.splitlines():
        if not skipping and "alembic_version" in line and not line.lstrip().startswith("--"):
            skipping = True
        if not skipping:
            kept.append(line)
        if skipping and line.rstrip().endswith(";"):
            skipping = False
    return "\n".join(kept).strip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("versions", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--path", action="append", default=[], help="put on sys.path first")
    args = parser.parse_args()
    for p in reversed(args.path):
        sys.path.insert(0, p)

    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    with tempfile.TemporaryDirectory() as tmp:
        script_dir = Path(tmp) / "alembic"
        (script_dir / "versions").mkdir(parents=True)
        (script_dir / "env.py").write_text(ENV_PY, encoding="utf-8")
        (script_dir / "script.py.mako").write_text(MAKO, encoding="utf-8")
        for f in args.versions.glob("*.py"):
            shutil.copy2(f, script_dir / "versions" / f.name)

        def config(buffer: io.StringIO | None = None) -> Config:
            cfg = Config(output_buffer=buffer)
            cfg.set_main_option("script_location", str(script_dir))
            return cfg

        scripts = ScriptDirectory.from_config(config())
        chain = list(reversed(list(scripts.walk_revisions("base", "heads"))))
        manifest: list[dict[str, Any]] = []
        for rev in chain:
            down = rev.down_revision
            if isinstance(down, tuple):  # a merge revision renders from its first parent
                down = down[0]
            target = f"{down}:{rev.revision}" if down else rev.revision
            source = args.versions / Path(rev.path).name
            rel = f"{Path(rev.path).stem}.sql"
            entry: dict[str, Any] = {
                "sql": rel,
                "source": str(source),
                "revision": rev.revision,
                "error": "",
            }
            buffer = io.StringIO()
            try:
                command.upgrade(config(buffer), target, sql=True)
                text = _without_version_table(buffer.getvalue())
            except Exception as exc:  # one revision needing a database must not stop the set
                entry["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                traceback.print_exc(limit=3, file=sys.stderr)
                text = f"-- could not render offline: {entry['error']}\n"
            (args.out / rel).parent.mkdir(parents=True, exist_ok=True)
            (args.out / rel).write_text(text, encoding="utf-8")
            manifest.append(entry)
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
