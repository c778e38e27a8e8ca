"""Baselines as a team adopting archlint meets them: record today's findings, see only new ones,
keep matching through unrelated edits, learn when entries are stale, never leak a secret."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import archlint, write_tree

KEY = "sk_live_9fQ2xLmT4vB7nR1sK8dW3yZ6"
SETTINGS = f'import os\n\nSTRIPE_KEY = "{KEY}"\n'
DB = 'PASSWORD = "Orders-Pr0d-2024!"\n'
BASELINE = ".archlint-baseline.json"


def findings(run):
    return [(f["code"], f["path"], f["line"]) for f in run.json()["findings"]]


@pytest.fixture
def legacy(project):
    return write_tree(project, {"app/settings.py": SETTINGS, "app/db.py": DB})


def test_write_baseline_then_only_new_findings_count(legacy):
    wrote = archlint("check", "--write-baseline", cwd=legacy)
    assert wrote.code == 0, wrote.out + wrote.err
    assert "wrote 2 findings to the baseline .archlint-baseline.json" in wrote.err
    assert "No findings" in wrote.out and "2 baselined" in wrote.out

    again = archlint("check", cwd=legacy)
    assert again.code == 0, again.out
    assert again.out.startswith("No findings (") and "2 baselined)" in again.out

    write_tree(legacy, {"app/new.py": 'API_PASSWORD = "Pr0d-Secr3t-Value!"\n'})
    new = archlint("check", "--format", "json", cwd=legacy)
    assert new.code == 1
    assert findings(new) == [("ARC501", "app/new.py", 1)]
    assert new.json()["summary"]["baselined"] == 2
    assert "2 findings in the baseline .archlint-baseline.json not shown" in new.err

    everything = archlint("check", "--no-baseline", "--format", "json", cwd=legacy)
    assert len(findings(everything)) == 3 and everything.code == 1


def test_the_file_is_deterministic_sorted_relative_and_holds_no_secret(legacy, tmp_path):
    archlint("check", "--write-baseline", cwd=legacy)
    text = (legacy / BASELINE).read_text(encoding="utf-8")
    doc = json.loads(text)
    assert doc["archlint-baseline"] == 1
    assert [(e["path"], e["rule"], e["count"]) for e in doc["findings"]] == [
        ("app/db.py", "ARC501", 1),
        ("app/settings.py", "ARC501", 1),
    ]
    assert all(len(e["fingerprint"]) == 20 for e in doc["findings"])
    assert text.endswith("}\n") and "\r" not in text
    # Neither the secrets nor the source lines holding them are written; messages are masked.
    for clear in (KEY, "9fQ2xLmT", "Orders-Pr0d-2024!", "STRIPE_KEY =", "PASSWORD ="):
        assert clear not in text
    assert "sk_l****" in text
    assert str(legacy) not in text

    # Same bytes on a second run, and for a copy of the project somewhere else.
    archlint("check", "--write-baseline", cwd=legacy)
    assert (legacy / BASELINE).read_text(encoding="utf-8") == text
    copy = shutil.copytree(legacy, tmp_path / "elsewhere" / "copy")
    (copy / BASELINE).unlink()
    archlint("check", "--write-baseline", "--no-cache", cwd=copy)
    assert (copy / BASELINE).read_text(encoding="utf-8") == text


def test_unrelated_edits_keep_entries_matched(legacy):
    archlint("check", "--write-baseline", cwd=legacy)
    # Lines added above, the line moved down and re-indented inside a block, spaces changed.
    moved = (
        f'"""Settings."""\nimport os\n\n\nDEBUG = False\n\nif True:\n    STRIPE_KEY  =  "{KEY}"\n'
    )
    write_tree(legacy, {"app/settings.py": moved, "app/db.py": "# moved\n\n" + DB})
    run = archlint("check", "--format", "json", cwd=legacy)
    assert run.code == 0, run.out
    assert findings(run) == [] and run.json()["summary"]["baselined"] == 2
    # Without the baseline, the same finding is now on line 8.
    assert ("ARC501", "app/settings.py", 8) in findings(
        archlint("check", "--no-baseline", "--format", "json", cwd=legacy)
    )


def test_editing_the_flagged_line_makes_it_new(legacy):
    archlint("check", "--write-baseline", cwd=legacy)
    write_tree(legacy, {"app/settings.py": SETTINGS.replace("STRIPE_KEY", "PAYMENT_KEY")})
    run = archlint("check", "--format", "json", cwd=legacy)
    assert run.code == 1
    assert findings(run) == [("ARC501", "app/settings.py", 3)]
    assert run.json()["summary"]["baseline_unmatched"] == 1


def test_identical_findings_are_counted(project):
    line = 'PASSWORD = "Orders-Pr0d-2024!"\n'
    write_tree(project, {"app/db.py": line + "\n" + line})
    archlint("check", "--write-baseline", cwd=project)
    doc = json.loads((project / BASELINE).read_text())
    assert [(e["path"], e["count"]) for e in doc["findings"]] == [("app/db.py", 2)]

    write_tree(project, {"app/db.py": line + "\n" + line + "\n" + line})
    run = archlint("check", "--format", "json", cwd=project)
    assert run.code == 1
    assert len(findings(run)) == 1 and run.json()["summary"]["baselined"] == 2


def test_fixed_findings_leave_stale_entries_with_a_hint(legacy):
    archlint("check", "--write-baseline", cwd=legacy)
    write_tree(legacy, {"app/db.py": 'import os\nPASSWORD = os.environ["PASSWORD"]\n'})
    run = archlint("check", cwd=legacy)
    assert run.code == 0
    assert "1 baselined" in run.out
    assert (
        "1 baseline entry no longer matches any finding (fixed?): run `archlint check "
        "--write-baseline` to drop it from .archlint-baseline.json" in run.out
    )
    archlint("check", "--write-baseline", cwd=legacy)
    doc = json.loads((legacy / BASELINE).read_text())
    assert [e["path"] for e in doc["findings"]] == ["app/settings.py"]
    assert "no longer match" not in archlint("check", cwd=legacy).out


def test_partial_runs_keep_the_entries_they_did_not_see(legacy):
    # The config file makes its folder the project root, whatever folder is checked.
    write_tree(legacy, {"other/x.py": DB, "archlint.toml": ""})
    archlint("check", "--write-baseline", cwd=legacy)
    # Checking one folder neither reports the others' entries as fixed nor drops them.
    part = archlint("check", "app", cwd=legacy)
    assert part.code == 0 and "no longer match" not in part.out
    write_tree(legacy, {"app/db.py": "PASSWORD = None\n"})
    archlint("check", "app", "--write-baseline", cwd=legacy)
    doc = json.loads((legacy / BASELINE).read_text())
    assert [e["path"] for e in doc["findings"]] == ["app/settings.py", "other/x.py"]
    # Same for rules that did not run.
    assert "no longer match" not in archlint("check", "--select", "ARC0", cwd=legacy).out


def test_baseline_file_from_flag_and_config(legacy):
    wrote = archlint("check", "--write-baseline=ci/archlint.json", cwd=legacy)
    assert wrote.code == 2 and "folder ci does not exist" in wrote.err
    (legacy / "ci").mkdir()
    assert archlint("check", "--write-baseline=ci/archlint.json", cwd=legacy).code == 0
    assert not (legacy / BASELINE).exists()
    assert archlint("check", cwd=legacy).code == 1  # not the default name: not used by itself
    assert archlint("check", "--baseline", "ci/archlint.json", cwd=legacy).code == 0

    write_tree(legacy, {"archlint.toml": 'baseline = "ci/archlint.json"\n'})
    assert archlint("check", cwd=legacy).code == 0
    assert archlint("check", "--no-baseline", cwd=legacy).code == 1
    # --write-baseline writes where the config says.
    write_tree(legacy, {"app/db.py": "PASSWORD = None\n"})
    archlint("check", "--write-baseline", cwd=legacy)
    doc = json.loads((legacy / "ci/archlint.json").read_text())
    assert [e["path"] for e in doc["findings"]] == ["app/settings.py"]


@pytest.mark.parametrize(
    "files, args, message",
    [
        ({}, ["--baseline", "nope.json"], "--baseline nope.json: baseline file not found"),
        (
            {"archlint.toml": 'baseline = "ci/base.json"\n'},
            [],
            "key 'baseline' (ci/base.json): baseline file not found",
        ),
        ({"archlint.toml": "baseline = 3\n"}, [], "key 'baseline': expected a file path"),
        ({BASELINE: "{oops"}, [], "not an archlint baseline (invalid JSON at line 1)"),
        ({BASELINE: '{"archlint-baseline": 9, "findings": []}'}, [], "baseline format 9 is newer"),
        ({BASELINE: '{"archlint-baseline": 1, "findings": [{"rule": "ARC501"}]}'}, [], "entry 1"),
        ({}, ["--write-baseline", "app/settings.py"], "refusing to overwrite app/settings.py"),
        ({}, ["--write-baseline", "app"], "--write-baseline app: is a folder"),
    ],
)
def test_baseline_errors_are_one_line_and_exit_2(legacy, files, args, message):
    write_tree(legacy, files)
    run = archlint("check", *args, cwd=legacy)
    assert run.code == 2, run.out
    assert message in run.err
    assert len(run.err.strip().splitlines()) == 1, run.err
    assert (legacy / "app/settings.py").read_text() == SETTINGS


CYCLE = {
    "docker-compose.yml": (
        "services:\n"
        "  orders:\n    build: ./orders\n    environment:\n      INVENTORY_URL: http://inventory:8000\n"
        "  inventory:\n    build: ./inventory\n    environment:\n      ORDERS_URL: http://orders:8000\n"
    ),
    "orders/app/main.py": """
        import os

        import httpx
        from fastapi import FastAPI

        app = FastAPI()
        INVENTORY_URL = os.environ["INVENTORY_URL"]


        @app.post("/orders")
        def place_order(order: dict):
            httpx.post(f"{INVENTORY_URL}/reservations", json=order, timeout=5.0)
            return {"id": order["id"]}


        @app.get("/orders/{order_id}")
        def get_order(order_id: str):
            return {"id": order_id}
        """,
    "inventory/app/main.py": """
        import os

        import httpx
        from fastapi import FastAPI

        app = FastAPI()
        ORDERS_URL = os.environ["ORDERS_URL"]


        @app.post("/reservations")
        def reserve(body: dict):
            order = httpx.get(f"{ORDERS_URL}/orders/{body['id']}", timeout=5.0).json()
            return {"reserved": order["id"]}
        """,
}


def test_cross_service_findings_are_keyed_by_names_not_lines(project):
    write_tree(project, CYCLE)
    before = archlint("check", "--select", "ARC202", "--format", "json", cwd=project)
    assert findings(before) == [("ARC202", "inventory/app/main.py", 12)]
    archlint("check", "--select", "ARC202", "--write-baseline", cwd=project)
    # Both calls of the cycle edited (another timeout, another argument): still the same cycle.
    inventory = (project / "inventory/app/main.py").read_text()
    orders = (project / "orders/app/main.py").read_text()
    write_tree(
        project,
        {
            "inventory/app/main.py": inventory.replace("timeout=5.0", "timeout=2.0"),
            "orders/app/main.py": orders.replace("json=order", "json={'order': order}"),
        },
    )
    after = archlint("check", "--select", "ARC202", "--format", "json", cwd=project)
    assert after.code == 0 and findings(after) == []
    assert after.json()["summary"]["baselined"] == 1
