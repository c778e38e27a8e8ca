"""Every rule has a page, and every example on a page does what the page says."""

from __future__ import annotations

import pytest
from conftest import archlint, write_tree

from archlint.docs import all_pages
from archlint.registry import load_registry

REGISTRY = load_registry()
PAGES = all_pages()
EXAMPLES = [
    pytest.param(code, ex, id=f"{code}-{i}-{ex.expect}-{ex.path}")
    for code, page in sorted(PAGES.items())
    for i, ex in enumerate(page.examples)
]


@pytest.mark.parametrize("code", REGISTRY.codes)
def test_every_registered_rule_has_a_complete_page(code):
    page = PAGES.get(code)
    assert page is not None, f"rules/{code}-<name>.md is missing"
    cls = REGISTRY.rule_class(code)
    assert page.name == cls.name
    assert page.file.name == f"{code}-{cls.name}.md"
    assert page.summary
    for section in ("## What it finds", "## Why it matters", "## Example", "## What to write instead", "## Options", "## References"):
        assert section in page.markdown, f"{page.file.name} lacks {section}"
    for opt in cls.options_spec:
        assert f"`{opt.name}`" in page.markdown, f"option {opt.name} is not documented"


def test_every_page_belongs_to_a_rule():
    assert set(PAGES) <= set(REGISTRY.codes)


@pytest.mark.parametrize("code, example", EXAMPLES)
def test_page_examples(project, code, example):
    write_tree(project, {**dict(example.context), example.path: example.code})
    # The default rules plus this one: some rules (unused-suppression) judge what others found.
    run = archlint("check", "--format", "json", "--no-cache", "--extend-select", code, cwd=project)
    found = [f for f in run.findings() if f[0] == code]
    if example.expect == "pass":
        assert found == [], run.out
    else:
        assert found, f"{code} did not fire on the page's example {example.path}"
        if example.lines:
            assert sorted({f[2] for f in found if f[1] == example.path}) == sorted(example.lines)


def test_each_rule_has_firing_and_passing_examples():
    for code, page in PAGES.items():
        expects = {ex.expect for ex in page.examples}
        assert "pass" in expects, code
        if code != "ARC004":  # file-skipped needs a file over the size limit: tested elsewhere
            assert "fire" in expects, code


def test_readme_rule_table_lists_every_rule():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for code in REGISTRY.codes:
        cls = REGISTRY.rule_class(code)
        assert f"[{code}](rules/{code}-{cls.name}.md) | {cls.name} |" in readme, code
