"""The composite GitHub Action (action.yml): its steps' scripts run here with bash as the runner
would run them (`bash -eo pipefail`), with the inputs passed through the same environment
variables, so the report, the outputs and the exit codes are what a workflow gets."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_tree
from ruamel.yaml import YAML

CHECKOUT = Path(__file__).resolve().parents[1]
ACTION = YAML(typ="safe").load((CHECKOUT / "action.yml").read_text())
STEPS = {step["name"]: step for step in ACTION["runs"]["steps"]}
ARCHLINT = shutil.which("archlint", path=str(Path(sys.executable).parent)) or shutil.which(
    "archlint"
)


def run_step(name: str, cwd: Path, tmp_path: Path, **env: str) -> tuple[int, dict[str, str], str]:
    """(exit code, outputs written to $GITHUB_OUTPUT, stdout + stderr) of one step."""
    outputs = tmp_path / f"outputs-{name.replace(' ', '-')}"
    outputs.write_text("")
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", STEPS[name]["run"]],
        cwd=cwd,
        env={**os.environ, "GITHUB_OUTPUT": str(outputs), "RUNNER_TEMP": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    pairs = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return proc.returncode, pairs, proc.stdout + proc.stderr


def test_inputs_permissions_and_upload():
    assert ACTION["runs"]["using"] == "composite"
    assert {"paths", "args", "version", "upload", "category"} <= set(ACTION["inputs"])
    assert ACTION["inputs"]["upload"]["default"] == "true"
    upload = STEPS["Upload to GitHub code scanning"]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["with"]["category"] == "${{ inputs.category }}"
    text = (CHECKOUT / "action.yml").read_text()
    assert "security-events: write" in text
    # Inputs reach scripts through the environment only: never spliced into shell code.
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", "")


@pytest.fixture
def leaky(project):
    return write_tree(
        project,
        {"orders/app/settings.py": 'STRIPE_KEY = "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6"\n'},
    )


@pytest.mark.skipif(ARCHLINT is None, reason="needs the archlint command (pip install -e .)")
def test_findings_are_reported_uploaded_then_fail_the_job(leaky, tmp_path):
    code, outputs, log = run_step(
        "Run archlint",
        leaky,
        tmp_path,
        ARCHLINT=str(ARCHLINT),
        PATHS=".",
        ARGS="--no-cache --fail-on error",
        CATEGORY="archlint/orders",
        SARIF="archlint.sarif",
    )
    assert code == 0, log  # the step must not fail before the upload
    assert outputs == {"exit-code": "1", "sarif": "true"}
    assert "archlint: exit code 1, 1 finding(s) in archlint.sarif" in log
    doc = json.loads((leaky / "archlint.sarif").read_text())
    (run,) = doc["runs"]
    assert run["automationDetails"]["id"] == "archlint/orders/"
    assert [r["ruleId"] for r in run["results"]] == ["ARC501"]

    failed, _, log = run_step("Fail on findings", leaky, tmp_path, CODE=outputs["exit-code"])
    assert failed == 1 and "findings at or above the fail level" in log
    assert run_step("Fail on findings", leaky, tmp_path, CODE="0")[0] == 0


@pytest.mark.skipif(ARCHLINT is None, reason="needs the archlint command (pip install -e .)")
def test_a_usage_error_skips_the_upload_and_fails(leaky, tmp_path):
    code, outputs, log = run_step(
        "Run archlint",
        leaky,
        tmp_path,
        ARCHLINT=str(ARCHLINT),
        PATHS=".",
        ARGS="--select NOPE",
        CATEGORY="archlint",
        SARIF="archlint.sarif",
    )
    assert code == 0, log
    assert outputs == {"exit-code": "2", "sarif": "false"}
    assert "unknown rule or rule prefix 'NOPE'" in log
    assert "wrote no report" in log
    assert run_step("Fail on findings", leaky, tmp_path, CODE="2")[0] == 2


@pytest.mark.network
def test_install_step_installs_the_actions_own_checkout(tmp_path):
    code, outputs, log = run_step(
        "Install archlint",
        tmp_path,
        tmp_path,
        PYTHON=sys.executable,
        VERSION="",
        ACTION_PATH=str(CHECKOUT),
    )
    assert code == 0, log
    installed = Path(outputs["archlint"])
    assert installed == tmp_path / "archlint-venv" / "bin" / "archlint"
    version = subprocess.run([installed, "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("archlint ")
