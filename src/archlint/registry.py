"""Which rules exist, and which of them a run enables.

Every rule, built-in or third-party, comes in through the same door: the entry-point group
``archlint.rules`` (archlint registers its own rules there too) and the ``plugins`` setting,
which names local modules (``my_rules`` or ``tools/archlint_rules.py``) holding rule classes.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from archlint.errors import UsageError
from archlint.rule import CODE_RE, NAME_RE, FileRule, ProjectRule, Rule

ENTRY_POINT_GROUP = "archlint.rules"


@dataclass(frozen=True, slots=True)
class RuleEntry:
    cls: type[Rule]
    origin: str  # "archlint", an entry point "name = value", or a plug-in module / file


class Registry:
    """All known rules by code, with lookups by name and selector."""

    def __init__(self) -> None:
        self.entries: dict[str, RuleEntry] = {}
        self.by_name: dict[str, str] = {}
        self._memo: dict[str, frozenset[str] | None] = {}

    def add(self, cls: type[Rule], origin: str) -> None:
        code, name = getattr(cls, "code", ""), getattr(cls, "name", "")
        if not CODE_RE.match(code):
            raise UsageError(
                f"{origin}: rule {cls.__name__} needs a code of 2-5 capital letters and three "
                f"digits (e.g. ARC901), got {code!r}"
            )
        if not NAME_RE.match(name):
            raise UsageError(f"{origin}: rule {cls.__name__} needs a kebab-case name, got {name!r}")
        known = self.entries.get(code)
        if known is not None:
            if known.cls is cls:
                return
            raise UsageError(
                f"{origin}: rule code {code} is already used by {known.cls.__name__} "
                f"from {known.origin}"
            )
        if name in self.by_name:
            raise UsageError(
                f"{origin}: rule name {name!r} is already used by {self.by_name[name]}"
            )
        self._memo.clear()
        self.entries[code] = RuleEntry(cls, origin)
        self.by_name[name] = code

    @property
    def codes(self) -> list[str]:
        return sorted(self.entries)

    def rule_class(self, code: str) -> type[Rule]:
        return self.entries[code].cls

    def lookup(self, ident: str) -> str | None:
        """Code for a rule code or name (case-insensitive codes), or None."""
        if ident.upper() in self.entries:
            return ident.upper()
        return self.by_name.get(ident)

    def expand(self, selector: str) -> tuple[set[str], int]:
        """Codes a selector names, and its specificity: ALL < ARC < ARC5 < ARC50 < ARC501 = name.

        Raises UsageError for a selector that names nothing."""
        sel = selector.strip()
        if sel.upper() == "ALL":
            return set(self.entries), 0
        if sel in self.by_name:
            return {self.by_name[sel]}, 100
        up = sel.upper()
        matched = {c for c in self.entries if c.startswith(up)}
        if matched and up:
            return matched, len(up)
        raise UsageError(f"unknown rule or rule prefix {selector!r}{self._hint(sel)}")

    def _hint(self, sel: str) -> str:
        import difflib

        close = difflib.get_close_matches(sel, [*self.by_name, *self.entries], n=1)
        return (
            f" (did you mean {close[0]!r}? `archlint rules` lists them)"
            if close
            else (" (`archlint rules` lists them)")
        )

    def select(
        self,
        select: Sequence[str] | None,
        extend_select: Sequence[str] = (),
        ignore: Sequence[str] = (),
    ) -> set[str]:
        """Enabled codes, ruff-style: `select` (or the default-enabled rules) plus
        `extend-select`, minus `ignore` — where a more specific selector wins, and a tie goes to
        `ignore`. So `select = ["ARC5"]`, `ignore = ["ARC501"]` drops ARC501, and
        `ignore = ["ARC5"]`, `extend-select = ["ARC501"]` keeps it."""
        best_on: dict[str, int] = {}
        if select is None:
            for code, entry in self.entries.items():
                if entry.cls.enabled_by_default:
                    best_on[code] = -1
        for sel in [*(select or ()), *extend_select]:
            codes, spec = self.expand(sel)
            for code in codes:
                best_on[code] = max(best_on.get(code, -1), spec)
        best_off: dict[str, int] = {}
        for sel in ignore:
            codes, spec = self.expand(sel)
            for code in codes:
                best_off[code] = max(best_off.get(code, -1), spec)
        return {c for c, spec in best_on.items() if c not in best_off or spec > best_off[c]}

    def codes_for(self, selector: str) -> set[str] | None:
        """Codes a selector names, or None for an unknown selector (no error)."""
        if selector not in self._memo:
            try:
                self._memo[selector] = frozenset(self.expand(selector)[0])
            except UsageError:
                self._memo[selector] = None
        found = self._memo[selector]
        return set(found) if found is not None else None

    def matches(self, selector: str, code: str) -> bool:
        """Whether a selector (code, prefix, name, ALL) covers a rule code; unknown → False."""
        codes = self.codes_for(selector)
        return codes is not None and code in codes


def rule_classes_in(module: ModuleType) -> list[type[Rule]]:
    """Rule classes defined in a module (not imported into it), or listed in its RULES."""
    listed = getattr(module, "RULES", None)
    if listed is not None:
        return [c for c in listed if inspect.isclass(c) and issubclass(c, Rule)]
    return [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, FileRule | ProjectRule)
        and obj.__module__ == module.__name__
        and bool(obj.code)
    ]


def _from_entry_point_value(value: Any) -> list[type[Rule]]:
    if inspect.isclass(value) and issubclass(value, Rule):
        return [value]
    if isinstance(value, ModuleType):
        return rule_classes_in(value)
    if isinstance(value, list | tuple):
        return [v for v in value if inspect.isclass(v) and issubclass(v, Rule)]
    return []


def load_plugin_module(spec: str, base: Path) -> ModuleType:
    """Import a local plug-in: a dotted module name (found from `base` too) or a .py path."""
    if spec.endswith(".py") or "/" in spec:
        path = (base / spec).resolve()
        if not path.is_file():
            raise UsageError(f"plug-in {spec!r}: no such file {path}")
        mod_name = f"archlint_plugin_{abs(hash(str(path)))}"
        if mod_name in sys.modules:
            return sys.modules[mod_name]
        mspec = importlib.util.spec_from_file_location(mod_name, path)
        if mspec is None or mspec.loader is None:
            raise UsageError(f"plug-in {spec!r}: cannot load {path}")
        module = importlib.util.module_from_spec(mspec)
        sys.modules[mod_name] = module
        mspec.loader.exec_module(module)
        return module
    if str(base) not in sys.path:
        sys.path.insert(0, str(base))
    return importlib.import_module(spec)


def load_registry(plugins: Iterable[str] = (), base: Path | None = None) -> Registry:
    """Built-in rules, installed entry points, then local plug-ins from config."""
    reg = Registry()
    seen_builtin = False
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        origin = f"entry point {ep.name} = {ep.value}"
        try:
            value = ep.load()
        except Exception as exc:
            raise UsageError(f"{origin}: failed to load ({type(exc).__name__}: {exc})") from exc
        for cls in _from_entry_point_value(value):
            reg.add(cls, "archlint" if ep.value.startswith("archlint.") else origin)
            seen_builtin = seen_builtin or ep.value.startswith("archlint.")
    if not seen_builtin:
        # Running from a source tree without installed metadata: load built-ins directly.
        from archlint.rules import BUILTIN_RULES

        for cls in BUILTIN_RULES:
            reg.add(cls, "archlint")
    for spec in plugins:
        try:
            module = load_plugin_module(spec, base or Path.cwd())
        except UsageError:
            raise
        except Exception as exc:
            raise UsageError(
                f"plug-in {spec!r} failed to import ({type(exc).__name__}: {exc})"
            ) from exc
        classes = rule_classes_in(module)
        if not classes:
            raise UsageError(f"plug-in {spec!r} defines no rule classes (FileRule / ProjectRule)")
        for cls in classes:
            reg.add(cls, f"plug-in {spec}")
    return reg
