"""Which lines changed since a git revision, for `archlint check --diff REF`.

Changed means: lines added or modified between REF (its merge base with HEAD, when the clone has
the history to find one) and the working tree — committed, staged and unstaged edits alike — plus
every untracked, non-ignored file as a whole. Only local git runs, never a fetch: a REF the
clone does not have is a usage error that says how to fetch it, and git may use no transport
(`protocol.allow=never`), so a partial clone cannot fetch missing objects behind our back.

git runs with every repository-configured command disabled that these subcommands could start
(fsmonitor, clean/smudge filters, external diff, textconv, pager): a scanned repository's
`.git/config` is untrusted input.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from archlint.errors import UsageError

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_FILTER_KEY = re.compile(r"^filter\.(.+)\.(clean|smudge|process|required)$")
_TIMEOUT = 120


@dataclass(frozen=True)
class ChangedLines:
    """Changed lines per file, paths POSIX and relative to the project root.

    A file maps to its changed line ranges (inclusive), or to None when the whole file counts
    as changed (untracked, binary)."""

    ref: str
    base: str  # the commit the working tree was compared with
    files: dict[str, tuple[tuple[int, int], ...] | None] = field(default_factory=dict)

    def file_changed(self, path: str) -> bool:
        return path in self.files

    def lines_changed(self, path: str, first: int, last: int) -> bool:
        """Whether any of lines first..last of `path` changed."""
        if path not in self.files:
            return False
        ranges = self.files[path]
        if ranges is None:
            return True
        return any(start <= last and first <= end for start, end in ranges)


def changed_lines(root: Path, ref: str) -> ChangedLines:
    """What changed under `root` since `ref`; UsageError (one line) when git cannot tell."""
    if not ref or ref.startswith("-"):
        raise UsageError(f"--diff {ref!r}: expected a git revision such as origin/main or HEAD~1")
    git = _Git(root)
    top = git.toplevel()
    try:
        prefix = Path(os.path.realpath(root)).relative_to(top).as_posix()
    except ValueError:
        raise UsageError(f"--diff: the project {root} is not inside the repository {top}") from None
    prefix = "" if prefix == "." else prefix + "/"
    commit = git.run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], check=False)
    if commit.returncode != 0:
        raise UsageError(_missing_ref(git, ref))
    ref_sha = commit.stdout.decode().strip()
    merge_base = git.run(["merge-base", ref_sha, "HEAD"], check=False)
    base = merge_base.stdout.decode().strip() if merge_base.returncode == 0 else ref_sha
    diff = git.run(
        [
            "diff",
            "--unified=0",
            "--inter-hunk-context=0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--find-renames",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            base,
            "--",
        ]
    )
    untracked = git.run(["ls-files", "--others", "--exclude-standard", "-z"])
    files: dict[str, tuple[tuple[int, int], ...] | None] = {}
    for path, ranges in parse_diff(diff.stdout).items():
        if path.startswith(prefix):
            files[path[len(prefix) :]] = ranges
    for raw in untracked.stdout.split(b"\0"):
        path = raw.decode("utf-8", "surrogateescape")
        if path and path.startswith(prefix):
            files[path[len(prefix) :]] = None
    return ChangedLines(ref, base, files)


def parse_diff(data: bytes) -> dict[str, tuple[tuple[int, int], ...] | None]:
    """Changed line ranges of each new-side file in a `git diff --unified=0` patch.

    Hunk bodies are read line by line (not just their headers), so context lines that a
    user's `diff.*` settings might add are never counted. A replaced line is marked through its
    new text; a pure removal marks the lines on both sides of the gap. Binary files count as
    changed as a whole; deleted files not at all.
    """
    out: dict[str, tuple[tuple[int, int], ...] | None] = {}
    lines: set[int] = set()
    path: str | None = None
    new_line = 0
    in_hunk = False

    def flush() -> None:
        if path is not None and lines and out.get(path, ()) is not None:
            out[path] = _ranges(lines)

    for raw in data.split(b"\n"):
        if raw.startswith(b"diff --git "):
            flush()
            path, lines, in_hunk = None, set(), False
        elif not in_hunk and raw.startswith(b"+++ "):
            name = _unquote(raw[4:])
            path = name[2:] if name.startswith("b/") else None  # /dev/null: deleted
        elif not in_hunk and raw.startswith(b"Binary files ") and raw.endswith(b" differ"):
            name = _unquote(raw[len(b"Binary files ") : -len(b" differ")].rsplit(b" and ", 1)[-1])
            if name.startswith("b/"):
                out[name[2:]] = None
        elif (m := _HUNK.match(raw)) is not None:
            in_hunk = True
            new_line = int(m.group(1))
            if m.group(2) == b"0":
                # A pure removal: N is the line before the gap; both neighbours changed.
                lines.update(n for n in (new_line, new_line + 1) if n >= 1)
        elif in_hunk and raw[:1] == b"+":
            lines.add(new_line)
            new_line += 1
        elif in_hunk and raw[:1] == b" ":
            new_line += 1
        elif in_hunk and raw[:1] not in (b"-", b"\\"):
            in_hunk = False
    flush()
    return out


def _ranges(lines: set[int]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for n in sorted(lines):
        if out and out[-1][1] == n - 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return tuple(out)


_ESCAPES = {b"n": b"\n", b"t": b"\t", b'"': b'"', b"\\": b"\\", b"a": b"\a", b"b": b"\b"}
_ESCAPES |= {b"f": b"\f", b"r": b"\r", b"v": b"\v"}


def _unquote(name: bytes) -> str:
    """A path as git prints it: C-quoted ("a\\tb", octal bytes) when it holds odd characters."""
    name = name.rstrip(b"\r")
    if name.endswith(b"\t"):  # git appends a tab after names with spaces in some headers
        name = name[:-1]
    if len(name) < 2 or not (name.startswith(b'"') and name.endswith(b'"')):
        return name.decode("utf-8", "surrogateescape")
    body, out, i = name[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i : i + 1]
        if c == b"\\" and i + 1 < len(body):
            nxt = body[i + 1 : i + 2]
            if nxt.isdigit():
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
            out += _ESCAPES.get(nxt, nxt)
            i += 2
            continue
        out += c
        i += 1
    return bytes(out).decode("utf-8", "surrogateescape")


def _missing_ref(git: _Git, ref: str) -> str:
    remote, _, branch = ref.partition("/")
    fetch = (
        f"git fetch --depth=1 {remote} {branch}" if branch else f"git fetch --depth=1 origin {ref}"
    )
    shallow = git.run(["rev-parse", "--is-shallow-repository"], check=False).stdout.strip()
    where = "this shallow clone" if shallow == b"true" else "this repository"
    return (
        f"--diff {ref}: no such commit in {where}; fetch it first (`{fetch}`), or check out "
        "with the full history (actions/checkout: `fetch-depth: 0`)"
    )


# Settings that would make these git commands start a program, reach the network (a partial
# clone fetches missing blobs on demand) or change their output format.
_SAFE_CONFIG = (
    "-c",
    "protocol.allow=never",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.quotePath=true",
    "-c",
    "diff.noprefix=false",
    "-c",
    "diff.mnemonicPrefix=false",
    "-c",
    "diff.relative=false",
    "-c",
    "color.ui=never",
    "-c",
    "core.pager=cat",
)


class _Git:
    """Local git in one folder, with every repository-configured program disabled."""

    def __init__(self, cwd: Path):
        self.cwd = cwd
        self.env = dict(os.environ)
        self.env.update(
            GIT_TERMINAL_PROMPT="0",
            GIT_OPTIONAL_LOCKS="0",  # never rewrite the index while the user works
            GIT_NO_LAZY_FETCH="1",
            GIT_PAGER="cat",
            LC_ALL="C",
        )
        self.env.pop("GIT_EXTERNAL_DIFF", None)
        self.config = [*_SAFE_CONFIG]
        # Comparing the working tree with a commit runs the clean filters .gitattributes names:
        # blank every filter driver the configuration defines.
        listed = self._exec(
            ["git", "-c", "core.fsmonitor=false", "config", "-z", "--get-regexp", r"^filter\."]
        )
        names = set()
        for entry in listed.stdout.decode("utf-8", "surrogateescape").split("\0"):
            m = _FILTER_KEY.match(entry.split("\n", 1)[0])
            if m:
                names.add(m.group(1))
        for name in sorted(names):
            for key in ("clean", "smudge", "process"):
                self.config += ["-c", f"filter.{name}.{key}="]
            self.config += ["-c", f"filter.{name}.required=false"]

    def _exec(self, cmd: list[str]) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(
                cmd,
                cwd=self.cwd,
                env=self.env,
                capture_output=True,
                stdin=subprocess.DEVNULL,
                timeout=_TIMEOUT,
            )
        except FileNotFoundError:
            raise UsageError("--diff needs git, and no `git` command was found on PATH") from None
        except subprocess.TimeoutExpired:
            raise UsageError(f"--diff: `{' '.join(cmd[-3:])}` took over {_TIMEOUT} s") from None

    def run(self, args: Sequence[str], check: bool = True) -> subprocess.CompletedProcess[bytes]:
        proc = self._exec(["git", *self.config, "--no-pager", *args])
        if check and proc.returncode != 0:
            msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = msg[-1] if msg else f"exit code {proc.returncode}"
            raise UsageError(f"--diff: `git {args[0]}` failed in {self.cwd}: {detail}")
        return proc

    def toplevel(self) -> Path:
        proc = self.run(["rev-parse", "--show-toplevel"], check=False)
        if proc.returncode != 0:
            said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            if not said or "not a git repository" in said[-1]:
                raise UsageError(
                    f"--diff needs a git repository, and {self.cwd} is not inside one "
                    "(run archlint in a clone, or drop --diff)"
                )
            raise UsageError(f"--diff: git cannot read the repository at {self.cwd}: {said[-1]}")
        return Path(os.path.realpath(proc.stdout.decode("utf-8", "surrogateescape").strip()))
