"""Helpers: run archlint as a user would (the CLI), and build small project trees."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from archlint.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def findings(self) -> list[tuple[str, str, int]]:
        """(code, path, line) of every finding, from --format json output."""
        return [(f["code"], f["path"], f["line"]) for f in self.json()["findings"]]


def archlint(*args: str | Path, cwd: Path | None = None) -> Run:
    """Run `archlint ARGS` in-process (cwd switched), capturing stdout, stderr and exit code."""
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.chdir(cwd or Path.cwd()),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse --help / --version / usage errors
            code = int(exc.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


def archlint_subprocess(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Run:
    proc = subprocess.run(
        [sys.executable, "-m", "archlint", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def copy_fixture(name: str, target: Path) -> Path:
    """A copy of tests/fixtures/NAME without the cache a run on the fixture itself leaves there
    (the README's first command checks tests/fixtures/secrets-shop)."""
    return Path(
        shutil.copytree(FIXTURES / name, target, ignore=shutil.ignore_patterns(".archlint_cache"))
    )


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create files (dedented text, or raw bytes) under root."""
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder that is its own git repository root."""
    (tmp_path / ".git").mkdir()
    return tmp_path
