"""Generate a deterministic multi-service system for the benchmark: N small services.

Each service is a folder with a Dockerfile, a requirements file, a FastAPI app (even services)
or a Flask app (odd services) with a few routes, an HTTP client module calling two other
services (by compose name, through an env var with a default), a SQLAlchemy model and an Alembic
migration; one `docker-compose.yml` at the root lists every service with its database URL and
the URLs of the services it calls. The same N always gives the same bytes, so runs compare.

    python bench/gensystem.py OUT_DIR N
"""

from __future__ import annotations

import sys
from pathlib import Path


def _name(i: int) -> str:
    return f"svc{i:04d}"


def _targets(i: int, n: int) -> list[int]:
    """Two services service i calls: the next one, and one further away (never itself)."""
    if n < 2:
        return []
    out = [(i + 1) % n]
    far = (i * 7 + 3) % n
    if far != i and far not in out:
        out.append(far)
    return out


def _fastapi_main(i: int) -> str:
    name = _name(i)
    return f'''"""{name}: a FastAPI service."""

from fastapi import FastAPI, HTTPException, Query

from .clients import fetch_related, notify
from .models import Item

app = FastAPI(title="{name}")


@app.get("/health")
def health() -> dict[str, str]:
    return {{"status": "ok"}}


@app.get("/items")
def list_items(limit: int = Query(50, le=200), offset: int = 0) -> list[dict[str, object]]:
    return [{{"id": k, "name": f"item-{{k}}"}} for k in range(offset, offset + limit)]


@app.get("/items/{{item_id}}")
async def get_item(item_id: int) -> dict[str, object]:
    if item_id < 0:
        raise HTTPException(status_code=404)
    related = fetch_related(item_id)
    return {{"id": item_id, "table": Item.__tablename__, "related": related}}


@app.post("/items")
def create_item(body: dict[str, object]) -> dict[str, object]:
    notify(body)
    return body
'''


def _flask_main(i: int) -> str:
    name = _name(i)
    return f'''"""{name}: a Flask service."""

from flask import Flask, jsonify, request

from .clients import fetch_related, notify
from .models import Item

app = Flask("{name}")


@app.route("/health")
def health():
    return jsonify(status="ok")


@app.route("/items")
def list_items():
    limit = min(int(request.args.get("limit", 50)), 200)
    return jsonify([{{"id": k}} for k in range(limit)])


@app.route("/items/<int:item_id>")
def get_item(item_id):
    return jsonify(id=item_id, table=Item.__tablename__, related=fetch_related(item_id))


@app.route("/items", methods=["POST"])
def create_item():
    body = request.get_json()
    notify(body)
    return jsonify(body), 201
'''


def _clients(i: int, n: int) -> str:
    lines = [
        f'"""Outbound calls of {_name(i)}."""',
        "",
        "import os",
        "",
        "import httpx",
        "import requests",
        "",
    ]
    targets = _targets(i, n)
    for t in targets:
        env = f"{_name(t).upper()}_URL"
        lines.append(f'{_name(t).upper()}_URL = os.environ.get("{env}", "http://{_name(t)}:8000")')
    lines += ["", "", "def fetch_related(item_id: int) -> list[object]:", "    out = []"]
    for k, t in enumerate(targets):
        url = f"{_name(t).upper()}_URL"
        if k == 0:
            lines.append(f'    r = httpx.get(f"{{{url}}}/items/{{item_id}}", timeout=2.0)')
        else:
            # every fifth service forgets its timeout (ARC203 has something to find)
            timeout = "" if i % 5 == 0 else ", timeout=5"
            lines.append(f'    r = requests.get(f"{{{url}}}/items"{timeout})')
        lines.append("    out.append(r.json())")
    lines += ["    return out", "", "", "def notify(body: object) -> None:"]
    if targets:
        url = f"{_name(targets[0]).upper()}_URL"
        lines.append(f'    httpx.post(f"{{{url}}}/items", json=body, timeout=3)')
    else:
        lines.append("    return None")
    return "\n".join(lines) + "\n"


def _models(i: int) -> str:
    return f'''"""Tables of {_name(i)}."""

from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Item(Base):
    __tablename__ = "{_name(i)}_items"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    note = Column(String(2000))
'''


def _settings(i: int) -> str:
    return f'''"""Settings of {_name(i)}."""

import os

DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgresql://app:app@db-{_name(i)}:5432/{_name(i)}"
)
LOG_LEVEL = os.getenv("LOG_LEVEL", "info")
PAGE_SIZE = int(os.getenv("PAGE_SIZE", "50"))
'''


def _migration(i: int) -> str:
    return f'''"""create {_name(i)}_items

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "{_name(i)}_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("note", sa.String(2000), nullable=True),
    )
    op.create_index("ix_{_name(i)}_items_name", "{_name(i)}_items", ["name"])


def downgrade() -> None:
    op.drop_table("{_name(i)}_items")
'''


def _compose(n: int) -> str:
    out = ["services:"]
    for i in range(n):
        name = _name(i)
        out += [
            f"  {name}:",
            f"    build: ./services/{name}",
            "    environment:",
            f"      DATABASE_URL: postgresql://app:app@db-{name}:5432/{name}",
        ]
        for t in _targets(i, n):
            out.append(f"      {_name(t).upper()}_URL: http://{_name(t)}:8000")
        out += [
            "    depends_on:",
            f"      - db-{name}",
            f"  db-{name}:",
            "    image: postgres:16-alpine",
            "    environment:",
            f"      POSTGRES_DB: {name}",
        ]
    return "\n".join(out) + "\n"


def service_files(i: int, n: int) -> dict[str, str]:
    """The files of service i (paths relative to the system root)."""
    base = f"services/{_name(i)}"
    framework = "fastapi\nuvicorn\n" if i % 2 == 0 else "flask\ngunicorn\n"
    cmd = "uvicorn app.main:app" if i % 2 == 0 else "gunicorn app.main:app"
    return {
        f"{base}/Dockerfile": f'FROM python:3.12-slim\nCOPY . /app\nCMD ["sh", "-c", "{cmd}"]\n',
        f"{base}/requirements.txt": framework + "httpx\nrequests\nsqlalchemy\nalembic\n",
        f"{base}/app/__init__.py": "",
        f"{base}/app/main.py": _fastapi_main(i) if i % 2 == 0 else _flask_main(i),
        f"{base}/app/clients.py": _clients(i, n),
        f"{base}/app/models.py": _models(i),
        f"{base}/app/settings.py": _settings(i),
        f"{base}/migrations/versions/0001_create_items.py": _migration(i),
    }


def generate(out: Path, n: int) -> int:
    """Write an n-service system under `out`; returns the number of files written."""
    files: dict[str, str] = {"docker-compose.yml": _compose(n)}
    for i in range(n):
        files.update(service_files(i, n))
    for rel, text in files.items():
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return len(files)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    count = generate(Path(argv[0]), int(argv[1]))
    print(f"wrote {count} files to {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
