"""OpenAPI reader (Swagger 2.0, OpenAPI 3.0 / 3.1 / 3.2): operations with exact lines.

Both formats are read as plain data (JSON from `json.loads`, YAML converted from the composed
nodes) by one reader; positions come from a *locator* that finds the node at a key path on
demand: the YAML node graph, or — for JSON, which ruamel composes slowly — a scan of the text
with the json module's C scanner, parsing only the containers on the way to each key.

Only local `$ref`s (`#/...`) are followed, with a hop bound and a visited set. Anything else is
recorded in `remote_refs` and never opened: archlint makes no network connection and reads no
file a document names. Validation problems (ARC002) are stored in the facts; see the
"Validation" section below.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from archlint.facts import OpenApiFacts, OpenApiOperation, OpenApiParameter
from archlint.location import Location
from archlint.positions import LineIndex

Step = str | int
Steps = tuple[Step, ...]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_REF_HOPS = 32  # a chain of local $refs longer than this is treated as unresolvable
MAX_REMOTE_REFS = 100
MAX_SHAPE_DEPTH = 8  # allOf / property nesting followed to find a response's shape
# YAML aliases share nodes; a document whose aliases expand it more than this is not validated.
MAX_ALIAS_EXPANSION = 4
MAX_MERGE_DEPTH = 32  # `<<` merges of merges followed (bounds recursion on hostile chains)
_TWO_XX = re.compile(r"2\d\d")
_MERGE_TAG = "tag:yaml.org,2002:merge"


# ---------------------------------------------------------------------------------------------
# Entry points


def read_openapi_yaml(nodes: list[Node], text: str, path: str) -> OpenApiFacts | None:
    """Facts of the first YAML document with an `openapi` or `swagger` key."""
    root = next((n for n in nodes if isinstance(n, MappingNode) and _is_spec_node(n)), None)
    if root is None:
        return None
    data, shared = yaml_to_data(root)
    if not isinstance(data, dict):
        return None
    locator = YamlLocator(root, path)
    expandable = not shared or _expanded_size(root) <= MAX_ALIAS_EXPANSION * _node_count(root)
    return read_spec(data, locator, len(text), validate=expandable)


def read_openapi_json(data: object, text: str, path: str) -> OpenApiFacts | None:
    if not isinstance(data, dict):
        return None
    return read_spec(data, JsonLocator(text, path), len(text), validate=True)


def _is_spec_node(node: MappingNode) -> bool:
    return any(
        isinstance(k, ScalarNode) and k.value in ("openapi", "swagger") for k, _ in node.value
    )


# ---------------------------------------------------------------------------------------------
# Locators: the position of the node at a key path


class Locator:
    """Finds where the node at a key path is written. `key` gives the key of an object member
    (the item itself for an array element), `value` the value; scalars get their exact span,
    containers their first position."""

    path: str

    def key(self, steps: Sequence[Step]) -> Location | None:
        raise NotImplementedError

    def value(self, steps: Sequence[Step]) -> Location | None:
        raise NotImplementedError

    def start(self) -> Location:
        raise NotImplementedError

    def nearest(self, steps: Sequence[Step]) -> Location:
        """The key at `steps`, or at its longest prefix that exists, or the document start."""
        for n in range(len(steps), 0, -1):
            loc = self.key(steps[:n])
            if loc is not None:
                return loc
        return self.start()


class YamlLocator(Locator):
    def __init__(self, root: Node, path: str):
        self.root = root
        self.path = path
        self._members: dict[int, Members] = {}

    def _find(self, steps: Sequence[Step]) -> tuple[Node | None, Node] | None:
        key: Node | None = None
        node = self.root
        for step in steps:
            if isinstance(node, MappingNode) and isinstance(step, str):
                pair = mapping_members(node, self._members).get(step)
                if pair is None:
                    return None
                key, node = pair
            elif isinstance(node, SequenceNode) and isinstance(step, int):
                if not 0 <= step < len(node.value):
                    return None
                key, node = None, node.value[step]
            else:
                return None
        return key, node

    def _loc(self, node: Node) -> Location:
        start = node.start_mark
        if isinstance(node, ScalarNode):
            end = node.end_mark
            return Location(
                self.path, start.line + 1, start.column + 1, end.line + 1, end.column + 1
            )
        return Location(self.path, start.line + 1, start.column + 1)

    def key(self, steps: Sequence[Step]) -> Location | None:
        found = self._find(steps)
        return None if found is None else self._loc(found[0] or found[1])

    def value(self, steps: Sequence[Step]) -> Location | None:
        found = self._find(steps)
        return None if found is None else self._loc(found[1])

    def start(self) -> Location:
        return self._loc(self.root)


_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# The C string scanner behind json.loads: (decoded string, offset after its closing quote).
scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


def _skip_ws(text: str, i: int) -> int:
    match = _WS.match(text, i)
    return match.end() if match else i


# (key start, key end) — None for array items — and (value start, value end), as text offsets
_Member = tuple[tuple[int, int] | None, tuple[int, int]]


class JsonLocator(Locator):
    """Positions in JSON text that `json.loads` has already accepted. Each container on the way
    to a key is scanned once (its members' key and value offsets), skipping over values with the
    C decoder, so locating every operation of a 13 MB spec parses its paths a few times over at
    C speed instead of composing the document."""

    def __init__(self, text: str, path: str):
        self.text = text
        self.path = path
        self.index = LineIndex(text, path)
        self._root = _skip_ws(text, 0)
        self._members: dict[int, dict[Step, _Member]] = {}

    def _scan(self, start: int) -> dict[Step, _Member]:
        cached = self._members.get(start)
        if cached is None:
            cached = {}
            # Text the json module accepted does not raise here; if it did, keep what was found.
            with contextlib.suppress(ValueError, IndexError, RecursionError):
                self._scan_into(start, cached)
            self._members[start] = cached
        return cached

    def _scan_into(self, start: int, out: dict[Step, _Member]) -> None:
        text = self.text
        opener = text[start : start + 1]
        if opener not in ("{", "["):
            return
        closer = "}" if opener == "{" else "]"
        i = _skip_ws(text, start + 1)
        n = 0
        while i < len(text) and text[i] != closer:
            key: tuple[int, int] | None = None
            step: Step = n
            if opener == "{":
                step, key_end = scanstring(text, i + 1)
                key = (i, key_end)
                i = _skip_ws(text, _skip_ws(text, key_end) + 1)  # past the ':'
            _, end = _DECODER.raw_decode(text, i)
            out[step] = (key, (i, end))  # a repeated key: the last wins, as in json.loads
            n += 1
            i = _skip_ws(text, end)
            if text[i : i + 1] != ",":
                return
            i = _skip_ws(text, i + 1)

    def _find(self, steps: Sequence[Step]) -> _Member | None:
        member: _Member = (None, (self._root, self._root))
        for step in steps:
            found = self._scan(member[1][0]).get(step)
            if found is None:
                return None
            member = found
        return member

    def _loc(self, span: tuple[int, int]) -> Location:
        if self.text[span[0] : span[0] + 1] in ("{", "["):
            line, col = self.index.position(span[0])
            return Location(self.path, line, col)
        return self.index.location(*span)

    def key(self, steps: Sequence[Step]) -> Location | None:
        found = self._find(steps)
        return None if found is None else self._loc(found[0] or found[1])

    def value(self, steps: Sequence[Step]) -> Location | None:
        found = self._find(steps)
        return None if found is None else self._loc(found[1])

    def start(self) -> Location:
        line, col = self.index.position(self._root)
        return Location(self.path, line, col)


# ---------------------------------------------------------------------------------------------
# YAML nodes → plain data


Members = dict[str, tuple[Node, Node]]


def mapping_members(node: MappingNode, memo: dict[int, Members], depth: int = 0) -> Members:
    """key → (key node, value node) of a mapping with `<<` merges applied; a later key wins,
    as does an explicit key over a merged one. Keys are the scalar's text (`200:` is the key
    "200", as in JSON); non-scalar keys are dropped. Memoised per node, so a merge bomb (each
    mapping merging the previous one many times) costs its size, not its expansion."""
    found = memo.get(id(node))
    if found is not None:
        return found
    memo[id(node)] = {}  # a mapping that merges itself sees itself empty
    out: Members = {}
    own: Members = {}
    for k, v in node.value:
        if not isinstance(k, ScalarNode):
            continue
        if str(k.tag) == _MERGE_TAG and depth < MAX_MERGE_DEPTH:
            sources = v.value if isinstance(v, SequenceNode) else [v]
            for src in reversed(sources):  # earlier sources take precedence
                if isinstance(src, MappingNode):
                    out.update(mapping_members(src, memo, depth + 1))
        else:
            own[k.value] = (k, v)
    out.update(own)
    memo[id(node)] = out
    return out


def yaml_to_data(root: Node) -> tuple[Any, bool]:
    """Plain data from composed nodes: scalars typed by their resolved tag, mapping keys as text.
    An alias becomes the same Python object as its anchor (linear in the text, whatever the
    aliases expand to). Returns (data, whether any container is shared)."""
    memo: dict[int, Any] = {}
    members: dict[int, Members] = {}
    shared = False
    holder: list[Any] = [None]
    stack: list[tuple[Node, Any, Step]] = [(root, holder, 0)]
    while stack:
        node, parent, slot = stack.pop()
        if id(node) in memo:
            parent[slot] = memo[id(node)]
            shared = shared or not isinstance(node, ScalarNode)
            continue
        value: Any
        if isinstance(node, MappingNode):
            value = {}
            for key, (_, child) in mapping_members(node, members).items():
                value[key] = None  # keeps document order; filled below
                stack.append((child, value, key))
        elif isinstance(node, SequenceNode):
            value = [None] * len(node.value)
            stack.extend((child, value, i) for i, child in enumerate(node.value))
        else:
            value = _scalar(node)
        memo[id(node)] = value
        parent[slot] = value
    return holder[0], shared


def _scalar(node: Node) -> Any:
    text = node.value if isinstance(node.value, str) else ""
    kind = str(node.tag).rpartition(":")[2]
    try:
        if kind == "int":
            digits = text.replace("_", "")
            try:
                return int(digits, 0)
            except ValueError:
                return int(digits, 10)  # YAML 1.2 reads 017 as seventeen
        if kind == "float":
            low = text.lower().replace("_", "")
            if low.lstrip("+-") in (".inf", ".nan"):
                return float(low.replace(".", ""))
            return float(low)
    except ValueError:
        return text
    if kind == "bool":
        return text.lower() in ("true", "yes", "on", "y")
    if kind == "null":
        return None
    return text


def _node_count(root: Node) -> int:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(_children(node))
    return len(seen)


def _expanded_size(root: Node) -> int:
    """How many nodes the document has once aliases are expanded; a huge number for a cycle.
    Post-order with memo, so alias bombs cost their node count, not their expansion."""
    limit = 1 << 40
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            on_path.discard(id(node))
            size[id(node)] = min(limit, 1 + sum(size.get(id(c), limit) for c in _children(node)))
        elif id(node) in on_path:
            return limit  # a recursive alias
        elif id(node) not in size:
            on_path.add(id(node))
            stack.append((node, True))
            for child in _children(node):
                if id(child) in on_path:
                    return limit
                if id(child) not in size:
                    stack.append((child, False))
    return size[id(root)]


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, MappingNode):
        for k, v in node.value:
            yield k
            yield v
    elif isinstance(node, SequenceNode):
        yield from node.value


# ---------------------------------------------------------------------------------------------
# The spec


class Spec:
    """The document's data, its locator, and local `$ref` resolution."""

    def __init__(self, data: dict[str, Any], locator: Locator):
        self.data = data
        self.locator = locator

    def pointer(self, ref: str) -> Steps | None:
        """Key path of a local `#/a/b~1c` reference; None for anything not local."""
        if not ref.startswith("#"):
            return None
        body = unquote(ref[1:])
        if not body:
            return ()
        if not body.startswith("/"):
            return None  # a plain-name fragment ($anchor): not followed
        return tuple(s.replace("~1", "/").replace("~0", "~") for s in body[1:].split("/"))

    def at(self, steps: Sequence[Step]) -> Any:
        return self.walk(steps)[0]

    def walk(self, steps: Sequence[Step]) -> tuple[Any, Steps]:
        """The value at `steps` (None if there is none) and the steps with array indexes as
        ints (a JSON pointer spells them as text)."""
        node: Any = self.data
        typed: list[Step] = []
        for step in steps:
            if isinstance(node, dict) and isinstance(step, str):
                node = node.get(step)
            elif isinstance(node, list):
                step = step if isinstance(step, int) else int(step) if step.isdigit() else -1
                node = node[step] if 0 <= step < len(node) else None
            else:
                node = None
            typed.append(step)
        return node, tuple(typed)

    def deref(self, value: Any, steps: Steps) -> tuple[Any, Steps]:
        """Follow local `$ref`s from `value` (found at `steps`): the target and its key path.
        A remote, dangling or cyclic reference gives (None, steps of the last reference)."""
        seen: set[Steps] = set()
        for _ in range(MAX_REF_HOPS):
            ref = value.get("$ref") if isinstance(value, dict) else None
            if not isinstance(ref, str):
                return value, steps
            target = self.pointer(ref)
            if target is None or target in seen:
                return None, steps
            seen.add(target)
            value, steps = self.walk(target)
        return None, steps

    def real_steps(self, steps: Sequence[Step]) -> Steps:
        """The key path where a path that runs through `$ref`s is actually written (validator
        paths walk through references; locations must point into the referenced component).
        Steps past what exists are kept, for `Locator.nearest` to fall back on."""
        out: Steps = ()
        node: Any = self.data
        for i, step in enumerate(steps):
            child = _child(node, step)
            if child is _MISSING and isinstance(node, dict) and "$ref" in node:
                target, where = self.deref(node, out)
                if target is not None:
                    node, out = target, where
                    child = _child(node, step)
            if child is _MISSING:
                return (*out, *steps[i:])
            node, out = child, (*out, step)
        return out


_MISSING = object()


def _child(node: Any, step: Step) -> Any:
    if isinstance(node, dict) and isinstance(step, str) and step in node:
        return node[step]
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return _MISSING


# ---------------------------------------------------------------------------------------------
# Facts


def read_spec(data: dict[str, Any], locator: Locator, size: int, validate: bool) -> OpenApiFacts:
    """Facts of one OpenAPI document; `validate` False skips ARC002 validation (alias bombs)."""
    spec = Spec(data, locator)
    version = _text(data.get("openapi", data.get("swagger")))
    swagger = "openapi" not in data
    info = data.get("info")
    title = _text(info.get("title")) if isinstance(info, dict) else ""
    servers = _swagger_servers(data) if swagger else _servers(data.get("servers"))
    remote = _remote_refs(spec)
    problems: tuple[tuple[str, Location], ...] = ()
    if validate and size <= MAX_VALIDATE_CHARS:
        problems = _problems(spec, swagger, bool(remote))
    return OpenApiFacts(
        version=version,
        title=title,
        servers=servers,
        operations=tuple(_operations(spec, swagger)),
        remote_refs=remote,
        problems=problems,
    )


def _text(value: Any) -> str:
    """A scalar as text (`openapi: 3.0` is a float in YAML); anything else as ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _servers(servers: Any) -> tuple[str, ...]:
    """Server URLs with their variables replaced by their defaults."""
    if not isinstance(servers, list):
        return ()
    return tuple(url for url in map(_server_url, servers) if url is not None)


def _server_url(server: Any) -> str | None:
    if not isinstance(server, dict) or not isinstance(server.get("url"), str):
        return None
    url: str = server["url"]
    variables = server.get("variables")
    if isinstance(variables, dict):
        for name, var in variables.items():
            default = var.get("default") if isinstance(var, dict) else None
            if isinstance(default, str):
                url = url.replace("{" + name + "}", default)
    return url


def _swagger_servers(data: dict[str, Any]) -> tuple[str, ...]:
    host = _text(data.get("host"))
    base = _text(data.get("basePath"))
    if not host:
        return (base,) if base else ()
    schemes = data.get("schemes")
    names = [s for s in schemes if isinstance(s, str)] if isinstance(schemes, list) else []
    return tuple(f"{scheme}://{host}{base}" for scheme in names or ["https"])


def url_path(url: str) -> str:
    """The path part of a server URL, without a trailing slash: `https://x.com/v1/` → `/v1`.
    `api.x.com/v1` (a host without a scheme, a common slip) counts as a host."""
    url = url.split("?", 1)[0].split("#", 1)[0]
    if "://" in url or url.startswith("//"):
        try:
            path = urlsplit(url).path
        except ValueError:  # e.g. an unclosed IPv6 bracket
            return ""
    elif url.startswith("/"):
        path = url
    else:
        first, _, rest = url.partition("/")
        path = "/" + rest if "." in first or ":" in first else "/" + url
    return path.rstrip("/")


def _join(prefix: str, key: str) -> str:
    if not key.startswith("/"):
        key = "/" + key
    return prefix + key


def _operations(spec: Spec, swagger: bool) -> Iterator[OpenApiOperation]:
    data = spec.data
    paths = data.get("paths")
    if not isinstance(paths, dict):
        return
    root_prefix = url_path(_text(data.get("basePath"))) if swagger else _first_server_path(data)
    for raw_path, raw_item in paths.items():
        if raw_path.startswith("x-"):
            continue
        item, item_steps = spec.deref(raw_item, ("paths", raw_path))
        if not isinstance(item, dict):
            continue
        shared = _parameters(spec, item.get("parameters"), (*item_steps, "parameters"))
        item_prefix = root_prefix if swagger else _first_server_path(item, root_prefix)
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                steps = (*item_steps, method)
                prefix = item_prefix if swagger else _first_server_path(op, item_prefix)
                yield _operation(
                    spec, swagger, op, steps, raw_path, _join(prefix, raw_path), shared
                )


def _first_server_path(obj: dict[str, Any], default: str = "") -> str:
    """Path prefix from an object's own `servers` (root, path item or operation)."""
    servers = _servers(obj.get("servers"))
    return url_path(servers[0]) if servers else default


def _operation(
    spec: Spec,
    swagger: bool,
    op: dict[str, Any],
    steps: Steps,
    raw_path: str,
    full_path: str,
    shared: dict[tuple[str, str], OpenApiParameter],
) -> OpenApiOperation:
    params = {**shared, **_parameters(spec, op.get("parameters"), (*steps, "parameters"))}
    shape, max_items, headers = _success(spec, swagger, op.get("responses"), (*steps, "responses"))
    security = op["security"] if "security" in op else spec.data.get("security")
    return OpenApiOperation(
        method=str(steps[-1]).upper(),
        path=full_path,
        raw_path=raw_path,
        operation_id=_text(op.get("operationId")),
        location=spec.locator.key(steps) or spec.locator.start(),
        parameters=tuple(params.values()),
        response_shape=shape,
        max_items=max_items,
        response_headers=headers,
        secured=_secured(security),
    )


def _secured(security: Any) -> bool:
    """Every alternative requires something: `[{}]` (anonymous allowed) and `[]` are open."""
    return (
        isinstance(security, list)
        and bool(security)
        and all(isinstance(req, dict) and req for req in security)
    )


def _parameters(spec: Spec, items: Any, steps: Steps) -> dict[tuple[str, str], OpenApiParameter]:
    """Parameters by (name, in), each located where this list names it: its `name` value, or
    the `$ref` value for a shared parameter."""
    out: dict[tuple[str, str], OpenApiParameter] = {}
    if not isinstance(items, list):
        return out
    for i, item in enumerate(items):
        param, _ = spec.deref(item, (*steps, i))
        if not isinstance(param, dict):
            continue
        name, where = param.get("name"), param.get("in")
        if not isinstance(name, str) or not isinstance(where, str):
            continue
        own = (*steps, i)
        field = "$ref" if isinstance(item, dict) and "$ref" in item else "name"
        loc = spec.locator.value((*own, field)) or spec.locator.nearest(own)
        required = where == "path" or param.get("required") is True
        out[(name, where)] = OpenApiParameter(name, where, required, loc)
    return out


def _success(
    spec: Spec, swagger: bool, responses: Any, steps: Steps
) -> tuple[str, int | None, tuple[str, ...]]:
    """Shape, maxItems and header names of the success response."""
    response = _success_response(spec, responses, steps)
    if response is None:
        return "", None, ()
    raw_headers = response.get("headers")
    headers = tuple(raw_headers) if isinstance(raw_headers, dict) else ()
    has_body, schema = _body_schema(response, swagger)
    shape, max_items = response_shape(spec, schema) if has_body else ("", None)
    return shape, max_items, headers


def _success_response(spec: Spec, responses: Any, steps: Steps) -> dict[str, Any] | None:
    """The lowest 2xx response (then `2XX`), else `default`; local $refs followed."""
    if not isinstance(responses, dict):
        return None
    codes = sorted(k for k in responses if _TWO_XX.fullmatch(k))
    ranges = [k for k in responses if k.upper() == "2XX"]
    key = (codes or ranges or [k for k in responses if k == "default"] or [None])[0]
    if key is None:
        return None
    response, _ = spec.deref(responses[key], (*steps, key))
    return response if isinstance(response, dict) else None


def _body_schema(response: dict[str, Any], swagger: bool) -> tuple[bool, Any]:
    """(whether the response has a body, its schema)."""
    if swagger:
        return "schema" in response, response.get("schema")
    content = response.get("content")
    if not isinstance(content, dict) or not content:
        return False, None
    json_types = [v for k, v in content.items() if "json" in k.lower()]
    media = content.get("application/json") or (json_types or list(content.values()))[0]
    return True, media.get("schema") if isinstance(media, dict) else None


def response_shape(spec: Spec, schema: Any) -> tuple[str, int | None]:
    """array | wrapped-array (a list envelope such as `{data: [...]}`) | paged-array (an
    envelope with paging data: `{items: [...], next: ...}`) | object | other, and the array's
    maxItems."""
    resolved = _schema(spec, schema)
    if resolved is None:
        return "other", None
    if _has_type(resolved, "array", "items"):
        return "array", _max_items(resolved)
    properties = _properties(spec, resolved)
    if not _has_type(resolved, "object", "properties") and not properties:
        return "other", None
    paged = any(_norm(name) in _PAGINATION_FIELDS for name in properties)
    for name, prop in properties.items():
        inner = _schema(spec, prop)
        if inner is None or not _has_type(inner, "array", "items"):
            continue
        if paged:
            return "paged-array", _max_items(inner)
        if len(properties) == 1 or _norm(name) in _ENVELOPE_FIELDS:
            return "wrapped-array", _max_items(inner)
    return "object", None


# A resource with an array field (`tags`, `tools`) is not a list: an array property counts as a
# list envelope when it is the only property, has a collection name, or sits next to paging data.
_ENVELOPE_FIELDS = frozenset(
    [
        "data",
        "items",
        "results",
        "records",
        "entries",
        "values",
        "list",
        "objects",
        "elements",
        "nodes",
        "edges",
        "hits",
        "rows",
        "content",
        "resources",
    ]
)
_PAGINATION_FIELDS = frozenset(
    [
        "next",
        "nextpage",
        "nextcursor",
        "nextpagetoken",
        "nexttoken",
        "nextlink",
        "cursor",
        "hasmore",
        "total",
        "totalcount",
        "totalitems",
        "totalpages",
        "count",
        "page",
        "pagesize",
        "perpage",
        "links",
        "offset",
        "limit",
        "previous",
        "prev",
        "pagination",
    ]
)


def _norm(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _schema(spec: Spec, schema: Any) -> dict[str, Any] | None:
    """A schema with local $refs followed and single-element `allOf` wrappers unwrapped."""
    for _ in range(MAX_SHAPE_DEPTH):
        schema, _steps = spec.deref(schema, ())
        if not isinstance(schema, dict):
            return None
        all_of = schema.get("allOf")
        if (
            isinstance(all_of, list)
            and len(all_of) == 1
            and "type" not in schema
            and "properties" not in schema
        ):
            schema = all_of[0]
            continue
        return schema
    return None


def _has_type(schema: dict[str, Any], name: str, hint: str) -> bool:
    kind = schema.get("type")
    if isinstance(kind, list):  # 3.1: type: [array, "null"]
        return name in kind
    return kind == name or (kind is None and hint in schema)


def _properties(spec: Spec, schema: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """Own properties plus those of `allOf` members (a common way to extend a list envelope)."""
    out: dict[str, Any] = {}
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and depth < MAX_SHAPE_DEPTH:
        for member in all_of:
            resolved = _schema(spec, member)
            if resolved is not None:
                out.update(_properties(spec, resolved, depth + 1))
    own = schema.get("properties")
    if isinstance(own, dict):
        out.update(own)
    return out


def _max_items(schema: dict[str, Any]) -> int | None:
    value = schema.get("maxItems")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# Values of these keys are data (examples, defaults), not document structure: a `$ref` key in
# them is not a reference.
_DATA_KEYS = frozenset({"example", "default", "enum", "const"})


def _remote_refs(spec: Spec) -> tuple[tuple[str, Location], ...]:
    """`$ref`s that are not local (`other.yaml#/X`, `https://…`), in document order."""
    found: list[tuple[str, Steps]] = []
    seen: set[int] = set()
    stack: list[tuple[Any, Steps]] = [(spec.data, ())]
    while stack and len(found) < MAX_REMOTE_REFS:
        node, steps = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        children: list[tuple[Any, Steps]]
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                found.append((ref, (*steps, "$ref")))
            children = [
                (v, (*steps, k))
                for k, v in node.items()
                if isinstance(v, dict | list) and k not in _DATA_KEYS
            ]
        else:
            children = [(v, (*steps, i)) for i, v in enumerate(node) if isinstance(v, dict | list)]
        stack.extend(reversed(children))
    locate = spec.locator
    return tuple((ref, locate.value(steps) or locate.nearest(steps)) for ref, steps in found)


# ---------------------------------------------------------------------------------------------
# Validation (ARC002)
#
# openapi-spec-validator runs in two phases, which archlint drives separately:
#   1. structure: the document against the OpenAPI meta-schema (jsonschema). The document's own
#      `$ref`s are not followed here; archlint builds this validator with a registry of the
#      JSON Schema meta-schemas only, so nothing unknown is ever retrieved.
#   2. semantics: the library's keyword validators (duplicate operationIds, path parameters
#      missing from the path, each schema against its dialect, defaults against schemas). They
#      walk `$ref`s through jsonschema-path, here given handlers that refuse every URI scheme:
#      without them it would open files and URLs (and even with an empty handler table it falls
#      back to urlopen). Phase 2 runs only on a structurally valid document without remote refs.
# Any exception inside the library (RecursionError on `$ref` cycles, unresolvable refs) ends
# validation with the problems found so far.

MAX_PROBLEMS = 50
# Validation costs 0.4-4 s per MB, by how schema-heavy a document is (measured: Stripe 4 MB
# 4 s, OpenAI 3 MB 11 s, GitHub 13 MB 19 s), against 0.2-0.4 s to read the facts of each of
# them; larger documents are read but not validated. Results are cached by content.
MAX_VALIDATE_CHARS = 1_000_000
_FAMILIES = {"2.0": "2.0", "3.0": "3.0", "3.1": "3.1", "3.2": "3.2"}


def _family(data: dict[str, Any], swagger: bool) -> str | None:
    version = _text(data.get("swagger" if swagger else "openapi"))
    if swagger:
        return "2.0" if version == "2.0" else None
    return _FAMILIES.get(version[:3]) if version.startswith("3.") else None


def _problems(spec: Spec, swagger: bool, has_remote: bool) -> tuple[tuple[str, Location], ...]:
    family = _family(spec.data, swagger)
    key = "swagger" if swagger else "openapi"
    if family is None:
        version = _clip(_text(spec.data.get(key)), 20)
        return (
            (
                f"{key}: unsupported version '{version}' (archlint reads Swagger 2.0 and "
                "OpenAPI 3.0, 3.1 and 3.2); the document was not validated",
                spec.locator.value((key,)) or spec.locator.start(),
            ),
        )
    structure: list[tuple[str, Steps]] = []
    _collect(structure, _structure_errors(spec.data, family))
    semantic: list[tuple[str, Steps]] = []
    if not structure and not has_remote:
        _collect(semantic, _semantic_errors(spec.data, family))
    out: dict[tuple[str, Location], None] = {}
    for message, steps in structure:
        out[_located(spec, message, spec.real_steps(steps))] = None
    for message, steps in semantic:
        # The keyword validators report on the schema or object a `$ref` leads to.
        real = spec.real_steps(steps)
        out[_located(spec, message, spec.deref(spec.at(real), real)[1])] = None
    return tuple(sorted(out, key=lambda p: (p[1].line, p[1].column, p[0])))


def _located(spec: Spec, message: str, steps: Steps) -> tuple[str, Location]:
    text = f"{dotted(steps)}: {message}" if steps else message
    # A wrong value is shown at the value, anything else at its key.
    scalar = not isinstance(spec.at(steps), dict | list)
    loc = (spec.locator.value(steps) if scalar and steps else None) or spec.locator.nearest(steps)
    return _clip(text, 300), loc


def _collect(found: list[tuple[str, Steps]], errors: Iterator[tuple[str, Steps]]) -> None:
    try:
        for error in errors:
            found.append(error)
            if len(found) >= MAX_PROBLEMS:
                return
    except Exception:  # the library's own failures on hostile input end validation, not the run
        return


def _structure_errors(data: dict[str, Any], family: str) -> Iterator[tuple[str, Steps]]:
    for error in _meta_validator(family).iter_errors(data):
        yield from explain(error)


_CHOICE = ("oneOf", "anyOf")
_PICKS = ("enum", "const")


def explain(error: Any, depth: int = 0) -> list[tuple[str, Steps]]:
    """Messages for one meta-schema error. A failed oneOf / anyOf is explained by the branch the
    document meant: not a `$ref` branch for an object without `$ref`, and the branch whose
    discriminating value (a parameter's `in`, a security scheme's `type`) matched."""
    where = _steps(error.absolute_path)
    if error.validator not in _CHOICE or not error.context or depth > 8:
        return [(describe(error), where)]
    branches: dict[Any, list[Any]] = {}
    for sub in error.context:
        branch = sub.relative_schema_path[0] if sub.relative_schema_path else None
        branches.setdefault(branch, []).append(sub)
    candidates = list(branches.values())
    if isinstance(error.instance, dict) and "$ref" not in error.instance:
        candidates = [errs for errs in candidates if not any(_wants_ref(e) for e in errs)]
    picks = Counter(
        _steps(e.relative_path) for errs in candidates for e in errs if e.validator in _PICKS
    )
    if picks:
        key = picks.most_common(1)[0][0]
        matched = [
            errs
            for errs in candidates
            if not any(e.validator in _PICKS and _steps(e.relative_path) == key for e in errs)
        ]
        if not matched:
            allowed = [_allowed(e) for errs in candidates for e in errs if e.validator in _PICKS]
            values = ", ".join(dict.fromkeys(repr(v) for vs in allowed for v in vs))
            return [("must be one of " + _clip(values, 120), (*where, *key))]
        candidates = matched
    if len(candidates) == 1:
        return [m for sub in candidates[0] for m in explain(sub, depth + 1)]
    if candidates and all(e.validator == "required" for errs in candidates for e in errs):
        names = [str(e.message).split(" is a required property")[0] for c in candidates for e in c]
        return [("needs one of " + ", ".join(dict.fromkeys(names)), where)]
    return [(describe(error), where)]


def _wants_ref(error: Any) -> bool:
    return error.validator == "required" and "$ref" in (error.validator_value or ())


def _allowed(error: Any) -> list[Any]:
    value = error.validator_value
    if error.validator == "enum":
        return list(value) if isinstance(value, list) else []
    return [value]


def _semantic_errors(data: dict[str, Any], family: str) -> Iterator[tuple[str, Steps]]:
    from jsonschema_path import SchemaPath

    root = SchemaPath.from_dict(data, base_uri="", handlers=_RefuseAll())
    registry = _registry_class()(_keyword_validators(family))
    for error in registry["__root__"](root):
        yield describe(error), getattr(error, "archlint_steps", ())


def _steps(path: Any) -> Steps:
    return tuple(p for p in path if isinstance(p, str | int))


_META_VALIDATORS: dict[str, Any] = {}


def _meta_validator(family: str) -> Any:
    validator = _META_VALIDATORS.get(family)
    if validator is None:
        from importlib.resources import files

        from jsonschema.validators import validator_for  # type: ignore[import-untyped]
        from jsonschema_specifications import REGISTRY  # type: ignore[import-untyped]

        # Read from the package's files directly: the library's own loader goes through
        # urllib (a file:// URL), and archlint opens no URL at all.
        resource = files("openapi_spec_validator") / f"resources/schemas/v{family}/schema.json"
        schema = json.loads(resource.read_text(encoding="utf-8"))
        # REGISTRY holds the JSON Schema meta-schemas and has no `retrieve`: a reference to
        # anything else fails instead of being fetched (jsonschema's default would fetch it).
        validator = validator_for(schema)(schema, registry=REGISTRY)
        _META_VALIDATORS[family] = validator
    return validator


class _RefuseAll(dict[str, Any]):
    """jsonschema-path handlers that claim every URI scheme and open none."""

    def __contains__(self, scheme: object) -> bool:
        return True

    def __missing__(self, scheme: str) -> Any:
        return _refuse


def _refuse(uri: str) -> Any:
    raise OSError(f"archlint does not follow remote references ({_clip(uri, 80)})")


def _keyword_validators(family: str) -> Any:
    from openapi_spec_validator import validation as v

    classes: dict[str, Any] = {
        "2.0": v.OpenAPIV2SpecValidator,
        "3.0": v.OpenAPIV30SpecValidator,
        "3.1": v.OpenAPIV31SpecValidator,
        "3.2": v.OpenAPIV32SpecValidator,
    }
    return classes[family].keyword_validators


_LOCATING: dict[tuple[type, str], type] = {}
_REGISTRY_CLASS: list[type] = []


def _registry_class() -> Any:
    """A keyword-validator registry whose validators tag each error with the document path
    they were checking (the library's own errors carry none, or one relative to a schema)."""
    if not _REGISTRY_CLASS:
        from openapi_spec_validator.validation.registries import KeywordValidatorRegistry

        class LocatingRegistry(KeywordValidatorRegistry):
            def __missing__(self, keyword: str) -> Any:
                if keyword not in self.keyword_validators:
                    raise KeyError(keyword)
                validator = _locating(self.keyword_validators[keyword], keyword)(self)
                self[keyword] = validator
                return validator

        _REGISTRY_CLASS.append(LocatingRegistry)
    return _REGISTRY_CLASS[0]


def _locating(cls: type, keyword: str) -> type:
    key = (cls, keyword)
    if key not in _LOCATING:
        from jsonschema_path import SchemaPath

        call = cls.__call__

        def __call__(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            where = next((a for a in args if isinstance(a, SchemaPath)), None)
            for error in call(self, *args, **kwargs):
                if where is not None and getattr(error, "archlint_steps", None) is None:
                    # Errors of a schema's meta-check are relative to the schema; a default's
                    # errors are relative to the `default` value under it.
                    inner = _steps(error.path) if keyword in ("schema", "default") else ()
                    extra = ("default", *inner) if keyword == "default" else inner
                    error.archlint_steps = (*_steps(where.parts), *extra)
                yield error

        _LOCATING[key] = type(f"Locating{cls.__name__}", (cls,), {"__call__": __call__})
    return _LOCATING[key]


def describe(error: Any) -> str:
    """A short message for a validation error that never quotes a document value: values may
    be long, and an `example` may hold a secret. Key names and schema keywords are shown."""
    keyword = error.validator if isinstance(error.validator, str) else ""
    expected = error.validator_value
    instance = error.instance
    if keyword == "type":
        names = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return f"expected {names}, found {kind(instance)}"
    if keyword == "enum" and isinstance(expected, list):
        return "must be one of " + _clip(", ".join(map(repr, expected)), 120)
    if keyword == "const":
        return "must be " + _clip(repr(expected), 60)
    if keyword == "pattern":
        return f"{kind(instance)} does not match the pattern {_clip(repr(expected), 60)}"
    if keyword == "format":
        return f"{kind(instance)} is not a valid {expected}"
    if keyword in ("oneOf", "anyOf"):
        return f"{kind(instance)} matches none of the allowed forms"
    if keyword == "uniqueItems":
        return "items must be unique"
    message = str(error.message)
    if instance is not None and not isinstance(instance, bool | int | float):
        shown = repr(instance)
        if len(shown) > 3 and shown in message:
            message = message.replace(shown, kind(instance))
    return _clip(message, 200)


def kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else "a value"


def dotted(steps: Sequence[Step]) -> str:
    """`paths./users.get.parameters[0]`."""
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else ("." if out else "") + _clip(step, 60)
    return out


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
