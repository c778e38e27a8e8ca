"""Resolving `Expr` values across a project: names through bindings, environment variables
through compose / Kubernetes / .env values, and DSNs and URLs into identities.

Nothing here reads a file: it works on facts only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from archlint.facts import Binding, Expr, Part

_MAX_DEPTH = 12


class NameIndex:
    """Bindings of a group of files, found by their full dotted name or any dotted suffix of
    two or more segments (imports are written relative to some package root we do not know)."""

    def __init__(self, bindings: Iterable[Binding]):
        self.by_name: dict[str, list[Binding]] = defaultdict(list)
        self.by_last: dict[str, list[Binding]] = defaultdict(list)
        for b in bindings:
            self.by_last[b.name.rsplit(".", 1)[-1]].append(b)
            parts = b.name.split(".")
            for i in range(len(parts) - 1):
                self.by_name[".".join(parts[i:])].append(b)
            if len(parts) == 1:
                self.by_name[b.name].append(b)

    def find(self, name: str) -> Binding | None:
        found = self.by_name.get(name)
        if not found:
            return None
        # Prefer the binding whose full name is exactly this; else the first in path order.
        exact = [b for b in found if b.name == name]
        return (exact or found)[0]


@dataclass
class Resolved:
    """A value as far as it resolves: `text` has `{…}` where a part stayed unknown."""

    text: str
    unresolved: list[str] = field(default_factory=list)  # why, per part that did not resolve

    @property
    def complete(self) -> bool:
        return not self.unresolved


class Resolver:
    """Resolves expressions for one service: its bindings and its environment."""

    def __init__(
        self,
        names: NameIndex,
        env: Mapping[str, str],
        django_settings: NameIndex | None = None,
    ):
        self.names = names
        self.env = env
        self.django_settings = django_settings

    def resolve(self, expr: Expr | None) -> Resolved:
        if expr is None or not expr.parts:
            return Resolved("", ["no value"])
        out = Resolved("")
        self._parts(expr.parts, out, 0)
        return out

    def _parts(self, parts: tuple[Part, ...], out: Resolved, depth: int) -> None:
        for part in parts:
            self._part(part, out, depth)

    def _part(self, part: Part, out: Resolved, depth: int) -> None:
        if depth > _MAX_DEPTH:
            out.text += "{…}"
            out.unresolved.append("too many indirections")
            return
        if part.kind == "lit":
            out.text += part.value
        elif part.kind == "env":
            value = self.env.get(part.value)
            if value is not None:
                out.text += value
            elif part.has_default:
                self._parts(part.default, out, depth + 1)
            else:
                out.text += "{" + part.value + "}"
                out.unresolved.append(
                    f"environment variable {part.value} is set nowhere in the project "
                    "(compose, Kubernetes, .env) and has no default"
                )
        elif part.kind == "name":
            expr = self.lookup(part.value, depth)
            if expr is None:
                out.text += "{" + part.value.rsplit(".", 1)[-1] + "}"
                out.unresolved.append(f"{part.value} is not a constant or setting archlint can see")
            else:
                self._parts(expr.parts, out, depth + 1)
        elif part.kind == "param":
            function, param, index = part.value.split("|")
            bound = self.names.find(f"{function}.{param}")
            if bound is None and index != "-1":
                bound = self.names.find(f"{function}.#{index}")
            if bound is not None:
                self._parts(bound.value.parts, out, depth + 1)
            elif part.has_default:
                self._parts(part.default, out, depth + 1)
            else:
                out.text += "{" + param + "}"
                out.unresolved.append(
                    f"`{param}` is a parameter of {function.rsplit('.', 1)[-1]}()"
                )
        else:
            out.text += "{" + part.value + "}"
            out.unresolved.append(f"`{part.value}` is computed at run time")

    def lookup(self, name: str, depth: int = 0) -> Expr | None:
        """The expression bound to a dotted name, following instances (`settings = Settings()`,
        `get_settings()`) to their class attributes."""
        for _ in range(_MAX_DEPTH):
            if name.startswith("django.conf.settings."):
                key = name[len("django.conf.settings.") :]
                index = self.django_settings or self.names
                found = index.find(key) if "." in key else _django_setting(index, key)
                return found.value if found else None
            b = self.names.find(name)
            if b is not None:
                return b.value
            # Longest bound prefix that is an instance of a class: settings.x → Settings.x
            segs = name.split(".")
            for cut in range(len(segs) - 1, 0, -1):
                head = ".".join(segs[:cut])
                hb = self.names.find(head) if not head.endswith("()") else None
                target = ""
                if hb is not None and len(hb.value.parts) == 1 and hb.value.parts[0].kind == "name":
                    target = hb.value.parts[0].value
                elif head.endswith("()"):
                    fb = self.names.find(head)
                    if fb is not None and fb.value.parts and fb.value.parts[0].kind == "name":
                        target = fb.value.parts[0].value
                    else:
                        target = head
                if target:
                    # `get_settings()` returns `Settings()`: follow the function's binding.
                    for _ in range(_MAX_DEPTH):
                        ret = self.names.find(target) if target.endswith("()") else None
                        if ret is None or not ret.value.parts or ret.value.parts[0].kind != "name":
                            break
                        target = ret.value.parts[0].value
                    name = target.removesuffix("()") + "." + ".".join(segs[cut:])
                    break
            else:
                return None
        return None


def _django_setting(index: NameIndex, key: str) -> Binding | None:
    """A module-level name in any settings module (settings.py, settings/base.py, …)."""
    for b in index.by_last.get(key, []):
        return b
    return None


# ---------------------------------------------------------------------------------------------
# URLs and DSNs

_ENGINE_ALIASES = {
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "psql": "postgresql",
    "pgsql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "mongodb": "mongodb",
    "mongodb+srv": "mongodb",
    "redis": "redis",
    "rediss": "redis",
    "mssql": "mssql",
    "oracle": "oracle",
    "timescale": "postgresql",
}
_DEFAULT_PORTS = {"postgresql": "5432", "mysql": "3306", "mongodb": "27017", "redis": "6379"}
_DRIVER_ENGINE = {
    "psycopg": "postgresql",
    "asyncpg": "postgresql",
    "pymysql": "mysql",
    "sqlite3": "sqlite",
    "pymongo": "mongodb",
    "redis": "redis",
}
_DJANGO_ENGINES = {
    "postgresql": "postgresql",
    "postgresql_psycopg2": "postgresql",
    "postgis": "postgresql",
    "mysql": "mysql",
    "sqlite3": "sqlite",
    "oracle": "oracle",
}
_KV_DSN = re.compile(r"(\w+)\s*=\s*('[^']*'|\S+)")


@dataclass(frozen=True, slots=True, order=True)
class DatabaseIdentity:
    engine: str
    host: str
    port: str
    name: str

    @property
    def label(self) -> str:
        if self.engine == "sqlite":
            return f"sqlite:{self.name}"
        return f"{self.engine}://{self.host}:{self.port}/{self.name}"


def engine_of(scheme: str) -> str:
    base = scheme.lower().split("+", 1)[0]
    return _ENGINE_ALIASES.get(base, base)


def parse_dsn(text: str, driver: str) -> DatabaseIdentity | None:
    """`postgresql+asyncpg://u:p@host:5432/db` or libpq `host=x dbname=y` → identity."""
    if "://" in text:
        try:
            parts = urlsplit(text)
            host = parts.hostname or ""
            port = str(parts.port) if parts.port else ""
        except ValueError:
            return None
        engine = engine_of(parts.scheme)
        name = unquote(parts.path.lstrip("/"))
        if engine == "sqlite":
            return DatabaseIdentity("sqlite", "", "", name or ":memory:")
        if engine == "redis":
            name = name or "0"
        return DatabaseIdentity(engine, host.lower(), port or _DEFAULT_PORTS.get(engine, ""), name)
    pairs = dict((k.lower(), v.strip("'")) for k, v in _KV_DSN.findall(text))
    if pairs:
        engine = _DRIVER_ENGINE.get(driver, "postgresql")
        return DatabaseIdentity(
            engine,
            pairs.get("host", "localhost").lower(),
            pairs.get("port", _DEFAULT_PORTS.get(engine, "")),
            pairs.get("dbname") or pairs.get("database") or "",
        )
    return None


def identity_from_fields(driver: str, fields: Mapping[str, str]) -> DatabaseIdentity:
    engine = _DRIVER_ENGINE.get(driver, driver)
    if "engine" in fields:
        raw = fields["engine"].rsplit(".", 1)[-1]
        engine = _DJANGO_ENGINES.get(raw, raw)
    if engine == "sqlite":
        return DatabaseIdentity("sqlite", "", "", fields.get("name", ""))
    return DatabaseIdentity(
        engine,
        fields.get("host", "localhost").lower() or "localhost",
        fields.get("port", "") or _DEFAULT_PORTS.get(engine, ""),
        fields.get("name", "0" if engine == "redis" else ""),
    )


def split_url(text: str) -> tuple[str, str, str]:
    """(scheme, host, path) of a URL or gRPC target; host is lower-cased, path starts with /."""
    if "://" not in text:
        if text.startswith("/") or not text:
            return "", "", text
        # gRPC targets: "routing:50051", "dns:///routing:50051"
        host = text.split("/", 1)[0].rsplit(":", 1)[0]
        return "", host.lower(), "/" + text.split("/", 1)[1] if "/" in text else ""
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:
        return "", "", ""
    if parts.scheme == "dns" and not host:
        return split_url(parts.path.lstrip("/"))
    return parts.scheme, host, parts.path or "/"


def join_url(base: str, path: str) -> str:
    if not base or "://" in path:
        return path or base
    return base.rstrip("/") + "/" + path.lstrip("/") if path else base
