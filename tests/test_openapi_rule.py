"""ARC002 invalid-openapi through the CLI: located problems, silence on valid specs, and remote
`$ref`s reported as notes without any connection or file read."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest
from conftest import archlint, write_tree

INVALID_YAML = """
openapi: 3.0.3
info:
  title: Orders
  version: "1.0"
paths:
  /orders:
    get:
      operationId: listOrders
      parameters:
        - name: limit
          in: querry
          schema: {type: integer}
"""

VALID_YAML = """
openapi: 3.0.3
info:
  title: Orders
  version: "1.0"
paths:
  /orders:
    get:
      operationId: listOrders
      parameters:
        - name: limit
          in: query
          schema: {type: integer}
      responses:
        "200":
          description: ok
"""


def arc002(run) -> list[tuple[str, int, str, str]]:
    return [
        (f["path"], f["line"], f["level"], f["message"])
        for f in run.json()["findings"]
        if f["code"] == "ARC002"
    ]


def test_invalid_spec_is_reported_at_each_problem(project):
    write_tree(project, {"api/openapi.yaml": INVALID_YAML})
    run = archlint("check", "--format", "json", "--no-cache", cwd=project)
    assert run.code == 1, run.err
    assert arc002(run) == [
        ("api/openapi.yaml", 7, "warning", "paths./orders.get: 'responses' is a required property"),
        (
            "api/openapi.yaml",
            11,
            "warning",
            "paths./orders.get.parameters[0].in: must be one of 'path', 'query', 'header', 'cookie'",
        ),
    ]


def test_invalid_json_spec_is_located(project):
    spec = {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"200": {}}}}},
    }
    write_tree(project, {"swagger.json": json.dumps(spec, indent=2)})
    run = archlint("check", "--format", "json", "--no-cache", cwd=project)
    assert [(line, msg) for _, line, _, msg in arc002(run)] == [
        (11, "paths./a.get.responses.200: 'description' is a required property")
    ]


def test_valid_specs_have_no_arc002(project):
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    write_tree(project, {"openapi.yaml": VALID_YAML, "spec/api.json": json.dumps(spec)})
    run = archlint("check", "--format", "json", "--no-cache", cwd=project)
    assert run.code == 0, run.out
    assert arc002(run) == []


def test_rule_can_be_ignored_like_any_other(project):
    write_tree(project, {"openapi.yaml": INVALID_YAML})
    run = archlint("check", "--format", "json", "--no-cache", "--ignore", "invalid-openapi", cwd=project)
    assert arc002(run) == []


# ---------------------------------------------------------------------------------------------
# Remote references are reported, never followed

_WATCH: list[tuple[str, str]] | None = None
_CANARY: list[str] = []


def _audit(event: str, args: tuple) -> None:
    if _WATCH is None:
        return
    if event == "socket.connect":
        _WATCH.append((event, repr(args[1])))
    elif event == "open" and args and any(str(args[0]).endswith(c) for c in _CANARY):
        _WATCH.append((event, str(args[0])))


sys.addaudithook(_audit)  # hooks cannot be removed; this one only records while _WATCH is set


@pytest.fixture
def watch():
    global _WATCH
    _WATCH = []
    try:
        yield _WATCH
    finally:
        _WATCH = None


@pytest.fixture
def listener():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server, server.getsockname()[1]
    server.close()


def test_remote_refs_are_notes_and_nothing_is_fetched(project, listener, watch):
    server, port = listener
    canary = project.parent / f"{project.name}-canary.yaml"
    canary.write_text("Limit: {name: limit, in: query}\n")
    _CANARY[:] = [canary.name]
    yaml_spec = f"""
        openapi: 3.0.3
        info: {{title: t, version: "1"}}
        paths:
          /a:
            get:
              parameters:
                - $ref: 'http://127.0.0.1:{port}/params.yaml#/Limit'
                - $ref: 'file://{canary}#/Limit'
                - $ref: '../{canary.name}#/Limit'
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {{$ref: 'https://user:hunter2@127.0.0.1:{port}/s.json'}}
        """
    json_spec = {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/b": {"$ref": f"http://127.0.0.1:{port}/paths.json"}},
    }
    write_tree(project, {"openapi.yaml": yaml_spec, "swagger.json": json.dumps(json_spec, indent=1)})

    run = archlint("check", "--format", "json", "--no-cache", cwd=project)

    assert watch == []
    with pytest.raises(BlockingIOError):
        server.accept()  # nobody connected
    found = arc002(run)
    assert [(path, line, level) for path, line, level, _ in found] == [
        ("openapi.yaml", 7, "note"),
        ("openapi.yaml", 8, "note"),
        ("openapi.yaml", 9, "note"),
        ("openapi.yaml", 15, "note"),
        ("swagger.json", 9, "note"),
    ]
    messages = [msg for *_, msg in found]
    assert all("never fetches" in msg for msg in messages)
    assert f"https://***@127.0.0.1:{port}/s.json" in messages[3]
    assert "hunter2" not in run.out


def test_the_reader_itself_makes_no_connection(listener, watch, tmp_path: Path):
    from archlint.extract.openapi import read_openapi_json

    _server, port = listener
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "jsonSchemaDialect": f"http://127.0.0.1:{port}/dialect",
        "paths": {},
        "components": {
            "schemas": {
                "A": {"$id": f"http://127.0.0.1:{port}/a", "properties": {"b": {"$ref": "#/x"}}},
                "B": {"$schema": f"http://127.0.0.1:{port}/meta", "type": "object"},
            }
        },
    }
    text = json.dumps(spec)
    facts = read_openapi_json(json.loads(text), text, "a.json")
    assert facts is not None
    assert watch == []


def test_the_validator_refuses_every_remote_reference_it_meets(listener, watch, tmp_path, monkeypatch):
    # The reader skips reference-following validation when it sees a remote $ref; this drives
    # that validation directly, to show the handlers archlint gives it refuse on their own.
    from archlint.extract import openapi

    _server, port = listener
    canary = tmp_path / "canary-params.yaml"
    canary.write_text("Limit: {name: limit, in: query}\n")
    _CANARY[:] = [canary.name]
    refused: list[str] = []

    def refuse(uri: str):
        refused.append(uri)
        raise OSError(uri)

    monkeypatch.setattr(openapi, "_refuse", refuse)
    for ref in (f"http://127.0.0.1:{port}/p.yaml#/Limit", f"file://{canary}#/Limit", str(canary)):
        spec = {
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"parameters": [{"$ref": ref}], "responses": {"200": {"description": "ok"}}}}},
        }
        found: list = []
        openapi._collect(found, openapi._semantic_errors(spec, "3.0"))
    assert len(refused) == 3
    assert watch == []
