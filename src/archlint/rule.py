"""The rule API, used by built-in rules and plug-ins alike.

A rule is a small class with a stable code (``ARC`` + three digits), a kebab-case name, a default
level and, optionally, options. File rules see one file at a time (its facts and its text) and run
inside the extract stage, in worker processes; project rules see the assembled
:class:`~archlint.assemble.System`. Rules never parse files: readers do that once, for all rules.

A minimal plug-in::

    from archlint.rule import FileRule, FileContext
    from archlint.model import FileKind, Level

    class NoTodoInConfig(FileRule):
        code = "ARC901"
        name = "todo-in-config"
        summary = "A TODO left in a configuration file."
        default_level = Level.WARNING
        file_kinds = frozenset({FileKind.CONFIG})

        def check_file(self, ctx):
            for m in re.finditer("TODO", ctx.text):
                yield self.finding("TODO in config", ctx.span(m.start(), m.end()))

and in the plug-in's ``pyproject.toml``::

    [project.entry-points."archlint.rules"]
    todo-in-config = "my_rules:NoTodoInConfig"
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from archlint.model import FileFacts, FileKind, Finding, Level, Location, Mask
from archlint.positions import LineIndex

if TYPE_CHECKING:
    from archlint.assemble import System

CODE_RE = re.compile(r"^[A-Z]{2,5}\d{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

FAMILIES = {
    "0": "meta",
    "1": "data ownership",
    "2": "communication",
    "3": "operability",
    "4": "API design",
    "5": "security",
    "6": "migrations",
}


@dataclass(frozen=True, slots=True)
class Option:
    """A rule option: its default, and what it means (shown by `archlint explain`)."""

    name: str
    default: Any
    description: str
    choices: tuple[str, ...] = ()

    def check(self, value: Any) -> str | None:
        """Return what is wrong with `value` for this option, or None."""
        if self.choices:
            return None if value in self.choices else "one of " + ", ".join(map(repr, self.choices))
        expected = type(self.default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            return None
        if expected is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return "a list of strings"
            return None
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            return {
                bool: "true or false",
                int: "an integer",
                float: "a number",
                str: "a string",
            }.get(expected, expected.__name__)
        return None


class Rule:
    """Base class of every rule. Subclass :class:`FileRule` or :class:`ProjectRule`."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""  # one line; built-in rules take theirs from their page in rules/
    default_level: ClassVar[Level] = Level.WARNING
    enabled_by_default: ClassVar[bool] = True
    options_spec: ClassVar[tuple[Option, ...]] = ()
    tags: ClassVar[tuple[str, ...]] = ()
    precision: ClassVar[str] = "high"  # SARIF: very-high | high | medium | low
    security_severity: ClassVar[float | None] = None  # 0.0–10.0, security rules only
    help_uri: ClassVar[str] = ""
    # Whether reports may quote the source at a finding (code frames, SARIF snippets). Off for
    # rules whose lines are unread text, such as parse errors: such a line may hold a secret
    # that no rule had the chance to mask.
    shows_source: ClassVar[bool] = True

    def __init__(self, options: Mapping[str, Any] | None = None, level: Level | None = None):
        """Create the rule with user options (already validated) and an optional level override."""
        self.options: dict[str, Any] = {o.name: o.default for o in self.options_spec}
        self.options.update(options or {})
        self.level: Level = level or self.default_level

    @classmethod
    def family(cls) -> str:
        return FAMILIES.get(cls.code[3:4], "plug-in") if cls.code.startswith("ARC") else "plug-in"

    def finding(
        self,
        message: str,
        location: Location,
        *,
        level: Level | None = None,
        related: Iterable[tuple[Location, str]] = (),
        masks: Iterable[Mask] = (),
        fingerprint: str = "",
        flow: Iterable[tuple[Location, str]] = (),
    ) -> Finding:
        """Build a Finding of this rule at `location` (level defaults to the configured one)."""
        rel = tuple(related)
        steps = tuple(flow)
        return Finding(
            code=self.code,
            message=message,
            location=location,
            level=level or self.level,
            related=tuple(r[0] for r in rel),
            related_messages=tuple(r[1] for r in rel),
            masks=tuple(masks),
            fingerprint=fingerprint,
            flow=tuple(s[0] for s in steps),
            flow_messages=tuple(s[1] for s in steps),
        )


class FileRule(Rule):
    """A rule over one file. Runs in the extract stage, possibly in a worker process, so it must
    be picklable by reference (a module-level class) and keep no state between files."""

    file_kinds: ClassVar[frozenset[FileKind]] = frozenset(FileKind)
    # Meta rules (could-not-parse, file-skipped) also see files that have no readable text.
    sees_unreadable_files: ClassVar[bool] = False

    def check_file(self, ctx: FileContext) -> Iterable[Finding]:
        """Yield findings for one file."""
        raise NotImplementedError


class ProjectRule(Rule):
    """A rule over the whole assembled System (services, endpoints, calls, databases)."""

    def check_project(self, system: System) -> Iterable[Finding]:
        """Yield findings for the project."""
        raise NotImplementedError


TEST_PATH_RE = re.compile(
    r"(^|/)(tests?|testing|test_?data|fixtures?|__tests__|spec|e2e)(/|$)"
    r"|(^|/)(test_[^/]*|[^/]*_tests?\.[a-z]+|conftest\.py)$"
)


class FileContext:
    """What a file rule sees: the file's facts, its decoded text, and helpers to locate spans."""

    __slots__ = ("_index", "facts", "text")

    def __init__(self, facts: FileFacts, text: str):
        self.facts = facts
        self.text = text
        self._index: LineIndex | None = None

    @property
    def path(self) -> str:
        return self.facts.path

    @property
    def kind(self) -> FileKind:
        return self.facts.kind

    @property
    def is_test_file(self) -> bool:
        """True for the scanned project's own tests and fixtures (tests/, test_*.py, conftest.py…)."""
        return TEST_PATH_RE.search(self.facts.path.lower()) is not None

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(self.text, self.facts.path)
        return self._index

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset into `text`."""
        return self.index.position(offset)

    def narrow(self, loc: Location, value: str) -> Location:
        """The exact span of `value` inside `loc` (e.g. a string literal without its quotes),
        or `loc` itself when the source spells the value differently (escapes, concatenation)."""
        if not value or not self.text:
            return loc
        start = self.index.offset(loc.line, loc.column)
        end = self.index.offset(loc.end_line, loc.end_column) if loc.end_column else start
        found = self.text.find(value, start, max(end, start + len(value)))
        return self.span(found, found + len(value)) if found >= 0 else loc

    def span(self, start: int, end: int) -> Location:
        """Location of text[start:end]."""
        return self.index.location(start, end)


def mask_location(loc: Location) -> tuple[Mask, ...]:
    """Masks covering a Location, one per line it spans."""
    out: list[Mask] = []
    for ln in range(loc.line, loc.end_line + 1):
        c0 = loc.column if ln == loc.line else 1
        c1 = loc.end_column if ln == loc.end_line else 1_000_000
        if c1 > c0:
            out.append(Mask(ln, c0, c1))
    return tuple(out)
