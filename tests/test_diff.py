"""`archlint check --diff REF`: only findings on changed lines (and cross-service findings that
involve a changed file), in real git repositories, shallow clones included."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import archlint, write_tree
from test_baseline import CYCLE

from archlint.gitdiff import parse_diff

OLD = 'PASSWORD = "Orders-Pr0d-2024!"\n'
NEW = 'API_PASSWORD = "Pr0d-Secr3t-Value!"\n'
ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=repo, env={**os.environ, **ENV}, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def new_repo(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    write_tree(path, files)
    git(path, "add", "-A")
    git(path, "commit", "-qm", "legacy")
    return path


def findings(repo: Path, *args: str) -> list[tuple[str, str, int]]:
    run = archlint("check", "--format", "json", "--no-cache", *args, cwd=repo)
    assert run.code in (0, 1), run.err
    return [(f["code"], f["path"], f["line"]) for f in run.json()["findings"]]


def test_only_changed_lines_and_untracked_files(tmp_path):
    repo = new_repo(tmp_path / "shop", {"app/db.py": OLD, "app/other.py": OLD})
    write_tree(repo, {"app/db.py": "# header\n" + OLD + NEW, "app/new.py": NEW})
    assert findings(repo, "--diff", "HEAD") == [
        ("ARC501", "app/db.py", 3),  # edited (unstaged)
        ("ARC501", "app/new.py", 1),  # untracked: all of it is new
    ]
    run = archlint("check", "--diff", "HEAD", "--no-cache", cwd=repo)
    assert run.code == 1
    assert "2 on code unchanged since HEAD" in run.out
    # Staged or committed, the same lines count as changed against the first commit.
    git(repo, "add", "-A")
    assert len(findings(repo, "--diff", "HEAD")) == 2
    git(repo, "commit", "-qm", "more")
    assert findings(repo, "--diff", "HEAD~1") == [
        ("ARC501", "app/db.py", 3),
        ("ARC501", "app/new.py", 1),
    ]
    assert findings(repo, "--diff", "HEAD") == []
    assert archlint("check", "--diff", "HEAD", "--no-cache", cwd=repo).code == 0


def test_a_branch_is_compared_with_its_merge_base(tmp_path):
    repo = new_repo(tmp_path / "shop", {"app/db.py": OLD})
    git(repo, "checkout", "-qb", "feature")
    write_tree(repo, {"app/feature.py": NEW})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "feature")
    git(repo, "checkout", "-q", "main")
    write_tree(repo, {"app/main_only.py": NEW})  # main moved on after the branch
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "main")
    git(repo, "checkout", "-q", "feature")
    assert findings(repo, "--diff", "main") == [("ARC501", "app/feature.py", 1)]


def test_cross_service_findings_that_involve_a_changed_file(tmp_path):
    repo = new_repo(tmp_path / "shop", CYCLE)
    assert findings(repo, "--diff", "HEAD") == []
    everything = findings(repo, "--select", "ARC202,ARC301")
    assert ("ARC301", "inventory/app/main.py", 6) in everything
    # One line far from the calls changes in orders. The cycle is reported (at inventory's
    # call, with orders' call as a step of its flow), and so is orders' missing health endpoint
    # (at its app, with its compose entry as related location); inventory's is not.
    orders = (repo / "orders/app/main.py").read_text()
    edited = orders.replace('{"id": order_id}', '{"id": order_id, "v": 2}')
    write_tree(repo, {"orders/app/main.py": edited})
    assert findings(repo, "--diff", "HEAD", "--select", "ARC202,ARC301") == [
        ("ARC202", "inventory/app/main.py", 12),
        ("ARC301", "orders/app/main.py", 6),
    ]


def test_project_in_a_subfolder_of_the_repository(tmp_path):
    repo = new_repo(
        tmp_path / "mono", {"svc/archlint.toml": "", "svc/app/db.py": OLD, "web/x.py": OLD}
    )
    write_tree(repo, {"svc/app/db.py": OLD + NEW, "web/x.py": OLD + NEW})
    run = archlint("check", "svc", "--diff", "HEAD", "--format", "json", "--no-cache", cwd=repo)
    assert [(f["path"], f["line"]) for f in run.json()["findings"]] == [("app/db.py", 2)]


def test_missing_ref_in_a_shallow_clone_says_what_to_fetch(tmp_path):
    origin = new_repo(tmp_path / "origin", {"app/db.py": OLD})
    git(origin, "checkout", "-qb", "feature")
    write_tree(origin, {"app/feature.py": NEW})
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "feature")
    clone = tmp_path / "clone"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth=1",
        "--branch",
        "feature",
        "--single-branch",
        origin.as_uri(),
        str(clone),
    )
    run = archlint("check", "--diff", "origin/main", cwd=clone)
    assert run.code == 2
    assert len(run.err.strip().splitlines()) == 1, run.err
    assert "--diff origin/main: no such commit in this shallow clone" in run.err
    assert "`git fetch --depth=1 origin main`" in run.err and "fetch-depth: 0" in run.err

    # Doing what it says (a local file:// fetch here) is enough, without the history between.
    git(clone, "fetch", "-q", "--depth=1", "origin", "main:refs/remotes/origin/main")
    assert findings(clone, "--diff", "origin/main") == [("ARC501", "app/feature.py", 1)]


@pytest.mark.parametrize(
    "ref, message",
    [
        ("no-such-branch", "--diff no-such-branch: no such commit in this repository"),
        ("--output=x", "expected a git revision"),
    ],
)
def test_bad_refs_are_one_line_usage_errors(tmp_path, ref, message):
    repo = new_repo(tmp_path / "shop", {"app/db.py": OLD})
    run = archlint("check", f"--diff={ref}", cwd=repo)
    assert run.code == 2 and message in run.err
    assert len(run.err.strip().splitlines()) == 1, run.err


def test_outside_a_repository(project):
    write_tree(project, {"app/db.py": OLD})
    (project / ".git").rmdir()
    run = archlint("check", "--diff", "main", cwd=project)
    assert run.code == 2 and "--diff needs a git repository" in run.err


def test_repository_configured_programs_never_run(tmp_path):
    repo = new_repo(
        tmp_path / "shop", {"app/db.py": OLD, ".gitattributes": "* filter=evil diff=evil\n"}
    )
    marker = tmp_path / "ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\ncat\n")
    hook.chmod(0o755)
    for key in (
        "filter.evil.clean",
        "filter.evil.process",
        "core.fsmonitor",
        "diff.external",
        "diff.evil.textconv",
        "diff.evil.command",
        "core.pager",
    ):
        git(repo, "config", key, str(hook))
    write_tree(repo, {"app/db.py": OLD + NEW})
    os.utime(repo / "app/db.py", (1, 1))  # stat differs from the index: git must re-read it
    assert findings(repo, "--diff", "HEAD") == [("ARC501", "app/db.py", 2)]
    assert not marker.exists()


def test_parse_diff_reads_hunks_not_headers():
    patch = (
        b"diff --git a/kept.py b/kept.py\n"
        b"--- a/kept.py\n+++ b/kept.py\n"
        b"@@ -2 +2 @@ ctx\n-old\n+new\n"
        b"@@ -10,2 +9,0 @@\n-gone\n-gone too\n"
        b"@@ -20,0 +19,2 @@\n+added\n+added\n"
        b'diff --git "a/sp ace\\303\\251.py" "b/sp ace\\303\\251.py"\n'
        b'--- "a/sp ace\\303\\251.py"\n+++ "b/sp ace\\303\\251.py"\n'
        b"@@ -0,0 +1 @@\n+x\n"
        b"diff --git a/deleted.py b/deleted.py\n--- a/deleted.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
        b"diff --git a/logo.png b/logo.png\nBinary files a/logo.png and b/logo.png differ\n"
        b"diff --git a/old.py b/new.py\nsimilarity index 100%\nrename from old.py\nrename to new.py\n"
    )
    assert parse_diff(patch) == {
        "kept.py": ((2, 2), (9, 10), (19, 20)),
        "sp aceé.py": ((1, 1),),
        "logo.png": None,
    }
