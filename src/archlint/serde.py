"""JSON round-trip for the plain dataclasses in :mod:`archlint.model`.

The cache lives inside the scanned repository, so its contents are untrusted: decoding checks
every type against the dataclass annotations and raises ValueError on anything unexpected.
Never pickle.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from archlint.location import Location

T = TypeVar("T")


def to_jsonable(obj: Any) -> Any:
    """Dataclasses to dicts, enums to values, tuples to lists; recursively. A Location — a third
    of all objects in a cache entry — is a 5-item list, which decodes several times faster."""
    if type(obj) is Location:
        return [obj.path, obj.line, obj.column, obj.end_line, obj.end_column]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, tuple | list):
        return [to_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    return obj


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_jsonable(cls: type[T], data: Any) -> T:
    """Rebuild a dataclass instance of `cls` from `to_jsonable` output, validating types."""
    decoder: Callable[[Any], Any] = _decoder(typing.cast(Any, cls))
    return typing.cast(T, decoder(data))


@functools.cache
def _decoder(tp: Any) -> Callable[[Any], Any]:
    """`_decode` for one type, with the type analysis (origins, hints, fields) done once per
    type instead of once per value: a warm run decodes about a million values (issue 5).
    The checks are `_decode`'s; types it does not specialise fall back to `_decode`."""
    origin = typing.get_origin(tp)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            if args[0] is str:

                def decode_strings(data: Any) -> Any:
                    if not isinstance(data, list):
                        raise ValueError(f"expected a list for {tp}")
                    for x in data:
                        if not isinstance(x, str):
                            raise ValueError("expected a string")
                    return tuple(data)

                return decode_strings
            item = _decoder(args[0])

            def decode_items(data: Any) -> Any:
                if not isinstance(data, list):
                    raise ValueError(f"expected a list for {tp}")
                return tuple([item(x) for x in data])

            return decode_items
        return functools.partial(_decode, tp)
    if origin in (typing.Union, types.UnionType):
        members = typing.get_args(tp)
        optional = type(None) in members
        decoders = [_decoder(a) for a in members if a is not type(None)]

        def decode_union(data: Any) -> Any:
            if data is None and optional:
                return None
            for dec in decoders:
                try:
                    return dec(data)
                except ValueError:
                    continue
            raise ValueError(f"no member of {tp} matches")

        return decode_union
    if tp is Location:
        return _decode_location
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)
    if tp is str:

        def decode_str(data: Any) -> Any:
            if not isinstance(data, str):
                raise ValueError("expected a string")
            return data

        return decode_str
    if tp is int:

        def decode_int(data: Any) -> Any:
            if not isinstance(data, int) or isinstance(data, bool):
                raise ValueError("expected an integer")
            if not -_MAX_INT < data < _MAX_INT:
                raise ValueError("an implausibly large number")  # no count or offset is
            return data

        return decode_int
    if tp is bool:

        def decode_bool(data: Any) -> Any:
            if not isinstance(data, bool):
                raise ValueError("expected a boolean")
            return data

        return decode_bool
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        by_value = {m.value: m for m in tp}

        def decode_enum(data: Any) -> Any:
            try:
                return by_value[data]
            except (KeyError, TypeError):
                return _decode(tp, data)  # the error, or an alias only the enum knows

        return decode_enum
    return functools.partial(_decode, tp)


def _dataclass_decoder(tp: type) -> Callable[[Any], Any]:
    """A decoder for one dataclass. Field decoders are looked up on first use, so
    self-referencing dataclasses work. When every field is present (what `to_jsonable` writes)
    the object is built in one step; otherwise the slow way raises the precise error."""
    name = tp.__name__
    plan: list[tuple[str, Callable[[Any], Any], bool]] = []

    def slow(data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError(f"expected an object for {name}")
        kwargs = {}
        for field, dec, required in plan:
            if field in data:
                kwargs[field] = dec(data[field])
            elif required:
                raise ValueError(f"missing field {name}.{field}")
        return tp(**kwargs)

    def decode_dataclass(data: Any) -> Any:
        if not plan:
            hints = _hints(tp)
            plan.extend(
                (
                    f.name,
                    _decoder(hints[f.name]),
                    f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
                )
                for f in dataclasses.fields(tp)
            )
        if type(data) is not dict:
            return slow(data)
        try:
            obj = tp(**{field: dec(data[field]) for field, dec, _required in plan})
        except KeyError:
            obj = slow(data)
        if check is not None:
            check(obj)
        return obj

    check = _CHECKS.get(name)
    return decode_dataclass


_MAX_INT = 10**15


def _decode_location(data: Any) -> Location:
    """`[path, line, column, end_line, end_column]`, as `to_jsonable` writes it."""
    if type(data) is not list or len(data) != 5:
        raise ValueError("expected a location")
    path, line, column, end_line, end_column = data
    if type(path) is not str:
        raise ValueError("expected a path")
    for n in (line, column, end_line, end_column):
        if type(n) is not int or not 0 <= n < _MAX_INT:
            raise ValueError("expected a position")
    # Positions are 1-based: a crafted 0 or negative would reach the reporters.
    if line < 1 or column < 1 or end_line < 1:
        raise ValueError("a position before the start of the file")
    return Location(path, line, column, end_line, end_column)


def _check_mask(mask: Any) -> None:
    # A mask before the start of a line would leave the secret it covers visible.
    if mask.line < 1 or mask.column < 1 or mask.end_column < 0:
        raise ValueError("a mask before the start of the file")


_CHECKS: dict[str, Callable[[Any], None]] = {"Mask": _check_mask}


def loads(raw: bytes | str) -> Any:
    """`json.loads` that refuses NaN and Infinity, which JSON does not have (but Python's json
    accepts): a cache entry with one is not ours."""
    return json.loads(raw, parse_constant=_reject_constant)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _decode(tp: Any, data: Any) -> Any:
    if tp is Location:
        return _decode_location(data)
    origin = typing.get_origin(tp)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(data, list):
            raise ValueError(f"expected a list for {tp}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], x) for x in data)
        if len(args) != len(data):
            raise ValueError(f"expected {len(args)} items for {tp}")
        return tuple(_decode(a, x) for a, x in zip(args, data, strict=True))
    if origin is dict:
        kt, vt = typing.get_args(tp)
        if not isinstance(data, dict):
            raise ValueError(f"expected an object for {tp}")
        return {_decode(kt, k): _decode(vt, v) for k, v in data.items()}
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is type(None) and data is None:
                return None
            try:
                return _decode(arg, data)
            except ValueError:
                continue
        raise ValueError(f"no member of {tp} matches")
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise ValueError(f"expected an object for {tp.__name__}")
        hints = _hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in data:
                kwargs[f.name] = _decode(hints[f.name], data[f.name])
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ValueError(f"missing field {tp.__name__}.{f.name}")
        return tp(**kwargs)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError as exc:
            raise ValueError(f"bad {tp.__name__}: {data!r}") from exc
    if tp is bool:
        if not isinstance(data, bool):
            raise ValueError("expected a boolean")
        return data
    if tp is int:
        if not isinstance(data, int) or isinstance(data, bool):
            raise ValueError("expected an integer")
        return data
    if tp is float:
        if not isinstance(data, int | float) or isinstance(data, bool):
            raise ValueError("expected a number")
        return float(data)
    if tp is str:
        if not isinstance(data, str):
            raise ValueError("expected a string")
        return data
    if tp is Any:
        return data
    raise ValueError(f"cannot decode {tp!r}")
