"""Score archlint's rules on the fixtures: precision and recall per rule.

Every fixture `tests/fixtures/NAME/` with a `tests/fixtures/NAME.expected` file is checked with
every rule on. An expected file lists one finding per line, `CODE path:line [free text]`
(path relative to the fixture, `#` starts a comment); a finding of a listed rule that is not in
the file is a false positive, a listed finding that is not reported is a miss. Rules a fixture
lists nothing for are scored on it too: any finding of theirs is a false positive, unless the
rule is in the fixture's `# rules-not-scored:` line (a comment with space-separated codes).

    python bench/score.py            # table of precision / recall per rule, misses and extras
    python bench/score.py --json     # the same as JSON

Exit code 1 when any fixture has a false positive or a miss.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
_LINE = re.compile(r"^(?P<code>[A-Z]+\d{3})\s+(?P<path>\S+):(?P<line>\d+)\b")

Finding = tuple[str, str, int]  # (code, path, line)


def expected(fixture: str) -> tuple[set[Finding], set[str]]:
    """The expected findings of a fixture and the rules it does not score."""
    found: set[Finding] = set()
    unscored: set[str] = set()
    for raw in (FIXTURES / f"{fixture}.expected").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("# rules-not-scored:"):
            unscored |= set(line.split(":", 1)[1].split())
            continue
        m = _LINE.match(line)
        if m:
            found.add((m["code"], m["path"], int(m["line"])))
    return found, unscored


def reported(fixture: str) -> set[Finding]:
    """What `archlint check` reports on a fixture with every rule selected."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "archlint",
            "check",
            str(FIXTURES / fixture),
            "--format",
            "json",
            "--no-cache",
            "--select",
            "ALL",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode not in (0, 1):
        raise SystemExit(f"archlint failed on {fixture} (exit {run.returncode}):\n{run.stderr}")
    doc = json.loads(run.stdout)
    return {(f["code"], f["path"], f["line"]) for f in doc["findings"]}


def fixtures() -> list[str]:
    return sorted(
        p.name[: -len(".expected")]
        for p in FIXTURES.glob("*.expected")
        if (FIXTURES / p.name[: -len(".expected")]).is_dir()
    )


def score(names: list[str]) -> dict[str, Any]:
    per_rule: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    problems: list[dict[str, Any]] = []
    for name in names:
        exp, unscored = expected(name)
        got = {f for f in reported(name) if f[0] not in unscored}
        for code, path, line in sorted(exp | got):
            f = (code, path, line)
            kind = "tp" if f in exp and f in got else ("fn" if f in exp else "fp")
            per_rule[code][kind] += 1
            if kind != "tp":
                problems.append(
                    {"fixture": name, "kind": kind, "code": code, "path": path, "line": line}
                )
    rules = {}
    for code, c in sorted(per_rule.items()):
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        rules[code] = {
            **c,
            "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
        }
    return {"fixtures": names, "rules": rules, "problems": problems}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fixture", nargs="*", help="fixture names (default: all with .expected)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = score(args.fixture or fixtures())
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("fixtures: " + ", ".join(args.fixture or fixtures()) + "\n")
        print("| rule | found | false positives | missed | precision | recall |")
        print("|---|---:|---:|---:|---:|---:|")
        for code, r in result["rules"].items():
            print(
                f"| {code} | {r['tp']} | {r['fp']} | {r['fn']} | {r['precision']:.2f} | "
                f"{r['recall']:.2f} |"
            )
        for p in result["problems"]:
            what = "false positive" if p["kind"] == "fp" else "missed"
            print(f"{what}: {p['fixture']}: {p['code']} {p['path']}:{p['line']}")
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
