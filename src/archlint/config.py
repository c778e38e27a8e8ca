"""Configuration: `archlint.toml` or `[tool.archlint]` in `pyproject.toml`, read and validated in
one place. Every error names the file, the key and what is expected.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archlint.errors import UsageError
from archlint.extract.budget import DEFAULT_MAX_FILE_TIME
from archlint.model import Level

FAIL_ON = ("error", "warning", "note", "none")
DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]i?[bB]?|[bB])?\s*$")

_LIST_OF_STR = "a list of strings"


@dataclass
class Config:
    """Settings of one run, after merging file and command line."""

    path: Path | None = None  # the config file, if any
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    fail_on: str = "warning"
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    plugins: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    max_file_time: float = DEFAULT_MAX_FILE_TIME  # seconds per file; 0: no limit
    cache_dir: str = ".archlint_cache"
    baseline: str | None = None  # relative to the config file's folder
    sarif_category: str | None = None

    def fail_level(self) -> Level | None:
        return None if self.fail_on == "none" else Level(self.fail_on)


def _where(path: Path, key: str, in_pyproject: bool) -> str:
    prefix = "tool.archlint." if in_pyproject else ""
    return f"{path}: key '{prefix}{key}'"


def parse_size(value: Any) -> int | None:
    """Bytes from 5000000, "5MB", "5 MiB", "512k"."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        m = _SIZE_RE.match(value)
        if m:
            unit = (m.group(2) or "b")[0].lower()
            mult = {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]
            return int(float(m.group(1)) * mult)
    return None


_SERVICE_KEYS: dict[str, str] = {
    "path": "a string (the service's folder, relative to the config file)",
    "paths": _LIST_OF_STR,
    "hosts": f"{_LIST_OF_STR} (host names other services use to call it)",
    "kind": "one of 'service', 'worker', 'external'",
}


def parse_table(table: dict[str, Any], path: Path, in_pyproject: bool) -> Config:
    """Validate a `[tool.archlint]` table (or a whole archlint.toml) into a Config."""
    cfg = Config(path=path)

    def err(key: str, expected: str) -> UsageError:
        return UsageError(f"{_where(path, key, in_pyproject)}: expected {expected}")

    def str_list(key: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise err(key, _LIST_OF_STR)
        return list(value)

    known = {
        "select",
        "extend-select",
        "ignore",
        "exclude",
        "extend-exclude",
        "per-file-ignores",
        "fail-on",
        "rules",
        "services",
        "plugins",
        "respect-gitignore",
        "max-file-size",
        "max-file-time",
        "cache-dir",
        "baseline",
        "sarif-category",
    }
    for key, value in table.items():
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UsageError(
                f"{_where(path, key, in_pyproject)}: unknown key{hint}; known keys: "
                + ", ".join(sorted(known))
            )
        if key == "select":
            cfg.select = str_list(key, value)
        elif key == "extend-select":
            cfg.extend_select = str_list(key, value)
        elif key == "ignore":
            cfg.ignore = str_list(key, value)
        elif key == "exclude":
            cfg.exclude = str_list(key, value)
        elif key == "extend-exclude":
            cfg.extend_exclude = str_list(key, value)
        elif key == "plugins":
            cfg.plugins = str_list(key, value)
        elif key == "fail-on":
            if value not in FAIL_ON:
                raise err(key, "one of " + ", ".join(repr(v) for v in FAIL_ON))
            cfg.fail_on = value
        elif key == "respect-gitignore":
            if not isinstance(value, bool):
                raise err(key, "true or false")
            cfg.respect_gitignore = value
        elif key == "max-file-size":
            size = parse_size(value)
            if size is None:
                raise err(key, 'a size in bytes, or a string such as "5MB"')
            cfg.max_file_size = size
        elif key == "max-file-time":
            if (
                not isinstance(value, int | float)
                or isinstance(value, bool)
                or not 0 <= value < 1e6
            ):
                raise err(key, "a number of seconds (0: no limit)")
            cfg.max_file_time = float(value)
        elif key == "cache-dir":
            if not isinstance(value, str) or not value:
                raise err(key, "a folder path")
            cfg.cache_dir = value
        elif key == "baseline":
            if not isinstance(value, str) or not value:
                raise err(key, 'a file path such as ".archlint-baseline.json"')
            cfg.baseline = value
        elif key == "sarif-category":
            if not isinstance(value, str) or not value.strip("/"):
                raise err(key, 'a code scanning category such as "archlint/orders"')
            cfg.sarif_category = value
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise err(key, 'a table of glob = ["RULE", …]')
            cfg.per_file_ignores = {
                glob: str_list(f"{key}.{glob}", codes) for glob, codes in value.items()
            }
        elif key == "rules":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise err(key, "a table of [rules.<rule-name>] tables")
            cfg.rules = {name: dict(opts) for name, opts in value.items()}
        elif key == "services":
            cfg.services = _services(value, path, in_pyproject)
    return cfg


def _services(value: Any, path: Path, in_pyproject: bool) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise UsageError(
            f"{_where(path, 'services', in_pyproject)}: expected a table of "
            "[services.<name>] tables"
        )
    for name, svc in value.items():
        for key, item in svc.items():
            where = _where(path, f"services.{name}.{key}", in_pyproject)
            if key not in _SERVICE_KEYS:
                raise UsageError(f"{where}: unknown key; known keys: {', '.join(_SERVICE_KEYS)}")
            ok = (
                isinstance(item, str)
                if key == "path"
                else item in ("service", "worker", "external")
                if key == "kind"
                else isinstance(item, list) and all(isinstance(v, str) for v in item)
            )
            if not ok:
                raise UsageError(f"{where}: expected {_SERVICE_KEYS[key]}")
    return {name: dict(svc) for name, svc in value.items()}


def load_file(path: Path) -> Config:
    """Read one config file (archlint.toml or pyproject.toml)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read config file ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from exc
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("archlint", {})
        if not isinstance(table, dict):
            raise UsageError(f"{path}: key 'tool.archlint': expected a table")
        return parse_table(table, path, in_pyproject=True)
    return parse_table(data, path, in_pyproject=False)


def find_config(start: Path) -> Path | None:
    """archlint.toml, or a pyproject.toml with [tool.archlint], from `start` upward; the search
    stops at the repository root (a folder holding .git)."""
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        own = folder / "archlint.toml"
        if own.is_file():
            return own
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_archlint_table(pyproject):
            return pyproject
        if (folder / ".git").exists():
            return None
    return None


def _has_archlint_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "archlint" in tool


def find_repo_root(start: Path) -> Path | None:
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None
