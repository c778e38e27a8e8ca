"""CI keeps the benchmark script working: `bench/run.py --smoke` on the generated 10-service
system, archlint only (no peers, nothing fetched). It asserts that a table comes out, never a
timing: the benchmark is not a test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "run.py"


@pytest.mark.bench
def test_bench_smoke_prints_and_writes_a_table(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    run = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--smoke",
            "--workdir",
            str(tmp_path / "w"),
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    header = "| input | tool | mode | files | median wall s |"
    assert header in run.stdout
    for mode in ("cold", "warm", "1 file changed"):
        assert f"| generated, 10 services | archlint | {mode} | 81 |" in run.stdout
    text = out.read_text(encoding="utf-8")
    assert header in text and "<!-- bench:begin -->" in text
