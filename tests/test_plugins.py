"""Third-party rules come in through the same door as built-in ones."""

from __future__ import annotations

import json
import os
import sys
import textwrap

from conftest import archlint, archlint_subprocess, write_tree

PLUGIN = '''
import re

from archlint.model import FileKind, Level
from archlint.rule import FileRule, Option


class NoLatestTag(FileRule):
    """Container images pinned to :latest."""

    code = "ACM101"
    name = "image-latest-tag"
    summary = "A container image uses the mutable :latest tag."
    default_level = Level.WARNING
    file_kinds = frozenset({FileKind.COMPOSE, FileKind.KUBERNETES})
    options_spec = (Option("allowed", [], "images that may use latest"),)

    def check_file(self, ctx):
        for m in re.finditer(r"image:\\s*([\\w./-]+):latest", ctx.text):
            if m.group(1) not in self.options["allowed"]:
                yield self.finding(f"image {m.group(1)} uses :latest", ctx.span(m.start(1), m.end()))
'''

COMPOSE = "services:\n  web:\n    image: shop/web:latest\n  db:\n    image: postgres:16\n"


def test_local_plugin_module_from_config(project):
    write_tree(
        project,
        {
            "pyproject.toml": '[tool.archlint]\nplugins = ["archlint_rules.latest"]\n',
            "archlint_rules/__init__.py": "",
            "archlint_rules/latest.py": PLUGIN,
            "docker-compose.yml": COMPOSE,
        },
    )
    run = archlint("check", "--format", "sarif", "--no-cache", cwd=project)
    assert run.code == 1, run.err
    doc = json.loads(run.out)
    (res,) = doc["runs"][0]["results"]
    assert res["ruleId"] == "ACM101"
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "docker-compose.yml"
    assert res["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    rule = next(r for r in doc["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "ACM101")
    assert rule["shortDescription"]["text"] == "A container image uses the mutable :latest tag."
    # Selection, options and listing work for plug-in rules like for built-ins.
    assert archlint("check", "--ignore", "image-latest-tag", cwd=project).code == 0
    rules = json.loads(archlint("rules", "--format", "json", cwd=project).out)
    assert any(r["code"] == "ACM101" and r["family"] == "plug-in" for r in rules)


def test_installed_entry_point_plugin(project, tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    write_tree(
        site,
        {
            "acme_rules.py": PLUGIN,
            "acme_rules-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n",
            "acme_rules-1.0.dist-info/entry_points.txt": "[archlint.rules]\nlatest = acme_rules:NoLatestTag\n",
        },
    )
    write_tree(project, {"docker-compose.yml": COMPOSE})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}
    run = archlint_subprocess("check", "--format", "sarif", "--no-cache", cwd=project, env=env)
    assert run.code == 1, run.err
    results = json.loads(run.out)["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["ACM101"]


def test_plugin_with_a_clashing_code_is_a_usage_error(project):
    write_tree(
        project,
        {
            "archlint.toml": 'plugins = ["dup.py"]\n',
            "dup.py": textwrap.dedent(
                """
                from archlint.rule import FileRule
                class Dup(FileRule):
                    code = "ARC501"
                    name = "my-secret"
                """
            ),
        },
    )
    run = archlint("check", cwd=project)
    assert run.code == 2 and "rule code ARC501 is already used" in run.err
