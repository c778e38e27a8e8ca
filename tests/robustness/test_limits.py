"""Issue 6, must-show 2: the per-file time budget. One file that never finishes (here a plug-in
rule that loops forever on it, and a real reader on a big file with a tiny budget) becomes an
ARC004 with its reason, with `--jobs 1` and with a process pool alike; the rest of the run goes
on, and the skip is not cached (a faster machine may read the file)."""

from __future__ import annotations

import pytest
from conftest import archlint, archlint_subprocess, write_tree

SECRET = "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6"
STALL_RULE = """
from archlint.model import Level
from archlint.rule import FileRule


class Stall(FileRule):
    code = "XYZ900"
    name = "stall"
    default_level = Level.NOTE

    def check_file(self, ctx):
        if ctx.path.endswith("stall.py"):
            while True:  # and a reader's `except Exception` must not end the budget either
                try:
                    pass
                except Exception:
                    pass
        return ()
"""


def _tree(project, files: int, budget: str = "1"):
    tree = {
        "archlint.toml": f'plugins = ["tools/stall_rule.py"]\nmax-file-time = {budget}\n',
        "tools/stall_rule.py": STALL_RULE,
        "svc/stall.py": f'K = "{SECRET}"\n',
    }
    tree.update({f"svc/f{i:02}.py": f'K = "{SECRET}"\n' for i in range(files)})
    return write_tree(project, tree)


def _check(run, files: int) -> None:
    assert run.code == 1 and "Traceback" not in run.err, run.err
    got = run.findings()
    assert ("ARC004", "svc/stall.py", 1) in got
    assert sum(1 for code, path, _ in got if code == "ARC501" and path != "svc/stall.py") == files
    message = next(f["message"] for f in run.json()["findings"] if f["code"] == "ARC004")
    assert message == "file not analysed: took longer than max-file-time (1 s) to read"


def test_a_stalling_file_is_skipped_with_jobs_1(project):
    _tree(project, 3)
    _check(archlint("check", "--format", "json", "--jobs", "1", cwd=project), 3)
    again = archlint("check", "--format", "json", "--jobs", "1", cwd=project)
    _check(again, 3)  # not served from the cache: read (and timed out) again
    summary = again.json()["summary"]
    assert summary["files_from_cache"] == summary["files"] - 1  # all but the stalling file


def test_a_stalling_file_is_skipped_in_a_worker(project):
    _tree(project, 60)  # enough files for the process pool
    _check(
        archlint_subprocess("check", "--format", "json", "--no-cache", "--jobs", "2", cwd=project),
        60,
    )


def test_a_slow_reader_is_stopped_by_the_budget(project):
    write_tree(
        project,
        {
            "archlint.toml": "max-file-time = 0.1\n",
            "db/dump.sql": "".join(f"INSERT INTO t (id) VALUES ({i});\n" for i in range(100_000)),
            "ok.py": f'K = "{SECRET}"\n',
        },
    )
    got = archlint("check", "--format", "json", "--no-cache", "-j", "1", cwd=project).findings()
    assert sorted(got) == [("ARC004", "db/dump.sql", 1), ("ARC501", "ok.py", 1)]


@pytest.mark.parametrize("value", ["-1", '"10s"', "true", "inf", "nan"])
def test_a_bad_budget_is_a_usage_error(project, value):
    write_tree(project, {"archlint.toml": f"max-file-time = {value}\n", "a.py": "x = 1\n"})
    run = archlint("check", cwd=project)
    assert run.code == 2
    assert "max-file-time': expected a number of seconds (0: no limit)" in run.err


def test_a_zero_budget_is_no_budget(project):
    write_tree(project, {"archlint.toml": "max-file-time = 0\n", "a.py": f'K = "{SECRET}"\n'})
    assert archlint("check", "--format", "json", "-j", "1", cwd=project).findings() == [
        ("ARC501", "a.py", 1)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 30_000 + "]" * 30_000,  # flow collections: ruamel's C composer recursed to a crash
        "- " * 60_000 + "x\n",
        "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 3_000)),
    ],
    ids=["brackets", "dashes", "indentation"],
)
def test_yaml_nested_beyond_the_c_parsers_stack_is_a_finding_not_a_crash(project, text):
    write_tree(project, {"deploy/deep.yaml": text, "app.py": f'KEY = "{SECRET}"\n'})
    run = archlint_subprocess(
        "check", project, "--format", "json", "--no-cache", "-j", "1", cwd=project
    )
    assert run.code == 1, run.err
    found = {(f["code"], f["path"]) for f in run.json()["findings"]}
    assert found == {("ARC001", "deploy/deep.yaml"), ("ARC501", "app.py")}
