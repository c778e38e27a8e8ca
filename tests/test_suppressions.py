"""Inline and file-level suppressions, per-file-ignores, and unused-suppression (ARC003)."""

from __future__ import annotations

import pytest
from conftest import archlint, write_tree

KEY = "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6"


def findings(project, *args):
    return archlint("check", "--format", "json", "--no-cache", *args, cwd=project).findings()


@pytest.mark.parametrize(
    "comment",
    [
        "# archlint: ignore[ARC501]",
        "# archlint: ignore[hardcoded-secret]",
        "# archlint: ignore[hardcoded-secret, ARC0]",
        "# archlint: ignore[ARC5]",
        "# archlint: ignore",
        "#archlint:ignore[arc501]",
    ],
)
def test_line_suppression_forms(project, comment):
    write_tree(project, {"app.py": f'STRIPE = "{KEY}"  {comment}\n'})
    assert findings(project) == []


def test_comment_on_its_own_line_applies_to_the_next_code_line(project):
    write_tree(
        project,
        {
            "app.py": f"""
            # archlint: ignore[ARC501]
            # (accepted risk: sandbox account, see SEC-12)
            STRIPE = "{KEY}"
            OTHER = "{KEY[:-1]}Q"
            """
        },
    )
    assert findings(project) == [("ARC501", "app.py", 4)]


def test_other_rules_are_not_silenced(project):
    write_tree(project, {"app.py": f'STRIPE = "{KEY}"  # archlint: ignore[ARC001]\n'})
    got = findings(project)
    assert ("ARC501", "app.py", 1) in got
    assert ("ARC003", "app.py", 1) in got  # the ARC001 suppression silenced nothing


def test_file_level_suppression(project):
    write_tree(
        project,
        {
            "seed.py": f'# archlint: ignore-file[hardcoded-secret]\nA = "{KEY}"\nB = "{KEY}x"\n',
            "other.py": f'A = "{KEY}"\n',
        },
    )
    assert findings(project) == [("ARC501", "other.py", 1)]


@pytest.mark.parametrize(
    "name, text",
    [
        ("db/V1__seed.sql", f"INSERT INTO keys (name, token) VALUES ('stripe', '{KEY}'); -- archlint: ignore[ARC501]\n"),
        ("config.yaml", f"stripe:\n  key: {KEY}  # archlint: ignore[ARC501]\n"),
        (".env", f"STRIPE_KEY={KEY} # archlint: ignore[ARC501]\n"),
        ("settings.toml", f'# archlint: ignore[ARC501]\nstripe_key = "{KEY}"\n'),
        ("app.ini", f"[stripe]\n; unrelated\n# archlint: ignore[ARC501]\nkey = {KEY}\n"),
    ],
)
def test_every_commented_format(project, name, text):
    write_tree(project, {name: text})
    assert findings(project) == []
    # and without the comment it fires
    write_tree(project, {name: text.replace("archlint: ignore[ARC501]", "note")})
    assert [f[0] for f in findings(project)] == ["ARC501"]


def test_unused_and_unknown_suppressions_are_notes(project):
    write_tree(
        project,
        {
            "a.py": "TIMEOUT = 30  # archlint: ignore[hardcoded-secret]\n",
            "b.py": "X = 1  # archlint: ignore[no-such-rule]\n",
        },
    )
    run = archlint("check", "--format", "json", "--no-cache", cwd=project)
    got = run.json()["findings"]
    assert [(f["code"], f["path"], f["line"], f["level"]) for f in got] == [
        ("ARC003", "a.py", 1, "note"),
        ("ARC003", "b.py", 1, "note"),
    ]
    assert "unknown rule no-such-rule" in got[1]["message"]
    assert run.code == 0  # notes do not fail the default fail-on = warning


def test_suppression_for_a_rule_that_did_not_run_is_not_unused(project):
    write_tree(project, {"a.py": "TIMEOUT = 30  # archlint: ignore[hardcoded-secret]\n"})
    assert findings(project, "--select", "ARC0") == []


def test_per_file_ignores(project):
    write_tree(
        project,
        {
            "pyproject.toml": """
            [tool.archlint.per-file-ignores]
            "scripts/**" = ["hardcoded-secret"]
            "legacy/*.py" = ["ARC5"]
            """,
            "scripts/seed.py": f'K = "{KEY}"\n',
            "legacy/old.py": f'K = "{KEY}"\n',
            "legacy/deep/old.py": f'K = "{KEY}"\n',
        },
    )
    assert findings(project) == [("ARC501", "legacy/deep/old.py", 1)]
