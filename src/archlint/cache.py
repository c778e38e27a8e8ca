"""On-disk cache of extract results, one JSON file per (path, content, settings).

The cache sits inside the scanned project, so it is untrusted input: entries are JSON (never
pickle) decoded by msgspec straight into the dataclasses with every type checked (and
`Location` / `Mask` checking their positions), and any entry that fails to decode is a miss.
msgspec does in C what a Python decoder did ten times slower: a warm run is mostly decoding. Writes are
atomic (temp file + rename), so parallel workers never see half an entry.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import msgspec

from archlint.model import FileResult

CACHE_FORMAT = 2
_DECODER = msgspec.json.Decoder(FileResult)
_ENCODER = msgspec.json.Encoder()
_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"  # the CACHEDIR.TAG standard's
_README = f"{_SIGNATURE}\n# archlint cache; safe to delete.\n"


def is_cache(directory: Path) -> bool:
    """Is `directory` an archlint cache (its CACHEDIR.TAG written by us)?"""
    try:
        return (directory / "CACHEDIR.TAG").read_text(encoding="utf-8") == _README
    except (OSError, UnicodeDecodeError):
        return False


def clean(directory: Path) -> int:
    """Delete an archlint cache folder; returns the number of entries it held. Raises
    ValueError, deleting nothing, when the folder exists but is not an archlint cache (a
    mistyped `cache-dir` must not cost anyone their files)."""
    if not directory.exists():
        return 0
    if not directory.is_dir() or not is_cache(directory):
        raise ValueError(f"{directory} is not an archlint cache (no archlint CACHEDIR.TAG in it)")
    entries = sum(1 for _ in directory.glob("v*/*/*/*.json"))
    shutil.rmtree(directory)
    return entries


class Cache:
    """A namespace of entries for one settings key (archlint version, rules and options)."""

    def __init__(self, directory: Path, settings_key: str):
        self.dir = directory / f"v{CACHE_FORMAT}" / settings_key[:16]
        self._ready = False

    @staticmethod
    def key(path: str, content_hash: str) -> str:
        return hashlib.sha256(f"{path}\0{content_hash}".encode()).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, path: str, content_hash: str) -> FileResult | None:
        try:
            raw = self._entry(self.key(path, content_hash)).read_bytes()
            result = _DECODER.decode(raw)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError, ValueError, RecursionError):
            return None
        if result.facts.path != path or result.facts.content_hash != content_hash:
            return None
        return result

    def put(self, result: FileResult) -> None:
        key = self.key(result.facts.path, result.facts.content_hash)
        target = self._entry(key)
        try:
            self._prepare()
            target.parent.mkdir(parents=True, exist_ok=True)
            data = _ENCODER.encode(result)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except OSError:
            pass  # a read-only tree just runs uncached

    def _prepare(self) -> None:
        if self._ready:
            return
        top = self.dir.parent.parent
        top.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", "*\n"), ("CACHEDIR.TAG", _README)):
            f = top / name
            if not f.exists():
                f.write_text(text, encoding="utf-8")
        self._ready = True
