"""The cache (issue 5): where it lives, what it is keyed by, what it holds, and `archlint clean`.

Behaviour only: which runs read from the cache (`files_from_cache` in the JSON summary) and
that cached runs report exactly what uncached ones do. No timings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, archlint, copy_fixture, write_tree

SERVICES = {
    "orders/Dockerfile": "FROM python:3.12\n",
    "orders/app.py": """
        import requests
        from fastapi import FastAPI

        app = FastAPI()
        API_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"


        @app.get("/orders")
        def orders():
            return requests.get("http://billing:8000/invoices").json()
        """,
    "billing/Dockerfile": "FROM python:3.12\n",
    "billing/app.py": """
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/invoices")
        def invoices():
            return []
        """,
    "docker-compose.yml": """
        services:
          orders:
            build: ./orders
          billing:
            build: ./billing
        """,
}


def check(project: Path, *args: str) -> dict:  # type: ignore[type-arg]
    run = archlint("check", "--format", "json", "--select", "ALL", *args, cwd=project)
    assert run.code in (0, 1), run.err
    return run.json()  # type: ignore[no-any-return]


def findings(report: dict) -> list[tuple[str, str, int, str]]:  # type: ignore[type-arg]
    return [(f["code"], f["path"], f["line"], f["message"]) for f in report["findings"]]


@pytest.mark.parametrize(
    "fixture",
    sorted(p.name for p in FIXTURES.iterdir() if (FIXTURES / f"{p.name}.expected").is_file()),
)
def test_a_warm_run_reports_what_a_cold_run_does(tmp_path: Path, fixture: str) -> None:
    """Every fact kind round-trips through the cache; project rules re-run on cached facts."""
    project = tmp_path / fixture
    copy_fixture(fixture, project)
    (project / ".git").mkdir(exist_ok=True)
    cold = check(project)
    warm = check(project)
    assert cold["summary"]["files_from_cache"] == 0
    assert warm["summary"]["files_from_cache"] == warm["summary"]["files"] > 0
    assert findings(warm) == findings(cold)
    uncached = check(project, "--no-cache")
    assert findings(uncached) == findings(cold)


def test_project_rules_run_again_on_cached_facts(project: Path) -> None:
    write_tree(project, SERVICES)
    cold = check(project)
    assert ("ARC203", "orders/app.py") in {(c, p) for c, p, _l, _m in findings(cold)}
    # a config change that no file's facts depend on: every file from the cache, and the
    # project rules see the new setting
    write_tree(project, {"archlint.toml": "[rules.ARC203]\nlevel = 'note'\n"})
    warm = check(project)
    assert warm["summary"]["files_from_cache"] == warm["summary"]["files"] - 1  # archlint.toml
    levels = {f["code"]: f["level"] for f in warm["findings"]}
    assert levels["ARC203"] == "note"


def test_cache_dir_is_configurable_and_keeps_out_of_git_and_of_the_scan(project: Path) -> None:
    write_tree(project, SERVICES)
    write_tree(
        project, {"archlint.toml": 'cache-dir = "tmp/lint-cache"\nrespect-gitignore = false\n'}
    )
    first = check(project)
    cache = project / "tmp" / "lint-cache"
    assert not (project / ".archlint_cache").exists()
    assert (cache / ".gitignore").read_text() == "*\n"
    assert (
        (cache / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    second = check(project)
    # the cache's own files are never scanned, even with .gitignore files not respected
    assert second["summary"]["files"] == first["summary"]["files"]
    assert second["summary"]["files_from_cache"] == second["summary"]["files"]


def test_entries_are_plain_json(project: Path) -> None:
    write_tree(project, SERVICES)
    check(project)
    entries = [p for p in (project / ".archlint_cache").rglob("*") if p.is_file()]
    assert len(entries) > 2
    for p in entries:
        if p.name in (".gitignore", "CACHEDIR.TAG"):
            continue
        assert p.suffix == ".json"
        assert isinstance(json.loads(p.read_bytes()), dict)


def test_corrupted_entries_are_ignored_and_rebuilt(project: Path) -> None:
    write_tree(project, SERVICES)
    cold = check(project)
    entries = sorted((project / ".archlint_cache").rglob("*.json"))
    bad = [b"{not json", b'{"facts": 3}', b"[]", b"\xff\xfe\x00", b""]
    for i, p in enumerate(entries):
        p.write_bytes(bad[i % len(bad)])
    again = check(project)
    assert again["summary"]["files_from_cache"] == 0
    assert findings(again) == findings(cold)
    rebuilt = check(project)
    assert rebuilt["summary"]["files_from_cache"] == rebuilt["summary"]["files"]


def test_an_entry_for_other_content_is_not_used(project: Path) -> None:
    """An entry copied over another file's (same shape, other path and hash) is a miss."""
    write_tree(project, SERVICES)
    check(project)
    entries = sorted((project / ".archlint_cache").rglob("*.json"))
    donor = entries[0].read_bytes()
    for p in entries[1:]:
        p.write_bytes(donor)
    again = check(project)
    assert again["summary"]["files_from_cache"] == 1


def test_key_covers_rules_options_limits_and_content(project: Path) -> None:
    write_tree(project, SERVICES)
    files = check(project, "--select", "ARC501")["summary"]["files"]
    assert check(project, "--select", "ARC501")["summary"]["files_from_cache"] == files
    # another set of file rules
    assert check(project)["summary"]["files_from_cache"] == 0
    assert check(project)["summary"]["files_from_cache"] == files
    # another rule option
    write_tree(project, {"archlint.toml": '[rules.ARC501]\nallowed-values = ["x"]\n'})
    assert check(project)["summary"]["files_from_cache"] == 0
    assert check(project)["summary"]["files_from_cache"] == files + 1
    # another limit (the config file changed too, so it is a miss either way)
    write_tree(
        project,
        {"archlint.toml": 'max-file-size = "2MB"\n[rules.ARC501]\nallowed-values = ["x"]\n'},
    )
    assert check(project)["summary"]["files_from_cache"] == 0
    # one file's content
    path = project / "billing" / "app.py"
    path.write_text(path.read_text() + "\n# changed\n", encoding="utf-8")
    report = check(project)
    assert report["summary"]["files_from_cache"] == report["summary"]["files"] - 1


def test_no_cache_neither_reads_nor_writes(project: Path) -> None:
    write_tree(project, SERVICES)
    report = check(project, "--no-cache")
    assert report["summary"]["files_from_cache"] == 0
    assert not (project / ".archlint_cache").exists()


def test_clean_deletes_the_cache(project: Path) -> None:
    write_tree(project, SERVICES)
    check(project)
    assert (project / ".archlint_cache").is_dir()
    run = archlint("clean", cwd=project)
    assert run.code == 0
    assert "removed .archlint_cache" in run.out
    assert not (project / ".archlint_cache").exists()
    again = archlint("clean", cwd=project)
    assert again.code == 0 and "no cache" in again.out
    assert check(project)["summary"]["files_from_cache"] == 0


def test_clean_uses_the_configured_folder_and_only_deletes_a_cache(project: Path) -> None:
    write_tree(project, SERVICES)
    write_tree(project, {"archlint.toml": 'cache-dir = "lint-cache"\n'})
    check(project)
    run = archlint("clean", str(project))
    assert run.code == 0 and not (project / "lint-cache").exists()
    # a cache-dir pointing at a folder that is not archlint's cache is left alone
    write_tree(project, {"archlint.toml": 'cache-dir = "orders"\n'})
    refused = archlint("clean", cwd=project)
    assert refused.code == 2
    assert "not an archlint cache" in refused.err
    assert (project / "orders" / "app.py").is_file()
