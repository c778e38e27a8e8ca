"""Issue 6, must-show 6: the cache sits in the scanned tree, so it is untrusted input. A
corrupted, truncated or crafted entry is ignored (the file is read again), the run's report is
the cold run's, and the entry is rewritten; the format is JSON, never code."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import archlint, write_tree

SECRET = "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6"
FILES = {
    "svc/app.py": f'import os\nSTRIPE = "{SECRET}"\nDB = os.getenv("DB_URL", "postgresql://db/app")\n',
    "svc/broken.py": "def f(:\n",
    "deploy/compose.yaml": "services:\n  web:\n    build: ./svc\n",
    "db/V1__init.sql": "CREATE TABLE t (id int PRIMARY KEY);\nCREATE INDEX i ON t (id);\n",
    ".env": "A=1\n",
}


def _entries(root: Path) -> list[Path]:
    return sorted(p for p in (root / ".archlint_cache").rglob("*.json") if p.is_file())


def _deep(raw: str) -> str:
    return "[" * 100_000 + "]" * 100_000


# Older entries stored a Location as `[path, line, column, end_line, end_column]`; entries are
# objects with named fields now. Each mutation hits both forms.
_LOCATION_LINE = re.compile(r'(\["[^"\\]*",)\d+')


def _huge_numbers(raw: str) -> str:
    raw = _LOCATION_LINE.sub(r"\g<1>" + "9" * 4000, raw)
    return re.sub(r'"(line|column|end_line|end_column)":\d+', r'"\1":' + "9" * 4000, raw)


def _over_limit_numbers(raw: str) -> str:
    raw = _LOCATION_LINE.sub(r"\g<1>" + "9" * 10_000, raw)
    return re.sub(r'"line":\d+', '"line":' + "9" * 10_000, raw)


def _negative(raw: str) -> str:
    raw = _LOCATION_LINE.sub(r"\g<1>-5", raw)
    return re.sub(r'"(line|column)":\d+', r'"\1":-5', raw)


def _floats(raw: str) -> str:
    raw = _LOCATION_LINE.sub(r"\g<1>1e308", raw)
    return re.sub(r'"line":\d+', '"line":1e308', raw)


def _wrong_types(raw: str) -> str:
    data = json.loads(raw)
    data["facts"]["named_values"] = {"not": "a list"}
    data["findings"] = "nope"
    return json.dumps(data)


def _extra_and_missing(raw: str) -> str:
    data = json.loads(raw)
    del data["facts"]["path"]
    data["__class__"] = "os.system"
    return json.dumps(data)


def _deep_inside(raw: str) -> str:
    data = json.loads(raw)
    data["facts"]["named_values"] = "DEEP"
    return json.dumps(data).replace('"DEEP"', "[" * 5_000 + '"x"' + "]" * 5_000)


def _pickle(raw: str) -> str:
    return "cos\nsystem\n(S'touch PWNED'\ntR."


def _kinds(raw: str) -> str:
    return re.sub(r'"kind":"\w+"', '"kind":"__import__(\'os\')"', raw)


MUTATIONS: dict[str, Callable[[str], str]] = {
    "garbage": lambda raw: "\x00\xff garbage",
    "empty": lambda raw: "",
    "truncated": lambda raw: raw[: len(raw) // 2],
    "not-an-object": lambda raw: "[1, 2, 3]",
    "null": lambda raw: "null",
    "deep": _deep,
    "deep-inside": _deep_inside,
    "huge-numbers": _huge_numbers,
    "over-limit-numbers": _over_limit_numbers,
    "negative": _negative,
    "floats": _floats,
    "wrong-types": _wrong_types,
    "extra-and-missing": _extra_and_missing,
    "pickle": _pickle,
    "bad-enum": _kinds,
}


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    root = tmp_path_factory.mktemp("cache")
    (root / ".git").mkdir()
    write_tree(root, FILES)
    cold = archlint("check", "--format", "json", "-j", "1", cwd=root)
    assert cold.code == 1 and _entries(root)
    return root, cold.json()["findings"]


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_a_bad_entry_is_ignored_and_rebuilt(warm, name):
    root, cold = warm
    changed = 0
    for entry in _entries(root):
        raw = entry.read_text(encoding="utf-8")
        mutated = MUTATIONS[name](raw)
        changed += mutated != raw
        entry.write_text(mutated, encoding="utf-8")
    assert changed
    run = archlint("check", "--format", "json", "-j", "1", cwd=root)
    assert "Traceback" not in run.err and run.code == 1, run.err
    assert run.json()["findings"] == cold
    assert run.json()["summary"]["files_from_cache"] == len(FILES) - changed
    again = archlint("check", "--format", "json", "-j", "1", cwd=root).json()
    assert again["summary"]["files_from_cache"] == len(FILES)
    assert again["findings"] == cold
    assert not (root / "PWNED").exists()


def test_an_unwritable_cache_folder_just_runs_uncached(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, FILES)
    (tmp_path / ".archlint_cache").write_text("a file where the folder should be")
    run = archlint("check", "--format", "json", "-j", "1", cwd=tmp_path)
    assert run.code == 1 and "Traceback" not in run.err
