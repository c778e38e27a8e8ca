"""Issue 6, must-show 5: a planted secret's full value appears in no output of any format, in
no code frame, `--verbose` log, cache entry or parse-error message — also when the secret sits
on the very line a parser chokes on, and when the rule that finds secrets is not selected."""

from __future__ import annotations

import pytest
from conftest import archlint, write_tree

SECRET = "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6"
PASSWORD = "Tr0ub4dor-Zebra-Quartz-7781"  # no provider shape: found by its name only
VALUES = (SECRET, PASSWORD)

FILES = {
    # the parser fails on the secret's own line
    "svc/broken.py": f'API_KEY = "{SECRET}" +\nDB_PASSWORD = "{PASSWORD}"\n',
    "svc/broken2.py": f'def f(:\n    password = "{PASSWORD}"; key = "{SECRET}"\n',
    "svc/unterminated.py": f'TOKEN = "{SECRET}\n',
    "deploy/values.yaml": f"db:\n  password: {PASSWORD}\n\ttoken: {SECRET}\n",
    "deploy/flow.yaml": f"a: [{SECRET}, {{password: {PASSWORD}\n",
    "deploy/broken.json": f'{{"password": "{PASSWORD}", "token": "{SECRET}" ]\n',
    "deploy/bad.toml": f'password = "{PASSWORD}"\ntoken = "{SECRET}\n',
    "db/V1__users.sql": f"CREATE USER app WITH PASSWORD '{PASSWORD}';\nSELECT '{SECRET}\n",
    "db/V2__dollar.sql": f"SELECT $x${SECRET}\n",
    ".env": f"STRIPE_KEY={SECRET}\nthis line has {SECRET} in it\nDB_PASSWORD={PASSWORD}\n",
    "api/openapi.yaml": (
        'openapi: "3.0.3"\ninfo: {title: t, version: "1"}\n'
        f"paths:\n  /x:\n    get:\n      operationId: {SECRET}\n"
        "      parameters: [{name: q, in: nowhere}]\n"
        f"      responses: {{'200': {{description: ok, x: {{$ref: 'https://u:{PASSWORD}@h/x'}}}}}}\n"
    ),
    "api/remote.json": (
        '{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/y": '
        f'{{"$ref": "https://user:{SECRET}@127.0.0.1:9/x.json"}}}}}}\n'
    ),
    # other rules' findings on the line of a secret: their code frames must mask it
    "svc/client.py": (
        "import requests\n"
        "from fastapi import FastAPI\n\n"
        "app = FastAPI()\n\n\n"
        '@app.get("/x")\n'
        "def x():\n"
        f'    return requests.get("https://billing.example.com/v1", headers={{"Authorization": "Bearer {SECRET}"}})\n'
        f'DSN = "postgresql://app:{PASSWORD}@db:5432/app"\n'
    ),
    "svc/dsn.py": f'import sqlalchemy\nengine = sqlalchemy.create_engine("postgresql://app:{PASSWORD}@db/app")\n',
    "svc/ok.py": f'STRIPE = "{SECRET}"  # archlint: ignore[ARC501]\nOTHER = "{SECRET}"\n',
}

FORMATS = ("text", "json", "sarif", "github")
SELECTIONS = ((), ("--select", "ARC001,ARC002,ARC2,ARC1"), ("--ignore", "ARC501"))


@pytest.fixture
def planted(project):
    return write_tree(project, FILES)


@pytest.mark.parametrize("selection", SELECTIONS, ids=["all", "no-ARC501", "ignore-ARC501"])
def test_no_output_shows_the_secret(planted, selection):
    outputs = []
    for fmt in FORMATS:
        run = archlint("check", "--format", fmt, "-j", "1", *selection, cwd=planted)
        assert run.code in (0, 1), run.err
        outputs += [run.out, run.err]
    verbose = archlint("check", "--verbose", "--no-cache", "-j", "1", *selection, cwd=planted)
    outputs += [verbose.out, verbose.err]
    report = planted / "report.sarif"
    archlint("check", "--format", "sarif", "-o", report, "-j", "1", *selection, cwd=planted)
    outputs.append(report.read_text())
    graph = archlint("graph", "--format", "json", "-j", "1", cwd=planted)
    outputs += [graph.out, graph.err]
    for text in outputs:
        for value in VALUES:
            assert value not in text
    # the run did see the broken files
    json_run = archlint("check", "--format", "json", "-j", "1", *selection, cwd=planted)
    assert sum(f["code"] == "ARC001" for f in json_run.json()["findings"]) >= 8


def test_the_cache_holds_no_secret(planted):
    archlint("check", "--format", "json", "-j", "1", cwd=planted)
    entries = [p for p in (planted / ".archlint_cache").rglob("*") if p.is_file()]
    assert len(entries) >= len(FILES)
    for entry in entries:
        data = entry.read_bytes()
        for value in VALUES:
            assert value.encode() not in data, entry
