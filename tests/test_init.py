"""`archlint init` on a real multi-service repository: the config it writes loads with archlint's
own loader, names the services, records a baseline, and the next `archlint check` is clean."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from conftest import archlint, copy_fixture, write_tree

from archlint.config import load_file
from archlint.init_config import precommit_snippet, workflow

CHECKOUT = Path(__file__).resolve().parents[1]
RIDES_SERVICES = ["dispatch", "drivers", "gateway", "notifier", "pricing", "scheduler", "trips"]


@pytest.fixture
def rides(tmp_path):
    repo = copy_fixture("rides-platform", tmp_path / "rides")
    (repo / ".git").mkdir()
    return repo


def uncommented(text: str) -> str:
    """The config with its commented-out service tables switched on."""
    return re.sub(
        r"^# (\[(?:tool\.archlint\.)?services\.|path = |paths = |hosts = |kind = )",
        r"\1",
        text,
        flags=re.M,
    )


def test_init_writes_config_and_baseline_then_check_is_clean(rides):
    before = archlint("check", "--format", "json", cwd=rides).json()["findings"]
    assert before
    run = archlint("init", cwd=rides)
    assert run.code == 0, run.err
    assert f"Found 7 services ({', '.join(RIDES_SERVICES)}) and {len(before)} findings." in run.out
    assert "wrote archlint.toml" in run.out and "wrote .archlint-baseline.json" in run.out

    config = rides / "archlint.toml"
    text = config.read_text()
    cfg = load_file(config)  # archlint's own loader accepts it
    assert cfg.baseline == ".archlint-baseline.json" and cfg.select is None
    for name in RIDES_SERVICES:
        assert f"# [services.{name}]" in text
    assert '# path = "services/trips"' in text
    assert re.search(r"#   ARC203 http-call-without-timeout +4 findings", text)
    assert re.search(r"#   ARC303 missing-metrics-endpoint +\d+ findings \(off by default\)", text)
    # The services, uncommented, are a valid [services] configuration too.
    pinned = rides / "pinned.toml"
    pinned.write_text(uncommented(text))
    assert set(load_file(pinned).services) == set(RIDES_SERVICES)
    pinned.unlink()

    baseline = json.loads((rides / ".archlint-baseline.json").read_text())
    assert sum(e["count"] for e in baseline["findings"]) == len(before)
    after = archlint("check", cwd=rides)
    assert after.code == 0, after.out
    assert after.out.startswith("No findings (") and f"{len(before)} baselined" in after.out

    # The next two steps: the pre-commit snippet and the workflow of examples/.
    assert (
        "  - repo: https://github.com/archlint/archlint" in run.out and "- id: archlint" in run.out
    )
    assert "save this as .github/workflows/archlint.yml" in run.out
    for line in workflow().splitlines():
        assert line.strip() in run.out
    assert "git add archlint.toml .archlint-baseline.json" in run.out


def test_the_printed_workflow_is_the_example_in_the_repository_and_the_readme():
    assert (CHECKOUT / "examples" / "github-workflow.yml").read_text() == workflow()
    assert f"```yaml\n{workflow()}```" in (CHECKOUT / "README.md").read_text()
    assert (
        f"```yaml\n# .pre-commit-config.yaml\n{precommit_snippet()}```"
        in (CHECKOUT / "README.md").read_text()
    )


def test_init_never_replaces_a_config_without_force(rides):
    assert archlint("init", cwd=rides).code == 0
    write_tree(rides, {"archlint.toml": 'ignore = ["ARC401"]\n'})
    again = archlint("init", cwd=rides)
    assert again.code == 2
    assert "archlint.toml already configures archlint" in again.err and "--force" in again.err
    assert (rides / "archlint.toml").read_text() == 'ignore = ["ARC401"]\n'

    forced = archlint("init", "--force", cwd=rides)
    assert forced.code == 0, forced.err
    assert "ignore = [" not in (rides / "archlint.toml").read_text().replace("# ignore", "")
    assert archlint("check", cwd=rides).code == 0


PYPROJECT = """\
[project]
name = "shop"
version = "1.0"

[tool.ruff]
line-length = 100
"""


def test_init_appends_to_pyproject_and_keeps_what_is_there(project):
    write_tree(
        project,
        {
            "pyproject.toml": PYPROJECT,
            "app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        },
    )
    run = archlint("init", cwd=project)
    assert run.code == 0, run.err
    text = (project / "pyproject.toml").read_text()
    assert text.startswith(PYPROJECT + "\n[tool.archlint]\n")
    assert not (project / "archlint.toml").exists()
    assert load_file(project / "pyproject.toml").path == project / "pyproject.toml"
    assert tomllib.loads(text)["tool"]["ruff"] == {"line-length": 100}
    # No findings: no baseline, and the config does not name one.
    assert not (project / ".archlint-baseline.json").exists()
    assert "\nbaseline =" not in text
    assert "cross-service rules" in text  # one service: says why ARC101/201/202 stay silent

    refused = archlint("init", cwd=project)
    assert refused.code == 2 and "pyproject.toml already configures archlint" in refused.err

    # --force replaces the [tool.archlint] tables and keeps everything else, once.
    custom = (
        text
        + '\n[tool.archlint.rules.hardcoded-secret]\ntest-level = "off"\n\n[tool.other]\nx = 1\n'
    )
    (project / "pyproject.toml").write_text(custom)
    assert archlint("init", "--force", cwd=project).code == 0
    replaced = (project / "pyproject.toml").read_text()
    assert replaced.count("[tool.archlint]") == 1 and "test-level" not in replaced
    assert replaced.startswith(PYPROJECT) and "[tool.other]\nx = 1\n" in replaced
    load_file(project / "pyproject.toml")


def test_init_records_a_secret_without_writing_it(project):
    write_tree(project, {"app/settings.py": 'STRIPE_KEY = "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6"\n'})
    assert archlint("init", cwd=project).code == 0
    assert "sk_live_9fQ2" not in (project / ".archlint-baseline.json").read_text()
    assert "sk_live_9fQ2" not in (project / "archlint.toml").read_text()
    assert archlint("check", cwd=project).code == 0
    assert archlint("check", "--no-baseline", cwd=project).code == 1


def test_init_errors(tmp_path):
    run = archlint("init", tmp_path / "missing")
    assert run.code == 2 and "is not a folder" in run.err
