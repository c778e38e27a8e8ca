"""Real code at scale (issue 6): scan the sources of popular PyPI projects and report what
archlint made of them.

    python bench/realcode.py                      # download the pinned sdists, unpack, scan
    python bench/realcode.py --sources /tmp/real  # reuse unpacked NAME-VERSION folders there
    python bench/realcode.py --keep /tmp/real     # download into /tmp/real and keep it
    python bench/realcode.py --json out.json      # also write the numbers as JSON

Each sdist is fetched with `pip download --no-deps --no-binary NAME` (pinned, so the numbers
are comparable run to run; NAME rather than `:all:`, which would compile Cython from source), unpacked into a temporary folder (or `--keep`), and scanned with
`archlint check --format json --no-cache`. Printed per project: files scanned, seconds, findings
per rule, every ARC001 (could-not-parse) with its reason, ARC004 skips, and internal errors
(notifications, tracebacks, exit code 2). The exit code is 1 when any project had an internal
error or a Python file that Python itself compiles was reported as unparsable — both are bugs.
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

PROJECTS = {
    "django": "5.1.4",
    "celery": "5.4.0",
    "fastapi": "0.115.6",
    "flask": "3.1.0",
    "sqlalchemy": "2.0.36",
    "aiohttp": "3.11.11",
}


def download(name: str, version: str, into: Path) -> Path:
    """The sdist archive of name==version, fetched with pip into `into`."""
    into.mkdir(parents=True, exist_ok=True)
    before = set(into.iterdir())
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            # the sdist of this project only: `:all:` would also build its build tools
            # (Cython, …) from source
            "--no-binary",
            name,
            "--dest",
            str(into),
            f"{name}=={version}",
        ],
        check=False,
    )
    new = [p for p in set(into.iterdir()) - before if p.suffix in (".gz", ".zip")]
    if not new:  # already there from an earlier run
        stem = f"{name}-{version}".lower().replace("_", "-")
        new = [p for p in into.iterdir() if p.name.lower().replace("_", "-").startswith(stem)]
        new = [p for p in new if p.is_file()]
    if not new:
        raise SystemExit(f"pip could not download {name}=={version}")
    return new[0]


def unpack(archive: Path, into: Path) -> Path:
    """Unpack an sdist safely (no absolute paths, no `..`, no links out) into `into`."""
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(into)
            top = zf.namelist()[0].split("/")[0]
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(into, filter="data")
            top = tf.getnames()[0].split("/")[0]
    return into / top


def sources(args: argparse.Namespace, work: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for name, version in PROJECTS.items():
        if args.sources:
            matches = [
                p
                for p in Path(args.sources).iterdir()
                if p.is_dir() and p.name.lower() == f"{name}-{version}".lower()
            ]
            if matches:
                out[name] = matches[0]
                continue
        archive = download(name, version, work / "sdists")
        out[name] = unpack(archive, work / "src")
    return out


def scan(folder: Path, jobs: int) -> dict[str, Any]:
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "archlint",
            "check",
            "--format",
            "json",
            "--no-cache",
            "--jobs",
            str(jobs),
            "--fail-on",
            "none",
            str(folder),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        report = {"findings": [], "summary": {"files": 0}, "notifications": []}
    return {"report": report, "seconds": seconds, "code": proc.returncode, "stderr": proc.stderr}


def python_compiles(path: Path) -> bool:
    """Does the running Python accept this file? (Then an ARC001 on it is our bug.)"""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def summarise(name: str, folder: Path, run: dict[str, Any]) -> dict[str, Any]:
    report = run["report"]
    findings = report.get("findings", [])
    per_rule = collections.Counter(f["code"] for f in findings)
    arc001 = [f for f in findings if f["code"] == "ARC001"]
    reasons = collections.Counter(f["message"].split("; other rules")[0] for f in arc001)
    wrong = [
        f["path"]
        for f in arc001
        if f["path"].endswith(".py") and python_compiles(folder / f["path"])
    ]
    internal = [n.get("message", "") for n in report.get("notifications", [])]
    if run["code"] == 2 or "Traceback" in run["stderr"]:
        internal.append(
            run["stderr"].strip().splitlines()[-1] if run["stderr"].strip() else "exit 2"
        )
    return {
        "project": name,
        "version": PROJECTS[name],
        "files": report.get("summary", {}).get("files", 0),
        "by_kind": report.get("summary", {}).get("by_kind", {}),
        "seconds": round(run["seconds"], 1),
        "findings": dict(sorted(per_rule.items())),
        "arc001": len(arc001),
        "arc001_reasons": dict(reasons.most_common()),
        "arc001_paths": sorted(f["path"] for f in arc001),
        "arc001_on_valid_python": wrong,
        "arc004": [f"{f['path']}: {f['message']}" for f in findings if f["code"] == "ARC004"],
        "internal_errors": internal,
    }


def show(row: dict[str, Any]) -> None:
    print(f"\n== {row['project']} {row['version']}: {row['files']} files in {row['seconds']} s")
    print("   findings: " + (", ".join(f"{k} {v}" for k, v in row["findings"].items()) or "none"))
    print(f"   ARC001: {row['arc001']}")
    for reason, n in row["arc001_reasons"].items():
        print(f"     {n:4} × {reason}")
    for path in row["arc001_paths"][:20]:
        print(f"          {path}")
    for line in row["arc004"]:
        print(f"   ARC004 {line}")
    print(f"   ARC001 on Python that compiles: {len(row['arc001_on_valid_python'])}")
    for path in row["arc001_on_valid_python"]:
        print(f"     BUG {path}")
    print(f"   internal errors: {len(row['internal_errors'])}")
    for line in row["internal_errors"]:
        print(f"     BUG {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", help="folder with unpacked NAME-VERSION trees to reuse")
    parser.add_argument("--keep", help="download and unpack here instead of a temp folder")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--only", help="comma-separated project names")
    args = parser.parse_args()
    if args.only:
        keep = set(args.only.split(","))
        for name in list(PROJECTS):
            if name not in keep:
                del PROJECTS[name]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        rows = []
        for name, folder in sources(args, work).items():
            row = summarise(name, folder, scan(folder, args.jobs))
            show(row)
            rows.append(row)
    total_files = sum(r["files"] for r in rows)
    bugs = sum(len(r["internal_errors"]) + len(r["arc001_on_valid_python"]) for r in rows)
    print(
        f"\n{len(rows)} projects, {total_files} files, "
        f"{sum(r['arc001'] for r in rows)} ARC001, {bugs} bugs (internal errors or ARC001 on "
        "valid Python)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
