"""The OpenAPI reader: operations, parameters, response shapes and exact positions, on small
inline specs in every supported version and both formats."""

from __future__ import annotations

import json
import textwrap
import time

import pytest

from archlint.extract import openapi
from archlint.extract.openapi import read_openapi_json, read_openapi_yaml, url_path
from archlint.extract.yamlfile import read_yaml
from archlint.facts import OpenApiFacts, OpenApiOperation


def from_yaml(text: str, path: str = "openapi.yaml") -> OpenApiFacts:
    text = textwrap.dedent(text).lstrip("\n")
    facts = read_openapi_yaml(read_yaml(text, path).nodes, text, path)
    assert facts is not None
    return facts


def from_json(spec: object, path: str = "openapi.json") -> OpenApiFacts:
    text = json.dumps(spec, indent=2)
    facts = read_openapi_json(json.loads(text), text, path)
    assert facts is not None
    return facts


def op(facts: OpenApiFacts, method: str, raw_path: str) -> OpenApiOperation:
    return next(o for o in facts.operations if o.method == method and o.raw_path == raw_path)


def position(text: str, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the first occurrence of `needle`."""
    offset = text.index(needle)
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle` in a JSON dump or dedented YAML."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


PETS_30 = """
openapi: 3.0.3
info:
  title: Pets
  version: "1.0"
servers:
  - url: https://api.x.com/v1
security:
  - api_key: []
paths:
  /pets:
    parameters:
      - name: tenant
        in: header
        required: true
        schema: {type: string}
      - name: limit
        in: query
        schema: {type: integer}
    get:
      operationId: listPets
      parameters:
        - name: limit
          in: query
          required: true
          schema: {type: integer, maximum: 100}
        - $ref: '#/components/parameters/Cursor'
      responses:
        "200":
          description: ok
          headers:
            Link: {schema: {type: string}}
            X-Total-Count: {schema: {type: integer}}
          content:
            application/json:
              schema:
                type: array
                maxItems: 100
                items: {$ref: '#/components/schemas/Pet'}
    post:
      operationId: createPet
      security: []
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
  /pets/{id}:
    delete:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: gone}
components:
  parameters:
    Cursor: {name: cursor, in: query, schema: {type: string}}
  schemas:
    Pet:
      type: object
      properties:
        id: {type: string}
        tags: {type: array, items: {type: string}}
"""


def test_openapi_30_yaml_operations_and_exact_positions():
    facts = from_yaml(PETS_30)
    assert (facts.version, facts.title, facts.servers) == (
        "3.0.3",
        "Pets",
        ("https://api.x.com/v1",),
    )
    assert [(o.method, o.path) for o in facts.operations] == [
        ("GET", "/v1/pets"),
        ("POST", "/v1/pets"),
        ("DELETE", "/v1/pets/{id}"),
    ]
    get = op(facts, "GET", "/pets")
    assert get.operation_id == "listPets"
    assert (get.location.line, get.location.column, get.location.end_column) == (19, 5, 8)
    assert get.location.path == "openapi.yaml"
    assert (get.response_shape, get.max_items) == ("array", 100)
    assert get.response_headers == ("Link", "X-Total-Count")
    assert get.secured  # top-level security
    post = op(facts, "POST", "/pets")
    assert (post.response_shape, post.secured) == ("object", False)  # `security: []` opens it
    delete = op(facts, "DELETE", "/pets/{id}")
    assert (delete.response_shape, delete.operation_id) == ("", "")
    assert [(p.name, p.required) for p in delete.parameters] == [("id", True)]


def test_parameters_merge_path_level_and_resolve_refs_with_their_own_location():
    facts = from_yaml(PETS_30)
    params = {(p.name, p.where): p for p in op(facts, "GET", "/pets").parameters}
    assert set(params) == {("tenant", "header"), ("limit", "query"), ("cursor", "query")}
    # the operation's `limit` overrides the path item's
    assert params[("limit", "query")].required
    assert params[("limit", "query")].location.line == 22
    assert (
        params[("tenant", "header")].location.line,
        params[("tenant", "header")].location.column,
    ) == (12, 15)
    cursor = params[("cursor", "query")].location  # where this operation references it
    assert (cursor.line, cursor.column, cursor.end_column) == (26, 17, 49)
    assert [p.name for p in op(facts, "POST", "/pets").parameters] == ["tenant", "limit"]


def test_openapi_31_json_positions_are_exact():
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "T", "version": "1"},
        "servers": [{"url": "/api"}],
        "paths": {
            "/users": {
                "get": {
                    "operationId": "listUsers",
                    "parameters": [{"name": "page", "in": "query"}],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"type": ["array", "null"], "items": {}}
                                }
                            },
                        }
                    },
                },
                "post": {"responses": {"default": {"description": "x"}}},
            }
        },
    }
    text = json.dumps(spec, indent=2)
    facts = from_json(spec)
    get = op(facts, "GET", "/users")
    assert get.path == "/api/users"
    assert (get.location.line, get.location.column) == (line_of(text, '"get"'), 7)
    assert get.location.end_column == 12  # `"get"` with its quotes
    assert get.response_shape == "array"
    (page,) = get.parameters
    assert (page.location.line, page.location.column) == (line_of(text, '"page"'), 21)
    assert op(facts, "POST", "/users").response_shape == ""


def test_json_escaped_keys_and_compact_text_are_located():
    text = '{"openapi":"3.0.0","info":{"title":"t","version":"1"},\n"paths":{"\\/a\\u0062":{"put":{"responses":{}}}}}'
    facts = read_openapi_json(json.loads(text), text, "spec.json")
    assert facts is not None
    (put,) = facts.operations
    assert put.raw_path == "/ab"
    assert (put.location.line, put.location.column, put.location.end_column) == (2, 23, 28)


def test_swagger_20_base_path_and_body_shape():
    facts = from_yaml(
        """
        swagger: "2.0"
        info: {title: Legacy, version: "1"}
        host: legacy.example.com
        basePath: /api/v2/
        schemes: [https, http]
        definitions:
          Page:
            type: object
            properties:
              results: {type: array, maxItems: 50, items: {type: string}}
              next: {type: string}
        parameters:
          Q: {name: q, in: query, type: string}
        paths:
          /search:
            get:
              parameters: [{$ref: '#/parameters/Q'}]
              responses:
                200:
                  description: ok
                  schema: {$ref: '#/definitions/Page'}
        """
    )
    assert facts.version == "2.0"
    assert facts.servers == (
        "https://legacy.example.com/api/v2/",
        "http://legacy.example.com/api/v2/",
    )
    (get,) = facts.operations
    assert get.path == "/api/v2/search"
    assert (get.response_shape, get.max_items) == ("paged-array", 50)
    assert [(p.name, p.where) for p in get.parameters] == [("q", "query")]
    assert facts.problems == ()


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://api.x.com/v1", "/v1"),
        ("https://api.x.com/v1/", "/v1"),
        ("https://api.x.com", ""),
        ("/api", "/api"),
        ("api.x.com/v2", "/v2"),
        ("v3", "/v3"),
        ("http://[::1", ""),
    ],
)
def test_url_path(url, expected):
    assert url_path(url) == expected


def test_server_variables_take_their_defaults_and_operation_servers_override():
    facts = from_yaml(
        """
        openapi: 3.0.0
        info: {title: t, version: "1"}
        servers:
          - url: "{scheme}://api.x.com/{basePath}"
            variables:
              scheme: {default: https}
              basePath: {default: v2}
        paths:
          /a:
            get: {responses: {"200": {description: ok}}}
          /b:
            servers: [{url: /internal}]
            get: {responses: {"200": {description: ok}}}
            put:
              servers: [{url: "https://other/x"}]
              responses: {"200": {description: ok}}
        """
    )
    assert facts.servers == ("https://api.x.com/v2",)
    assert [o.path for o in facts.operations] == ["/v2/a", "/internal/b", "/x/b"]


@pytest.mark.parametrize(
    "schema, shape, max_items",
    [
        ({"type": "array", "items": {}}, "array", None),
        ({"allOf": [{"type": "array", "maxItems": 5, "items": {}}]}, "array", 5),
        (
            {
                "type": "object",
                "properties": {"data": {"type": "array", "maxItems": 9}, "next": {}},
            },
            "paged-array",
            9,
        ),
        (
            {"type": "object", "properties": {"users": {"type": "array"}, "total_count": {}}},
            "paged-array",
            None,
        ),
        (
            {"type": "object", "properties": {"data": {"type": "array"}, "status": {}}},
            "wrapped-array",
            None,
        ),
        (
            {
                "allOf": [
                    {"$ref": "#/components/schemas/Envelope"},
                    {"properties": {"items": {"type": "array"}}},
                ]
            },
            "paged-array",
            None,
        ),
        ({"type": "object", "properties": {"id": {}, "tags": {"type": "array"}}}, "object", None),
        ({"$ref": "#/components/schemas/Envelope"}, "object", None),
        ({"type": "string"}, "other", None),
        ({"$ref": "#/components/schemas/Loop"}, "other", None),
        ({"$ref": "other.yaml#/Pet"}, "other", None),
    ],
)
def test_response_shapes(schema, shape, max_items):
    spec = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "404": {"description": "no"},
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": schema}},
                        },
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Envelope": {"type": "object", "properties": {"cursor": {"type": "string"}}},
                "Loop": {"$ref": "#/components/schemas/Loop2"},
                "Loop2": {"$ref": "#/components/schemas/Loop"},
            }
        },
    }
    (get,) = from_json(spec).operations
    assert (get.response_shape, get.max_items) == (shape, max_items)


def test_default_response_is_used_without_a_2xx_and_responses_can_be_refs():
    facts = from_yaml(
        """
        openapi: 3.0.0
        info: {title: t, version: "1"}
        paths:
          /a:
            get:
              responses:
                default: {$ref: '#/components/responses/List'}
        components:
          responses:
            List:
              description: list
              headers: {X-Next: {schema: {type: string}}}
              content:
                application/hal+json:
                  schema: {type: array, items: {}}
        """
    )
    (get,) = facts.operations
    assert (get.response_shape, get.response_headers) == ("array", ("X-Next",))


def test_ref_cycles_terminate():
    facts = from_yaml(
        """
        openapi: 3.0.0
        info: {title: t, version: "1"}
        paths:
          /a:
            $ref: '#/paths/~1b'
          /b:
            $ref: '#/paths/~1a'
          /c:
            parameters: [{$ref: '#/components/parameters/P'}]
            get:
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Node'}
        components:
          parameters:
            P: {$ref: '#/components/parameters/P'}
          schemas:
            Node:
              type: object
              properties:
                children: {type: array, items: {$ref: '#/components/schemas/Node'}}
                parent: {allOf: [{$ref: '#/components/schemas/Node'}]}
        """
    )
    (get,) = facts.operations
    assert (get.raw_path, get.parameters, get.response_shape) == ("/c", (), "object")


def test_local_path_item_refs_are_followed():
    facts = from_yaml(
        """
        openapi: 3.1.0
        info: {title: t, version: "1"}
        paths:
          /users:
            $ref: '#/components/pathItems/Users'
        components:
          pathItems:
            Users:
              get:
                responses: {"200": {description: ok}}
        """
    )
    (get,) = facts.operations
    assert (get.path, get.location.line) == ("/users", 9)


def test_remote_and_file_refs_are_recorded_never_followed():
    text = textwrap.dedent(
        """
        openapi: 3.0.0
        info: {title: t, version: "1"}
        paths:
          /a:
            $ref: './paths/a.yaml'
          /b:
            get:
              parameters:
                - $ref: 'https://example.com/params.yaml#/Limit'
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: 'file:///etc/passwd'}
                      example: {$ref: 'not-a-reference, only data'}
        """
    ).lstrip("\n")
    facts = from_yaml(text)
    refs = ["./paths/a.yaml", "https://example.com/params.yaml#/Limit", "file:///etc/passwd"]
    assert [(ref, loc.line, loc.column, loc.end_column) for ref, loc in facts.remote_refs] == [
        (ref, *position(text, f"'{ref}'"), position(text, f"'{ref}'")[1] + len(ref) + 2)
        for ref in refs
    ]
    (get,) = facts.operations
    assert (get.raw_path, get.parameters, get.response_shape) == ("/b", (), "other")


def test_yaml_scalars_are_typed_and_merge_keys_apply():
    facts = from_yaml(
        """
        openapi: 3.0.0
        info: {title: t, version: "1"}
        x-base: &base
          responses:
            200:
              description: ok
              content:
                application/json:
                  schema: {type: array, maxItems: 0x10, items: {}}
        paths:
          /a:
            get:
              <<: *base
              operationId: a
        """
    )
    (get,) = facts.operations
    assert (get.operation_id, get.response_shape, get.max_items) == ("a", "array", 16)
    assert facts.problems == ()


def test_unquoted_version_and_missing_pieces_do_not_raise():
    facts = from_yaml("openapi: 3.0\ninfo: {}\npaths: {/a: {get: 1, put: {responses: []}}}\n")
    assert facts.version == "3.0"
    assert [o.method for o in facts.operations] == ["PUT"]
    assert any("openapi: expected string, found a number" in msg for msg, _ in facts.problems)


@pytest.mark.parametrize(
    "doc",
    [
        {"openapi": None},
        {"openapi": "3.0.0", "paths": []},
        {"openapi": "3.0.0", "paths": {"/a": []}},
        {"openapi": "3.0.0", "paths": {"/a": {"get": {"parameters": {"a": 1}}}}},
        {
            "openapi": "3.0.0",
            "paths": {"/a": {"get": {"parameters": [None, 1, {"$ref": 5}, {"name": 1}]}}},
        },
        {"openapi": "3.0.0", "paths": {"/a": {"get": {"responses": {"200": {"content": []}}}}}},
        {
            "openapi": "3.0.0",
            "paths": {"/a": {"get": {"responses": {"200": {"content": {"a/json": 3}}}}}},
        },
        {
            "openapi": "3.0.0",
            "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/nowhere/~2"}}}}},
        },
        {"openapi": "3.0.0", "servers": [{"url": 5}, "x", {"url": "{a}", "variables": []}]},
        {"openapi": "3.0.0", "security": {}, "info": {"title": ["x"]}},
        {"swagger": "2.0", "basePath": 7, "host": "h", "schemes": "https", "paths": {"x-ext": 1}},
        {
            "swagger": 2,
            "paths": {
                "/a": {"get": {"responses": {"200": {"schema": {"$ref": "#/definitions/0"}}}}}
            },
        },
        {"openapi": "9.9.9"},
        {
            "openapi": "3.1.0",
            "components": {"schemas": {"A": {"allOf": [{"$ref": "#/components/schemas/A"}]}}},
        },
    ],
)
def test_malformed_documents_never_raise(doc):
    facts = from_json(doc)
    assert isinstance(facts, OpenApiFacts)


def test_non_spec_inputs_give_no_facts():
    assert read_openapi_json([1, 2], "[1, 2]", "a.json") is None
    assert read_openapi_yaml([], "", "a.yaml") is None
    text = "kind: x\n"
    assert read_openapi_yaml(read_yaml(text, "a.yaml").nodes, text, "a.yaml") is None


# ---------------------------------------------------------------------------------------------
# Validation


INVALID_30 = """
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
  /orders/{id}:
    get:
      responses:
        "200": {description: ok}
"""


def test_validation_problems_are_located_and_short():
    facts = from_yaml(INVALID_30)
    assert [(loc.line, loc.column, msg) for msg, loc in facts.problems] == [
        (7, 5, "paths./orders.get: 'responses' is a required property"),
        (10, 11, "paths./orders.get.parameters[0]: needs one of 'schema', 'content'"),
        (
            11,
            15,
            "paths./orders.get.parameters[0].in: must be one of 'path', 'query', 'header', 'cookie'",
        ),
    ]


def test_semantic_problems_run_on_structurally_valid_documents():
    facts = from_yaml(
        """
        swagger: "2.0"
        info: {title: t, version: "1"}
        paths:
          /a/{id}:
            get:
              operationId: same
              responses: {200: {description: ok}}
          /b:
            get:
              operationId: same
              responses: {200: {description: ok}}
        definitions:
          A:
            type: object
            required: [name]
            allOf: [{$ref: '#/definitions/A'}]
        """
    )
    messages = {(loc.line, msg) for msg, loc in facts.problems}
    assert (
        5,
        "paths./a/{id}.get: Path parameter 'id' for 'get' operation in '/a/{id}' was not resolved",
    ) in messages
    assert (9, "paths./b.get: Operation ID 'same' for 'get' in '/b' is not unique") in messages


def test_valid_documents_have_no_problems():
    assert from_yaml(PETS_30).problems == ()


def test_messages_never_quote_document_values():
    secret = "sk_live_51HbQx2eZvKYlo2C9fQ2xLmT4vB7nR1sK8dW"
    facts = from_json(
        {
            "openapi": "3.0.0",
            "info": {"title": "t", "version": secret},
            "paths": {"/a": {"get": {"responses": {"200": {"description": ["x", secret]}}}}},
            "servers": [{"url": {"token": secret}}],
        }
    )
    assert facts.problems
    for message, _ in facts.problems:
        assert secret not in message and secret[:12] not in message, message


def test_problems_are_capped():
    paths = {f"/p{i}": {"get": {"operationId": i}} for i in range(200)}
    facts = from_json({"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": paths})
    assert len(facts.problems) == openapi.MAX_PROBLEMS


def test_large_documents_are_read_but_not_validated(monkeypatch):
    monkeypatch.setattr(openapi, "MAX_VALIDATE_CHARS", 100)
    facts = from_yaml(INVALID_30)
    assert facts.problems == ()
    assert len(facts.operations) == 2


def test_unsupported_version_is_one_problem():
    facts = from_yaml("openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n")
    ((message, loc),) = facts.problems
    assert message.startswith("openapi: unsupported version '4.0.0'")
    assert (loc.line, loc.column) == (1, 10)


def test_remote_refs_skip_semantic_validation_and_are_never_resolved():
    facts = from_yaml(
        """
        openapi: 3.0.0
        info: {title: t, version: "1"}
        paths:
          /a/{id}:
            get:
              parameters: [{$ref: 'http://127.0.0.1:9/p.yaml'}]
              responses: {"200": {description: ok}}
        """
    )
    assert facts.problems == ()
    assert [ref for ref, _ in facts.remote_refs] == ["http://127.0.0.1:9/p.yaml"]


def test_refusing_handlers_claim_every_scheme():
    handlers = openapi._RefuseAll()
    for scheme in ("http", "https", "file", "", "ftp"):
        assert scheme in handlers
        with pytest.raises(OSError):
            handlers[scheme](f"{scheme}://x/y")


def test_yaml_alias_bomb_and_recursive_alias_are_not_validated_and_do_not_hang():
    bomb = [
        "openapi: 3.0.0",
        "info: {title: t, version: '1'}",
        "x-a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9]",
    ]
    bomb += [f"x-a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 12)]
    bomb += ["paths: {/a: {get: {responses: {'200': {description: ok}}}}}"]
    started = time.perf_counter()
    facts = from_yaml("\n".join(bomb))
    assert [o.raw_path for o in facts.operations] == ["/a"]
    assert facts.problems == ()
    recursive = from_yaml("openapi: 3.0.0\nx-r: &r {self: *r}\ninfo: {title: t}\npaths: {}\n")
    assert recursive.problems == ()
    assert time.perf_counter() - started < 5


def test_describe_fallback_replaces_values():
    class Error:
        validator = "minLength"
        validator_value = 3
        instance = "a-long-value-that-should-not-appear"
        message = "'a-long-value-that-should-not-appear' is too short"

    assert openapi.describe(Error()) == "a string is too short"


def test_problems_inside_referenced_components_are_located_there():
    text = textwrap.dedent(
        """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /a:
            get:
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Page'}
        components:
          schemas:
            Page:
              type: object
              required: [items, cursor]
              allOf: [{$ref: '#/components/schemas/Base'}]
              properties:
                items: {type: array, items: {type: integer, default: "ten"}}
            Base:
              type: object
              properties: {id: {type: string}}
        """
    ).lstrip("\n")
    facts = from_yaml(text)
    located = {(loc.line, msg.split(":")[0]) for msg, loc in facts.problems}
    assert (position(text, "Page:")[0], "components.schemas.Page") in located
    assert (
        position(text, "default:")[0],
        "components.schemas.Page.properties.items.items.default",
    ) in located


def test_json_pointers_into_arrays_resolve_with_integer_steps():
    spec = openapi.Spec(
        {
            "paths": {"/a": {"parameters": [{"name": "x", "in": "query"}]}},
            "p": {"$ref": "#/paths/~1a/parameters/0"},
        },
        openapi.JsonLocator("{}", "a.json"),
    )
    assert spec.deref(spec.data["p"], ("p",)) == (
        {"name": "x", "in": "query"},
        ("paths", "/a", "parameters", 0),
    )
    assert spec.deref({"$ref": "#/paths/~1a/parameters/7"}, ()) == (
        None,
        ("paths", "/a", "parameters", 7),
    )
    assert spec.real_steps(("p", "name")) == ("paths", "/a", "parameters", 0, "name")


def test_yaml_merge_bombs_and_long_merge_chains_stay_cheap():
    lines = ["openapi: 3.0.0", "info: {title: t, version: '1'}", "x-m0: &m0 {a: 1, b: 2, c: 3}"]
    lines += [
        f"x-m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 9)}], k{i}: 1}}" for i in range(1, 40)
    ]
    lines += ["x-c0: &c0 {z: 1}"] + [f"x-c{i}: &c{i} {{<<: *c{i - 1}}}" for i in range(1, 3000)]
    lines += ["paths: {/a: {get: {<<: *m39, responses: {'200': {description: ok}}}}}"]
    started = time.perf_counter()
    facts = from_yaml("\n".join(lines))
    assert [o.raw_path for o in facts.operations] == ["/a"]
    assert time.perf_counter() - started < 5
