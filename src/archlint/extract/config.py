"""Readers for the flat config formats: JSON, TOML, INI/cfg/properties and .env files.

Each checks the file with the format's own parser (for a located ARC001 when it is broken) and
collects `key = "value"` pairs with one linear scan, so values keep exact positions.
"""

from __future__ import annotations

import json
import re
import tomllib

from archlint.model import Location, NamedValue, ParseProblem
from archlint.positions import LineIndex

_JSON_PAIR_RE = re.compile(r'"((?:[^"\\\n]|\\.)*)"\s*:\s*"((?:[^"\\\n]|\\.)*)"')
_TOML_PAIR_RE = re.compile(
    r"""^[ \t]*([A-Za-z0-9_\-."']+)[ \t]*=[ \t]*("(?:[^"\\\n]|\\.)*"|'[^'\n]*')""", re.M
)
_TOML_TABLE_RE = re.compile(r"^[ \t]*\[+([^\]\n]+)\]+", re.M)
# Greedy to the end of the line, trimmed afterwards: a lazy group followed by `[ \t]*` backtracks
# quadratically on a long run of blanks (a 1 MB line would take hours).
_INI_PAIR_RE = re.compile(r"^[ \t]*([^=:#;\[\s][^=:\n]*)[=:][ \t]*([^\n]*)", re.M)
_COMMENT_RE = re.compile(r"[ \t]#")
_DOTENV_RE = re.compile(
    r"""^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*=[ \t]*"""
    # a quoted value may span lines (a PEM key), up to 8 KB: an unclosed quote on each of many
    # lines must not make every line scan to the end of the file
    r"""(?:("(?:[^"\\]|\\.){0,8192}"|'[^']{0,8192}')[ \t]*(?:[ \t]#[^\n]*)?$|([^\n]*))""",
    re.M,
)


def read_json(text: str, path: str) -> tuple[list[NamedValue], ParseProblem | None, object]:
    """Returns (named values, problem, top-level value) — the value classifies OpenAPI files."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # The pairs are still collected: a secret in a broken file is still a secret (and
        # found, it is masked in every code frame).
        return (
            _json_pairs(text, path),
            ParseProblem(f"JSON syntax error: {exc.msg}", Location(path, exc.lineno, exc.colno)),
            None,
        )
    except (RecursionError, ValueError) as exc:
        return (
            _json_pairs(text, path),
            ParseProblem(f"JSON could not be parsed: {type(exc).__name__}", Location(path, 1)),
            None,
        )
    return _json_pairs(text, path), None, data


def _json_pairs(text: str, path: str) -> list[NamedValue]:
    pos = LineIndex(text, path)
    out: list[NamedValue] = []
    for m in _JSON_PAIR_RE.finditer(text):
        try:
            key = json.loads(f'"{m.group(1)}"')
            value = json.loads(f'"{m.group(2)}"')
        except ValueError:
            continue
        out.append(NamedValue(key, value, pos.location(m.start(2) - 1, m.end(2) + 1), "config"))
    return out


def read_toml(text: str, path: str) -> tuple[list[NamedValue], ParseProblem | None]:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
        what = msg[: m.start()].strip() if m else msg
        return _toml_pairs(text, path), ParseProblem(
            f"TOML syntax error: {what}", Location(path, line, col)
        )
    except RecursionError:
        return _toml_pairs(text, path), ParseProblem(
            "TOML nests too deeply to parse", Location(path, 1)
        )
    return _toml_pairs(text, path), None


def _toml_pairs(text: str, path: str) -> list[NamedValue]:
    pos = LineIndex(text, path)
    out: list[NamedValue] = []
    for m in _TOML_PAIR_RE.finditer(text):
        raw = m.group(2)
        if raw.startswith('"'):
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw[1:-1]
        else:
            value = raw[1:-1]
        key = m.group(1).strip("\"'")
        out.append(NamedValue(key, value, pos.location(m.start(2), m.end(2)), "config"))
    return out


def read_ini(text: str, path: str) -> list[NamedValue]:
    """INI, setup.cfg, .properties: lenient by nature, so never a parse problem."""
    pos = LineIndex(text, path)
    out: list[NamedValue] = []
    for m in _INI_PAIR_RE.finditer(text):
        key, value = m.group(1).strip(), m.group(2).rstrip(" \t")
        if not value:
            continue
        start = m.start(2)
        end = start + len(value)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value, start, end = value[1:-1], start + 1, end - 1
        out.append(NamedValue(key, value, pos.location(start, end), "config"))
    return out


def read_dotenv(text: str, path: str) -> tuple[list[NamedValue], ParseProblem | None]:
    """`.env` files as docker compose and python-dotenv read them; the first malformed line is
    reported and the rest of the file is still read."""
    pos = LineIndex(text, path)
    out: list[NamedValue] = []
    problem: ParseProblem | None = None
    covered = 0  # offset up to which a (possibly multi-line) quoted value has consumed the text
    for m in _DOTENV_RE.finditer(text):
        group = 2 if m.group(2) is not None else 3
        raw = m.group(group)
        if group == 3:  # unquoted: up to an inline comment, without trailing blanks
            comment = _COMMENT_RE.search(raw)
            raw = (raw[: comment.start()] if comment else raw).rstrip(" \t")
        start = m.start(group)
        end = start + len(raw)
        value = raw
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
            value, start, end = raw[1:-1], start + 1, end - 1
        gap = text[covered : m.start()]
        if problem is None:
            problem = _malformed(gap, covered, pos)
        covered = m.end()
        out.append(NamedValue(m.group(1), value, pos.location(start, end), "env"))
    if problem is None:
        problem = _malformed(text[covered:], covered, pos)
    return out, problem


def _malformed(gap: str, offset: int, pos: LineIndex) -> ParseProblem | None:
    """The first line in `gap` (text between KEY=value lines) that is neither blank nor a comment."""
    for line in gap.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            loc = pos.location(offset, offset)
            return ParseProblem(
                "not a KEY=value line; .env files hold one KEY=value per line",
                Location(pos.path, loc.line, 1),
            )
        offset += len(line) + 1
    return None
