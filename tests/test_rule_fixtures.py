"""Every fixture with an expected-findings file (`tests/fixtures/NAME.expected`) gets exactly
those findings with every rule on: no false positive, no miss. `bench/score.py` prints the same
comparison as precision and recall per rule."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import score

FIXTURES = score.fixtures()


def test_every_model_fixture_has_expected_findings():
    assert {"fastapi-market", "flask-clinic", "django-library", "aiohttp-fleet"} <= set(FIXTURES)


# Known misses, each a model gap (strict: the test fails once they are fixed, so the mark goes).
KNOWN_GAPS: dict[str, str] = {}


@pytest.mark.parametrize(
    "fixture",
    [
        pytest.param(f, marks=pytest.mark.xfail(reason=KNOWN_GAPS[f], strict=True))
        if f in KNOWN_GAPS
        else f
        for f in FIXTURES
    ],
)
def test_fixture_findings_match_expected(fixture):
    result = score.score([fixture])
    problems = [
        f"{'false positive' if p['kind'] == 'fp' else 'missed'}: {p['code']} {p['path']}:{p['line']}"
        for p in result["problems"]
    ]
    assert problems == []
    assert result["rules"], "the fixture produced and expected nothing"
