"""The command line as a user meets it: exit codes, selection, errors, rules, explain."""

from __future__ import annotations

import json

import pytest
from conftest import archlint, archlint_subprocess, write_tree

import archlint as pkg

SECRET_PY = 'STRIPE_KEY = "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6"\n'


@pytest.fixture
def leaky(project):
    return write_tree(
        project,
        {
            "app/settings.py": SECRET_PY,
            "app/clean.py": "import os\nTOKEN = os.environ['TOKEN']\n",
        },
    )


def test_exit_1_with_findings_and_0_without(leaky):
    run = archlint("check", ".", cwd=leaky)
    assert run.code == 1
    assert "app/settings.py:1:15: ARC501 [hardcoded-secret]" in run.out
    clean = archlint("check", "app/clean.py", cwd=leaky)
    assert clean.code == 0, clean.out


def test_default_path_is_the_current_folder(leaky):
    assert archlint("check", cwd=leaky).code == 1


@pytest.mark.parametrize(
    "selector, expect_code",
    [
        ("ARC501", 1),
        ("ARC5", 1),
        ("hardcoded-secret", 1),
        ("ARC0", 0),
        ("ALL", 1),
    ],
)
def test_select_by_code_prefix_and_name(leaky, selector, expect_code):
    assert archlint("check", "--select", selector, cwd=leaky).code == expect_code


def test_ignore_and_extend_select(leaky):
    assert archlint("check", "--ignore", "hardcoded-secret", cwd=leaky).code == 0
    assert archlint("check", "--ignore", "ARC5", "--extend-select", "ARC501", cwd=leaky).code == 1
    assert archlint("check", "--select", "ARC0", "--extend-select", "ARC5", cwd=leaky).code == 1


def test_fail_on(leaky):
    assert archlint("check", "--fail-on", "none", cwd=leaky).code == 0
    assert archlint("check", "--fail-on", "error", cwd=leaky).code == 1
    write_tree(leaky, {"tests/test_x.py": SECRET_PY})
    # A secret in the project's own tests is a note: it fails only with --fail-on note.
    assert archlint("check", "tests", "--fail-on", "warning", cwd=leaky).code == 0
    assert archlint("check", "tests", "--fail-on", "note", cwd=leaky).code == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["check", "--select", "ARC999"], "unknown rule or rule prefix 'ARC999'"),
        (["check", "--ignore", "hardcoded-secrets"], "did you mean 'hardcoded-secret'"),
        (["check", "no/such/path"], "path not found: no/such/path"),
        (["check", "--format", "xml"], "invalid choice: 'xml'"),
        (["check", "--fail-on", "fatal"], "invalid choice: 'fatal'"),
        (["check", "--jobs", "0"], "expected a whole number of processes"),
        (["check", "--config", "nope.toml"], "config file not found: nope.toml"),
        (["explain", "no-such-rule"], "unknown rule"),
        (["check", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(leaky, args, message):
    run = archlint(*args, cwd=leaky)
    assert run.code == 2
    assert message in run.err
    assert len(run.err.strip().splitlines()) == 1, run.err
    assert "Traceback" not in run.err


def test_output_file_and_formats(leaky):
    run = archlint("check", "--format", "json", "--output", "report.json", cwd=leaky)
    assert run.code == 1 and run.out == ""
    doc = json.loads((leaky / "report.json").read_text())
    assert doc["version"] == 1
    f = doc["findings"][0]
    assert (f["code"], f["name"], f["path"], f["line"], f["column"]) == (
        "ARC501", "hardcoded-secret", "app/settings.py", 1, 15,
    )
    assert f["level"] == "error" and f["snippet"].startswith('STRIPE_KEY = "sk_l')


def test_github_annotations(leaky):
    run = archlint("check", "--format", "github", cwd=leaky)
    line = run.out.splitlines()[0]
    assert line.startswith("::error file=app/settings.py,line=1,col=15,endLine=1,endColumn=")
    assert ",title=ARC501 hardcoded-secret::Hardcoded secret: Stripe live secret key" in line


def test_version_and_help(leaky):
    assert pkg.__version__ in archlint("--version").out
    assert pkg.__version__ in archlint("check", "--version").out
    for cmd in (["--help"], ["check", "--help"], ["rules", "--help"], ["explain", "--help"]):
        run = archlint(*cmd)
        assert run.code == 0 and "usage: archlint" in run.out


def test_python_dash_m_and_plain_text_when_piped(leaky):
    run = archlint_subprocess("check", ".", cwd=leaky, env={"PATH": "/usr/bin:/bin"})
    assert run.code == 1
    assert "\x1b[" not in run.out  # no colour codes when stdout is not a terminal
    assert "Found 1 finding (1 error) in 1 file" in run.out


def test_rules_lists_every_rule(leaky):
    rows = json.loads(archlint("rules", "--format", "json").out)
    by_code = {r["code"]: r for r in rows}
    assert {"ARC001", "ARC003", "ARC004", "ARC501"} <= set(by_code)
    secret = by_code["ARC501"]
    assert secret["name"] == "hardcoded-secret" and secret["family"] == "security"
    assert secret["level"] == "error" and secret["enabled_by_default"] is True
    assert secret["summary"]
    text = archlint("rules").out
    assert "ARC501" in text and "hardcoded-secret" in text


def test_explain_prints_the_rule_page():
    by_code = archlint("explain", "ARC501")
    by_name = archlint("explain", "hardcoded-secret")
    assert by_code.code == 0 and by_code.out == by_name.out
    assert by_code.out.startswith("# ARC501: hardcoded-secret")
    assert "## Options" in by_code.out


def test_jobs_and_cache_give_identical_output(project):
    files = {f"svc{i}/settings.py": f'PASSWORD = "Prod-Passw0rd-{i:03d}-xyz!"\n' for i in range(60)}
    write_tree(project, files)
    one = archlint("check", "--format", "json", "--jobs", "1", "--no-cache", cwd=project)
    two = archlint("check", "--format", "json", "--jobs", "2", cwd=project)
    warm = archlint("check", "--format", "json", "--jobs", "2", cwd=project)
    assert one.findings() == two.findings() == warm.findings()
    assert len(one.findings()) == 60
    assert warm.json()["summary"]["files_from_cache"] == 60
    assert (project / ".archlint_cache" / ".gitignore").read_text() == "*\n"
