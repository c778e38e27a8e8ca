"""SARIF 2.1.0 that GitHub code scanning accepts, checked with the real validator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, archlint, write_tree

from archlint.report.fingerprint import line_hash

VALIDATOR = Path(__file__).resolve().parents[2] / "shared" / "tools" / "validate-sarif"
SHOP = FIXTURES / "secrets-shop"
FLEET = FIXTURES / "aiohttp-fleet"


def sarif_of(path, *args):
    run = archlint("check", path, "--format", "sarif", "--no-cache", *args)
    assert run.code in (0, 1), run.err
    return run, json.loads(run.out)


def test_structure_github_relies_on():
    _, doc = sarif_of(SHOP)
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "archlint" and driver["version"] and driver["semanticVersion"]
    assert driver["informationUri"].startswith("https://")
    rules = {r["id"]: r for r in driver["rules"]}
    secret = rules["ARC501"]
    assert secret["name"] == "hardcoded-secret"
    assert secret["shortDescription"]["text"] and secret["fullDescription"]["text"]
    assert secret["help"]["markdown"].startswith("# ARC501: hardcoded-secret")
    assert secret["helpUri"].endswith("rules/ARC501-hardcoded-secret.md")
    assert secret["properties"]["security-severity"] == "8.0"
    assert "security" in secret["properties"]["tags"] and secret["properties"]["precision"]
    assert run["automationDetails"]["id"] == "archlint/"
    assert run["invocations"][0]["executionSuccessful"] is True
    results = run["results"]
    assert results
    for res in results:
        loc = res["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not uri.startswith("/") and "://" not in uri
        region = loc["region"]
        assert (
            region["startLine"] >= 1
            and region["startColumn"] >= 1
            and region["endLine"] >= region["startLine"]
        )
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["partialFingerprints"]["primaryLocationLineHash"]
        assert res["message"]["text"]


def test_paths_are_relative_to_the_repository_root(project):
    write_tree(
        project,
        {
            "services/orders/archlint.toml": "",
            "services/orders/app.py": 'PASSWORD = "Orders-Pr0d-2024!"\n',
        },
    )
    _, doc = sarif_of(project / "services" / "orders")
    res = doc["runs"][0]["results"][0]
    assert (
        res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "services/orders/app.py"
    )
    assert doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.as_uri() + "/"


def test_line_hash_matches_githubs_algorithm_and_survives_unrelated_edits(project):
    body = 'import os\n\nPASSWORD = "Orders-Pr0d-2024!"\n'
    write_tree(project, {"app.py": body})
    _, doc = sarif_of(project)
    res = doc["runs"][0]["results"][0]
    assert res["partialFingerprints"]["primaryLocationLineHash"] == line_hash(body, 3)
    stable = res["partialFingerprints"]["archlint/v2"]
    write_tree(project, {"app.py": "# a new header comment\n" + body})
    _, doc2 = sarif_of(project)
    res2 = doc2["runs"][0]["results"][0]
    assert res2["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert res2["partialFingerprints"]["archlint/v2"] == stable


def test_fingerprints_are_stable_across_runs_and_unique_within_one(project):
    line = 'PASSWORD = "Orders-Pr0d-2024!"\n'
    write_tree(project, {"app.py": "import os\n" + line + line, "other.py": line})

    def prints():
        _, doc = sarif_of(project)
        return [
            (
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["partialFingerprints"]["archlint/v2"],
            )
            for r in doc["runs"][0]["results"]
        ]

    first = prints()
    assert first == prints()
    values = [fp for _, _, fp in first]
    assert len(set(values)) == 3  # two identical lines in one file: two alerts, not one
    assert values[0].endswith(":1") and values[1].endswith(":2")
    assert values[0].split(":")[0] == values[1].split(":")[0]
    # Lines inserted above: every finding moves down and keeps its fingerprint.
    write_tree(project, {"app.py": '"""Settings."""\n\nimport os\n' + line + line})
    moved = prints()
    assert [(u, n) for u, n, _ in moved] == [("app.py", 4), ("app.py", 5), ("other.py", 1)]
    assert [fp for _, _, fp in moved] == values


def test_automation_id_for_monorepo_categories(project):
    _, doc = sarif_of(SHOP, "--automation-id", "archlint/orders/")
    assert doc["runs"][0]["automationDetails"]["id"] == "archlint/orders/"
    _, doc = sarif_of(SHOP, "--sarif-category", "orders")
    assert doc["runs"][0]["automationDetails"]["id"] == "orders/"
    write_tree(
        project, {"archlint.toml": 'sarif-category = "archlint/billing"\n', "app.py": "x = 1\n"}
    )
    _, doc = sarif_of(project)
    assert doc["runs"][0]["automationDetails"]["id"] == "archlint/billing/"


def test_snippets_are_masked():
    _, doc = sarif_of(SHOP)
    text = (SHOP / "billing/billing/stripe_gateway.py").read_text()
    import re

    for key in re.findall(r"sk_live_[0-9A-Za-z]{16,}", text):
        assert key not in json.dumps(doc)


@pytest.mark.skipif(
    not VALIDATOR.exists() or (shutil.which("npm") is None and not os.environ.get("CI")),
    reason="needs ../shared/tools/validate-sarif and npm (always run in CI)",
)
def test_output_passes_the_sarif_validator(tmp_path, project):
    # The multi-file fixture, and a run with an internal-error notification.
    files = [tmp_path / "shop.sarif", tmp_path / "notes.sarif", tmp_path / "fleet.sarif"]
    archlint("check", SHOP, "--format", "sarif", "--no-cache", "--output", files[0])
    # Cross-service findings: relatedLocations and codeFlows.
    archlint("check", FLEET, "--format", "sarif", "--no-cache", "--output", files[2])
    write_tree(
        project,
        {
            "archlint.toml": 'plugins = ["crashy.py"]\n',
            "crashy.py": (
                "from archlint.rule import FileRule\n"
                "class Crashy(FileRule):\n"
                "    code = 'XYZ001'\n"
                "    name = 'crashy'\n"
                "    def check_file(self, ctx):\n"
                "        raise ValueError('boom')\n"
            ),
            "app.py": 'PASSWORD = "Orders-Pr0d-2024!"  # archlint: ignore[ARC003]\n',
        },
    )
    archlint("check", project, "--format", "sarif", "--no-cache", "--output", files[1])
    proc = subprocess.run(
        [str(VALIDATOR), "--strict", *map(str, files)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 error(s), 0 warning(s)" in proc.stdout + proc.stderr


def test_cross_service_findings_carry_related_locations_and_a_code_flow():
    _, doc = sarif_of(FLEET, "--select", "ARC101,ARC202")
    results = doc["runs"][0]["results"]
    cycle = next(r for r in results if r["ruleId"] == "ARC202")
    steps = cycle["codeFlows"][0]["threadFlows"][0]["locations"]
    paths = [s["location"]["physicalLocation"]["artifactLocation"]["uri"] for s in steps]
    assert [p.split("aiohttp-fleet/")[-1] for p in paths] == [
        "dispatch/dispatch/tracker_client.py",
        "tracker/tracker/dispatch_client.py",
    ]
    assert [s["executionOrder"] for s in steps] == [1, 2]
    assert "dispatch calls tracker" in steps[0]["location"]["message"]["text"]
    shared = next(r for r in results if r["ruleId"] == "ARC101" and "fleet" in r["message"]["text"])
    related = {
        rl["physicalLocation"]["artifactLocation"]["uri"] for rl in shared["relatedLocations"]
    }
    assert any(r.endswith("dispatch/dispatch/db.py") for r in related)
