"""The pre-commit hook, end to end: pre-commit installs this checkout as a hook repository (from
the package registry), the hook fails on a planted secret and passes once it is fixed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_tree

CHECKOUT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.network

try:
    import pre_commit  # noqa: F401
except ImportError:  # pragma: no cover
    if os.environ.get("CI"):
        raise
    pytest.skip("pre-commit is not installed (pip install -e '.[test]')", allow_module_level=True)


def _run(args, cwd, env):
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def test_hook_fails_on_a_secret_and_passes_after_the_fix(tmp_path):
    repo = tmp_path / "shop"
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        "NO_COLOR": "1",
    }
    write_tree(
        repo,
        {
            "orders/app/settings.py": 'import os\n\nSTRIPE_API_KEY = "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6"\n',
            "orders/app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "README.md": "shop\n",
        },
    )
    assert _run(["git", "init", "-q"], repo, env).returncode == 0
    assert _run(["git", "add", "-A"], repo, env).returncode == 0

    hook = [sys.executable, "-m", "pre_commit", "try-repo", str(CHECKOUT), "archlint", "--all-files", "--verbose"]
    failed = _run(hook, repo, env)
    out = failed.stdout + failed.stderr
    assert failed.returncode == 1, out
    assert "orders/app/settings.py:3:19: ARC501 [hardcoded-secret]" in out
    assert "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6" not in out

    (repo / "orders/app/settings.py").write_text('import os\n\nSTRIPE_API_KEY = os.environ["STRIPE_API_KEY"]\n')
    assert _run(["git", "add", "-A"], repo, env).returncode == 0
    passed = _run(hook, repo, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
