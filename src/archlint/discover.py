"""Walk the tree and say what each file is.

Follows ruff's conventions: `.gitignore` files (nested ones too, and `.git/info/exclude`) and the
`exclude` setting prune the walk; folders such as `.git`, virtualenvs and `node_modules` are
always skipped; a path named on the command line is scanned even when excluded, unless
`--force-exclude` is given (what pre-commit hooks want). Symlinks are followed only when they
resolve inside the project, and every real folder is walked at most once, so loops end.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from archlint.model import FileKind, SourceFile

# ruff's default excludes, plus our cache.
DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".bzr",
        ".direnv",
        ".eggs",
        ".git",
        ".git-rewrite",
        ".hg",
        ".ipynb_checkpoints",
        ".mypy_cache",
        ".nox",
        ".pants.d",
        ".pyenv",
        ".pytest_cache",
        ".pytype",
        ".ruff_cache",
        ".svn",
        ".tox",
        ".venv",
        ".vscode",
        ".idea",
        "__pypackages__",
        "__pycache__",
        "_build",
        "buck-out",
        "build",
        "dist",
        "node_modules",
        "site-packages",
        "venv",
        ".archlint_cache",
        ".terraform",
        ".serverless",
    }
)
_BINARY_EXT = frozenset(
    [
        "png",
        "jpg",
        "jpeg",
        "gif",
        "bmp",
        "ico",
        "webp",
        "tiff",
        "svgz",
        "psd",
        "pdf",
        "zip",
        "gz",
        "tgz",
        "bz2",
        "xz",
        "7z",
        "rar",
        "jar",
        "war",
        "ear",
        "whl",
        "egg",
        "so",
        "dylib",
        "dll",
        "exe",
        "bin",
        "o",
        "a",
        "lib",
        "class",
        "pyc",
        "pyo",
        "pyd",
        "woff",
        "woff2",
        "ttf",
        "otf",
        "eot",
        "mp3",
        "mp4",
        "wav",
        "ogg",
        "flac",
        "mov",
        "avi",
        "mkv",
        "webm",
        "sqlite",
        "sqlite3",
        "db",
        "parquet",
        "avro",
        "orc",
        "pkl",
        "pickle",
        "npy",
        "npz",
        "h5",
        "onnx",
        "pt",
    ]
)
_COMPOSE_RE = re.compile(r"^(docker-)?compose([.-][\w.-]*)?\.ya?ml$", re.I)
_DOTENV_RE = re.compile(r"^\.env(\..+)?$|^.+\.env$", re.I)
_YAML_EXT = {"yaml", "yml"}
_INI_EXT = {"ini", "cfg", "properties", "conf"}


def classify(name: str) -> tuple[str, FileKind]:
    """(format, kind) from a file name alone; YAML/JSON kinds are refined later by content."""
    lower = name.lower()
    ext = lower.rsplit(".", 1)[-1] if "." in lower else ""
    if ext in ("py", "pyi"):
        return "python", FileKind.PYTHON
    if ext == "sql":
        return "sql", FileKind.SQL
    if _DOTENV_RE.match(name):
        return "dotenv", FileKind.DOTENV
    if ext in _YAML_EXT:
        if _COMPOSE_RE.match(name):
            return "yaml", FileKind.COMPOSE
        return "yaml", FileKind.CONFIG
    if ext == "json":
        return "json", FileKind.CONFIG
    if ext == "toml":
        return "toml", FileKind.CONFIG
    if ext in _INI_EXT:
        return "ini", FileKind.CONFIG
    return "text", FileKind.TEXT


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path discovery could not enter or read (reported as ARC004)."""

    path: str
    reason: str


class _Ignores:
    """The .gitignore specs in force for a folder, outermost first."""

    def __init__(self, specs: tuple[tuple[str, pathspec.GitIgnoreSpec], ...] = ()):
        self.specs = specs

    def child(self, rel_dir: str, abs_dir: str) -> _Ignores:
        gi = os.path.join(abs_dir, ".gitignore")
        try:
            with open(gi, encoding="utf-8", errors="replace") as fh:
                lines = fh.read().splitlines()
        except OSError:
            return self
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
        return _Ignores((*self.specs, (rel_dir, spec)))

    def ignored(self, rel: str, is_dir: bool) -> bool:
        verdict = False
        for base, spec in self.specs:
            sub = rel[len(base) + 1 :] if base else rel
            if is_dir:
                sub += "/"
            res = spec.check_file(sub)
            if res.include is not None:
                verdict = res.include
        return verdict


class _Walker:
    def __init__(self, root: Path, exclude: Sequence[str], respect_gitignore: bool):
        self.root = str(root)
        self.real_root = os.path.realpath(root)
        self.exclude = pathspec.GitIgnoreSpec.from_lines(exclude) if exclude else None
        self.respect_gitignore = respect_gitignore
        self.files: dict[str, SourceFile] = {}
        self.skipped: list[Skipped] = []
        self.seen_dirs: set[str] = set()
        self.seen_files: set[str] = set()
        self._chains: dict[str, _Ignores] = {}
        self.base = _Ignores()
        info_exclude = os.path.join(self.root, ".git", "info", "exclude")
        if respect_gitignore and os.path.isfile(info_exclude):
            with open(info_exclude, encoding="utf-8", errors="replace") as fh:
                self.base = _Ignores((("", pathspec.GitIgnoreSpec.from_lines(fh)),))

    def inside(self, real: str) -> bool:
        return real == self.real_root or real.startswith(self.real_root + os.sep)

    def ignored(self, rel: str, is_dir: bool, ignores: _Ignores) -> bool:
        if self.exclude is not None and self.exclude.match_file(rel + ("/" if is_dir else "")):
            return True
        return self.respect_gitignore and ignores.ignored(rel, is_dir)

    def ignores_for(self, rel_dir: str) -> _Ignores:
        """The .gitignore specs of every folder from the root down to `rel_dir` (exclusive)."""
        if not self.respect_gitignore or not rel_dir:
            return self.base
        return self._chain(rel_dir.rsplit("/", 1)[0] if "/" in rel_dir else "")

    def _chain(self, rel_dir: str) -> _Ignores:
        """The specs from the root down to `rel_dir` inclusive; each .gitignore is read once."""
        found = self._chains.get(rel_dir)
        if found is None:
            found = self.ignores_for(rel_dir).child(rel_dir, os.path.join(self.root, rel_dir))
            self._chains[rel_dir] = found
        return found

    def path_excluded(self, rel: str, is_dir: bool) -> bool:
        """Is a path, or one of the folders above it, excluded (used for --force-exclude)?"""
        parts = rel.split("/")
        for i in range(1, len(parts) + 1):
            prefix, last = "/".join(parts[:i]), i == len(parts)
            if not last and parts[i - 1] in DEFAULT_EXCLUDED_DIRS:
                return True
            if self.ignored(prefix, is_dir or not last, self.ignores_for("/".join(parts[: i - 1]))):
                return True
        return False

    def add_file(self, abs_path: str, rel: str, explicit: bool) -> None:
        real = os.path.realpath(abs_path)
        if not self.inside(real) or real in self.seen_files:
            return
        self.seen_files.add(real)
        fmt, kind = classify(os.path.basename(rel))
        if fmt == "text" and rel.rsplit(".", 1)[-1].lower() in _BINARY_EXT:
            return
        self.files[rel] = SourceFile(rel, abs_path, fmt, kind, explicit)

    def walk(self, abs_top: str, rel_top: str) -> None:
        stack = [(abs_top, rel_top, self.ignores_for(rel_top))]
        while stack:
            abs_dir, rel_dir, ignores = stack.pop()
            real = os.path.realpath(abs_dir)
            if real in self.seen_dirs or not self.inside(real):
                continue
            self.seen_dirs.add(real)
            if self.respect_gitignore:
                ignores = ignores.child(rel_dir, abs_dir)
            try:
                entries = sorted(os.scandir(abs_dir), key=lambda e: e.name, reverse=True)
            except OSError as exc:
                self.skipped.append(Skipped(rel_dir or ".", f"cannot list folder ({exc.strerror})"))
                continue
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                try:
                    is_dir = entry.is_dir()  # follows symlinks; `inside` checks where they lead
                    is_file = not is_dir and entry.is_file()
                except OSError:
                    continue
                if is_dir:
                    if (
                        entry.name in DEFAULT_EXCLUDED_DIRS
                        or entry.name.endswith(".egg-info")
                        or os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))  # a virtualenv
                        # a cache folder (ours under any `cache-dir` name, or another tool's)
                        or os.path.exists(os.path.join(entry.path, "CACHEDIR.TAG"))
                        or self.ignored(rel, True, ignores)
                    ):
                        continue
                    stack.append((entry.path, rel, ignores))
                elif is_file and not self.ignored(rel, False, ignores):
                    if not os.access(entry.path, os.R_OK):
                        self.skipped.append(
                            Skipped(rel, "file is not readable (permission denied)")
                        )
                        continue
                    self.add_file(entry.path, rel, explicit=False)


def discover(
    paths: Sequence[Path],
    root: Path,
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    force_exclude: bool = False,
) -> tuple[list[SourceFile], list[Skipped]]:
    """Files under `paths` (all inside `root`), sorted by path, plus what could not be entered."""
    walker = _Walker(root, exclude, respect_gitignore)
    abs_root = os.path.abspath(root)
    for given in paths:
        abs_given = os.path.abspath(given)
        rel = "" if abs_given == abs_root else Path(os.path.relpath(abs_given, abs_root)).as_posix()
        try:
            mode = os.stat(abs_given).st_mode
        except OSError as exc:
            walker.skipped.append(Skipped(rel or ".", f"cannot read ({exc.strerror})"))
            continue
        is_dir = stat.S_ISDIR(mode)
        if force_exclude and rel and walker.path_excluded(rel, is_dir):
            continue
        if is_dir:
            walker.walk(abs_given, rel)
        elif stat.S_ISREG(mode):
            walker.add_file(abs_given, rel, explicit=True)
    return [walker.files[k] for k in sorted(walker.files)], walker.skipped
