"""The pre-commit hook, end to end, as a team uses it: pre-commit installs this checkout (its
working tree, committed into a throw-away hook repository) from the package registry, then

- `pre-commit run --all-files` fails on a planted secret and passes once it is fixed;
- a commit that touches one file of a multi-service repository is judged with the whole
  project in view (a service-dependency cycle closed by that file is reported), while findings
  in files the commit does not touch are not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_tree
from test_baseline import CYCLE

CHECKOUT = Path(__file__).resolve().parents[1]
SECRET = 'STRIPE_API_KEY = "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6"\n'

pytestmark = pytest.mark.network

try:
    import pre_commit  # noqa: F401
except ImportError:  # pragma: no cover
    if os.environ.get("CI"):
        raise
    pytest.skip("pre-commit is not installed (pip install -e '.[test]')", allow_module_level=True)


def _run(args, cwd, env, check=False):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("pre-commit-home")
    return {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "NO_COLOR": "1",
    }


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env):
    """(path, commit) of a git repository holding what a release of this checkout would hold:
    the files pip needs to install it and .pre-commit-hooks.yaml, as they are in the working
    tree (uncommitted changes included)."""
    dest = tmp_path_factory.mktemp("hook") / "archlint"
    listed = _run(["git", "ls-files", "-co", "--exclude-standard", "-z"], CHECKOUT, env, check=True)
    wanted = ("src/", "rules/", "pyproject.toml", "README.md", ".pre-commit-hooks.yaml")
    for rel in listed.stdout.split("\0"):
        if rel.startswith(wanted) and "__pycache__" not in rel and (CHECKOUT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(CHECKOUT / rel, dest / rel)
    _run(["git", "init", "-q"], dest, env, check=True)
    _run(["git", "add", "-A"], dest, env, check=True)
    _run(["git", "commit", "-qm", "hook"], dest, env, check=True)
    sha = _run(["git", "rev-parse", "HEAD"], dest, env, check=True).stdout.strip()
    return dest, sha


def _repo_with_hook(path: Path, hook_repo, files, env) -> Path:
    dest, sha = hook_repo
    write_tree(
        path,
        {
            **files,
            ".pre-commit-config.yaml": (
                f"repos:\n  - repo: {dest.as_uri()}\n    rev: {sha}\n    hooks:\n      - id: archlint\n"
            ),
        },
    )
    _run(["git", "init", "-q"], path, env, check=True)
    return path


def _precommit(*args):
    return [sys.executable, "-m", "pre_commit", *args]


def test_all_files_fails_on_a_secret_and_passes_after_the_fix(tmp_path, hook_repo, env):
    repo = _repo_with_hook(
        tmp_path / "shop",
        hook_repo,
        {
            "orders/app/settings.py": "import os\n\n" + SECRET,
            "orders/app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "README.md": "shop\n",
        },
        env,
    )
    _run(["git", "add", "-A"], repo, env, check=True)
    failed = _run(_precommit("run", "--all-files", "--verbose"), repo, env)
    out = failed.stdout + failed.stderr
    assert failed.returncode == 1, out
    assert "orders/app/settings.py:3:19: ARC501 [hardcoded-secret]" in out
    assert "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6" not in out

    fixed = 'import os\n\nSTRIPE_API_KEY = os.environ["STRIPE_API_KEY"]\n'
    (repo / "orders/app/settings.py").write_text(fixed)
    _run(["git", "add", "-A"], repo, env, check=True)
    passed = _run(_precommit("run", "--all-files"), repo, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_a_one_file_commit_is_judged_with_the_whole_project_in_view(tmp_path, hook_repo, env):
    # Inventory does not call orders back yet: no cycle. A legacy secret sits in billing.
    one_way = CYCLE["inventory/app/main.py"].replace(
        "order = httpx.get(f\"{ORDERS_URL}/orders/{body['id']}\", timeout=5.0).json()",
        'order = {"id": body["id"]}',
    )
    assert one_way != CYCLE["inventory/app/main.py"]
    repo = _repo_with_hook(
        tmp_path / "shop",
        hook_repo,
        {**CYCLE, "inventory/app/main.py": one_way, "billing/settings.py": SECRET},
        env,
    )
    _run(["git", "add", "-A"], repo, env, check=True)
    _run(["git", "commit", "-qm", "legacy", "--no-verify"], repo, env, check=True)
    _run(_precommit("install"), repo, env, check=True)

    # The commit touches inventory only, and closes the cycle inventory → orders → inventory.
    write_tree(repo, {"inventory/app/main.py": CYCLE["inventory/app/main.py"]})
    _run(["git", "add", "inventory/app/main.py"], repo, env, check=True)
    commit = _run(["git", "commit", "-m", "read the order back"], repo, env)
    out = commit.stdout + commit.stderr
    assert commit.returncode == 1, out
    assert "inventory/app/main.py:12:13: ARC202 [service-dependency-cycle]" in out
    assert "2. orders/app/main.py:12 orders calls inventory POST /reservations" in out
    assert "billing/settings.py" not in out  # not in the commit: not reported
    assert "in other files" in out

    # A commit of an unrelated file passes, though the project still has a secret.
    _run(["git", "reset", "-q"], repo, env, check=True)
    _run(["git", "checkout", "--", "."], repo, env, check=True)
    write_tree(repo, {"README.md": "shop\n"})
    _run(["git", "add", "README.md"], repo, env, check=True)
    docs = _run(["git", "commit", "-m", "docs"], repo, env)
    assert docs.returncode == 0, docs.stdout + docs.stderr
