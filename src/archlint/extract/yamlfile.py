"""YAML reader for compose, Kubernetes, OpenAPI and other YAML config.

Documents are *composed* (a node graph with line marks) with ruamel's libyaml-backed parser and
never *constructed*: no tag is ever instantiated (so `!!python/object` is inert), and aliases stay
shared nodes that the walk visits once (so a billion-laughs document costs what its text costs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from archlint.model import FileKind, Location, NamedValue, ParseProblem
from archlint.positions import LineIndex

# Keys under which a mapping holds environment variables (compose, k8s ConfigMap/Secret, CI files).
_ENV_PARENTS = {"environment", "env", "data", "stringdata", "variables", "vars", "secrets"}


@dataclass
class YamlFacts:
    named_values: list[NamedValue] = field(default_factory=list)
    documents: int = 0
    top_keys: set[str] = field(default_factory=set)
    kubernetes: bool = False
    problem: ParseProblem | None = None
    nodes: list[Node] = field(default_factory=list)  # the composed documents, for fact readers


def _new_yaml(text: str = "") -> YAML:
    # ruamel's C composer recurses in C, unchecked: a document nested ~10,000 deep overflows the
    # stack and kills the process. Such text goes to the pure-Python composer, whose recursion
    # ends in a RecursionError (reported as "nests too deeply").
    return YAML(typ="safe", pure=_nesting_estimate(text) > _C_PARSER_MAX_DEPTH)


_C_PARSER_MAX_DEPTH = 1000
_DASH_RUN = re.compile(r"(?:[-?][ \t]+){100,}")  # "- - - - x": a sequence in a sequence in …
_DEEP_INDENT = re.compile(r"^[ \t]{100,}", re.MULTILINE)
_BRACKET = re.compile(r"[\[\]{}]")


def _nesting_estimate(text: str) -> int:
    """An upper bound of how deep the documents in `text` nest (flow brackets + the longest run
    of `- ` on a line + the deepest indentation), in linear time; cheap for ordinary files."""
    total = 0
    brackets = text.count("[") + text.count("{")
    if brackets > 100:
        depth = deepest = 0
        for m in _BRACKET.finditer(text):
            depth = depth + 1 if m.group() in "[{" else max(depth - 1, 0)
            deepest = max(deepest, depth)
        total += deepest
    total += max((len(m.group()) // 2 for m in _DASH_RUN.finditer(text)), default=0)
    total += max((len(m.group()) for m in _DEEP_INDENT.finditer(text)), default=0)
    return total


def _scalar(node: Node) -> str | None:
    if isinstance(node, ScalarNode) and isinstance(node.value, str):
        return node.value
    return None


def _loc(path: str, node: Node) -> Location:
    start, end = node.start_mark, node.end_mark
    return Location(path, start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _is_plain_text(node: ScalarNode) -> bool:
    # Plain (unquoted) scalars that YAML resolves to bool/int/float/null are not strings.
    return node.tag is None or node.tag.endswith(":str") or node.tag == "tag:yaml.org,2002:str"


_TEMPLATE = re.compile(
    r"\{\{-?\s*(?:\.|include\b|template\b|if\b|range\b|with\b|end\b|toYaml\b|\$)"
)


def read_yaml(text: str, path: str) -> YamlFacts:
    """Compose every document; collect named scalar values and what the documents look like."""
    facts = YamlFacts()
    try:
        documents = list(_new_yaml(text).compose_all(text))
    except MarkedYAMLError as exc:
        if _TEMPLATE.search(text):
            # A Helm / Go template (`{{- include "x" . | nindent 4 }}`) is YAML only once
            # rendered: skipped without a finding; the rendered manifests are what to check.
            return facts
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        # The problem text only (e.g. "found character '\t' that cannot start any token"), never
        # the snippet ruamel appends: it quotes the source line, which may hold a secret.
        what = exc.problem or exc.context or "invalid YAML"
        facts.problem = ParseProblem(f"YAML syntax error: {what}", Location(path, line, col))
        facts.named_values = _line_pairs(text, path)
        return facts
    except RecursionError:
        facts.problem = ParseProblem("YAML nests too deeply to parse", Location(path, 1))
        return facts
    except (YAMLError, ValueError, UnicodeError) as exc:
        facts.problem = ParseProblem(
            f"YAML could not be parsed: {type(exc).__name__}", Location(path, 1)
        )
        return facts
    facts.documents = len(documents)
    facts.nodes = [d for d in documents if d is not None]
    for doc in documents:
        if isinstance(doc, MappingNode):
            keys = {k for k, _ in ((_scalar(k), v) for k, v in doc.value) if k}
            facts.top_keys |= keys
            if "apiVersion" in keys and "kind" in keys:
                facts.kubernetes = True
        _walk(doc, path, facts.named_values)
    return facts


# `key: value` on one line, for YAML that could not be composed; a quoted value without its quotes.
_LINE_PAIR_RE = re.compile(
    r"""^[ \t-]*([A-Za-z_][\w.-]*)[ \t]*:[ \t]+(?:"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'|([^\s#'"{\[][^\n]*))""",
    re.M,
)
_COMMENT_RE = re.compile(r"[ \t]#")


def _line_pairs(text: str, path: str) -> list[NamedValue]:
    """Named values of a YAML file that failed to parse, from a line scan: a secret in a broken
    file is still found (and so masked wherever the file is shown)."""
    pos = LineIndex(text, path)
    out: list[NamedValue] = []
    for m in _LINE_PAIR_RE.finditer(text):
        group = next(g for g in (2, 3, 4) if m.group(g) is not None)
        value = m.group(group)
        if group == 4:  # plain: up to a comment, without trailing blanks (trimmed here, not by
            # the pattern, which would backtrack quadratically over a long run of blanks)
            comment = _COMMENT_RE.search(value)
            value = (value[: comment.start()] if comment else value).rstrip(" \t")
        start = m.start(group)
        out.append(NamedValue(m.group(1), value, pos.location(start, start + len(value)), "config"))
    return out


def _walk(root: Node | None, path: str, out: list[NamedValue]) -> None:
    """Iterative walk (no recursion limit), visiting each shared node once."""
    if root is None:
        return
    seen: set[int] = set()
    stack: list[tuple[Node, str]] = [(root, "")]
    while stack:
        node, parent_key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            pairs = node.value
            named = _name_value_pair(pairs)
            if named is not None:
                name, value_node = named
                if _is_plain_text(value_node):
                    out.append(NamedValue(name, value_node.value, _loc(path, value_node), "env"))
            for key_node, value_node in pairs:
                key = _scalar(key_node) or ""
                if isinstance(value_node, ScalarNode):
                    if key and key != "value" and _is_plain_text(value_node):
                        context = "env" if parent_key.lower() in _ENV_PARENTS else "config"
                        out.append(
                            NamedValue(key, value_node.value, _loc(path, value_node), context)
                        )
                else:
                    stack.append((value_node, key))
        elif isinstance(node, SequenceNode):
            for item in node.value:
                if (
                    isinstance(item, ScalarNode)
                    and parent_key.lower() in _ENV_PARENTS
                    and "=" in item.value
                ):
                    # compose: environment: ["KEY=value"]
                    key, _, value = item.value.partition("=")
                    loc = _loc(path, item)
                    offset = len(key) + 1 + (1 if item.style in ("'", '"') else 0)
                    loc = Location(
                        path, loc.line, loc.column + offset, loc.end_line, loc.end_column
                    )
                    out.append(NamedValue(key.strip(), value, loc, "env"))
                elif not isinstance(item, ScalarNode):
                    stack.append((item, parent_key))


def _name_value_pair(pairs: list[tuple[Node, Node]]) -> tuple[str, ScalarNode] | None:
    """Kubernetes / ECS style `{name: X, value: Y}` entries."""
    name: str | None = None
    value: ScalarNode | None = None
    for key_node, value_node in pairs:
        key = _scalar(key_node)
        if key == "name":
            name = _scalar(value_node)
        elif key == "value" and isinstance(value_node, ScalarNode):
            value = value_node
    if name and value is not None:
        return name, value
    return None


def classify_yaml(facts: YamlFacts, current: FileKind) -> FileKind:
    """Refine a YAML file's kind by what its documents hold (compose stays compose)."""
    if current is FileKind.COMPOSE:
        return current
    if facts.top_keys & {"openapi", "swagger"}:
        return FileKind.OPENAPI
    if facts.kubernetes:
        return FileKind.KUBERNETES
    return current
