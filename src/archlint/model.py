"""Plain data that crosses module boundaries: locations, findings, file facts.

Everything here is a frozen, slotted dataclass of strings, ints, enums and tuples, so it can be
cached on disk as JSON (see :mod:`archlint.cache`) and sent between processes. No parser object
ever appears here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from archlint.facts import DeployFacts, OpenApiFacts, PythonFacts, SqlFacts
from archlint.location import Location

__all__ = ["Location"]  # re-exported: most modules import it from here


class Level(enum.Enum):
    """Severity of a finding, ordered: note < warning < error (SARIF's levels)."""

    NOTE = "note"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]


_LEVEL_RANK = {Level.NOTE: 1, Level.WARNING: 2, Level.ERROR: 3}


class FileKind(enum.Enum):
    """What discovery decided a file is; readers and rules key on this."""

    PYTHON = "python"
    OPENAPI = "openapi"
    SQL = "sql"
    COMPOSE = "compose"
    KUBERNETES = "kubernetes"
    DOTENV = "dotenv"
    CONFIG = "config"  # other yaml / json / toml / ini / cfg / properties
    TEXT = "text"  # any other text file (Dockerfile, shell, markdown, keys, …)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file discovery found: where it is, and its format and kind as its name tells them
    (YAML and JSON are refined by content in the extract stage)."""

    path: str  # POSIX, relative to the project root
    abs_path: str
    format: str  # python | yaml | json | toml | ini | dotenv | sql | text
    kind: FileKind
    explicit: bool = False  # named on the command line


@dataclass(frozen=True, slots=True)
class Mask:
    """A span of source text that must never be shown (a secret's value). Columns as in Location."""

    line: int
    column: int
    end_column: int

    def __post_init__(self) -> None:
        # A mask before the start of a line would leave the secret it covers visible.
        if not (0 < self.line < 2**31 and 0 < self.column < 2**31 and 0 <= self.end_column < 2**31):
            raise ValueError(f"not a masked span: {self.line}:{self.column}")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem reported by a rule.

    `fingerprint` is content the finding is about, independent of line numbers (e.g. the
    normalised source line, or service and database names); baselines and SARIF use it.
    Secrets never appear in `message` or `fingerprint` in clear: rules mask them, and `masks`
    tells reporters which source spans to blank out in code frames.
    """

    code: str
    message: str
    location: Location
    level: Level
    related: tuple[Location, ...] = ()
    related_messages: tuple[str, ...] = ()
    masks: tuple[Mask, ...] = ()
    fingerprint: str = ""
    # A path through the code (a call chain, a cycle): SARIF codeFlows, one step per location.
    flow: tuple[Location, ...] = ()
    flow_messages: tuple[str, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.code, self.message)


@dataclass(frozen=True, slots=True)
class Suppression:
    """An `archlint: ignore[...]` comment. `codes` empty means every rule.

    `target_line` is the line it silences (its own line, or the next code line for a comment on
    a line of its own); for a file-level suppression it is 0.
    """

    location: Location
    codes: tuple[str, ...]
    target_line: int
    file_level: bool = False


@dataclass(frozen=True, slots=True)
class NamedValue:
    """A literal value bound to a name: an assignment, a keyword argument, a default, a dict or
    config key, an env var in compose / Kubernetes / .env. The raw value is only in facts that
    stay in memory and in the local cache; rules mask it before it reaches any output."""

    name: str
    value: str
    location: Location  # of the value itself
    context: str  # "assignment", "keyword", "default", "dict", "env-default", "config", "env", …


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """Why a file could not be read or parsed, located at the error."""

    message: str
    location: Location


@dataclass(frozen=True, slots=True)
class FileFacts:
    """Everything the readers learned from one file in one parse.

    Each reader fills the architecture facts of its format (see :mod:`archlint.facts`); every
    field stays plain, serialisable data.
    """

    path: str
    kind: FileKind
    content_hash: str
    line_count: int = 0
    named_values: tuple[NamedValue, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    problems: tuple[ParseProblem, ...] = ()
    yaml_documents: int = 0
    skipped: str = ""  # non-empty: the file was not analysed, and why
    python: PythonFacts | None = None
    openapi: OpenApiFacts | None = None
    sql: SqlFacts | None = None
    deploy: DeployFacts | None = None


@dataclass(frozen=True, slots=True)
class Notification:
    """An internal problem (a crashing rule or reader): reported, never fatal to the run."""

    message: str
    path: str = ""
    rule: str = ""
    detail: str = ""  # traceback text, shown only with --verbose
    level: Level = Level.ERROR


@dataclass(frozen=True, slots=True)
class FileResult:
    """What the extract stage returns for one file: its facts and its file-rule findings.
    This is the unit cached by content hash."""

    facts: FileFacts
    findings: tuple[Finding, ...] = ()
    notifications: tuple[Notification, ...] = ()


@dataclass(slots=True)
class RunStats:
    files: int = 0
    from_cache: int = 0
    skipped: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
