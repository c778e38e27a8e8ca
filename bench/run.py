"""archlint's performance benchmark, beside its peers, on the same inputs in the same run.

    python bench/run.py                 # everything (35-45 minutes on 2 cores), writes bench/RESULTS.md
    python bench/run.py --quick         # one run each; no Fixit, no 5k tree, no 1,000 services
    python bench/run.py --runs 5        # medians over 5 runs (default 3)
    python bench/run.py --only sympy --archlint-only   # one input, archlint alone
    python bench/run.py --smoke         # the 10-service system, archlint only, nothing fetched

Everything is set up from the package registries into a work folder (default
`$TMPDIR/archlint-bench`, kept between runs so downloads happen once; `--fresh` starts over):

- Python corpora from pinned PyPI sdists: `sympy==1.13.3` (1,562 .py files, 1,961 files in all)
  is the ~1.5k-file tree; `Django==5.1.4` plus `sympy==1.13.3` side by side (4,350 .py files,
  8,700 files in all with Django's locale files) is the ~5k-file tree.
- The real OpenAPI specs in `../shared/corpus/openapi/` (Stripe's 4 MB spec3.yaml), if present.
- Generated multi-service systems of 10, 100 and 1,000 services (`bench/gensystem.py`).
- Peers in their own venv under the work folder (never the dev venv): bandit, semgrep (a local
  rule file, `--metrics=off`, no registry config), Fixit (its built-in rules); Spectral's `oas`
  ruleset through npm (`@stoplight/spectral-cli`) when npm is there. The `ast.parse` floor
  parses every .py file once in one process.

archlint runs cold (cache folder deleted before each run), warm (nothing changed) and after one
file changed (a different comment appended before each run), with every rule on
(`--select ALL`) and JSON output to a file; peers also write JSON to a file. Wall time is the
median of `--runs` runs; a peer whose first run takes longer than `--slow-cap` seconds is run
once. Peak memory is the largest sum of RSS over the process tree (workers included), polled
from /proc every 20 ms. The table goes to stdout and to `bench/RESULTS.md` (or `--output`),
between the `<!-- bench:begin -->` / `<!-- bench:end -->` markers when the file has them.

Timings are wall-clock on a shared machine: medians, not minima, and ratios taken within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import gensystem  # noqa: E402

CORPUS_OPENAPI = REPO.parent / "shared" / "corpus" / "openapi"
SDISTS = {"django": "5.1.4", "sympy": "1.13.3"}
PEERS = ["bandit==1.8.3", "semgrep==1.182.0", "fixit==2.1.0"]
SPECTRAL = "@stoplight/spectral-cli@6.15.0"
SEMGREP_RULES = """\
rules:
  - id: requests-without-timeout
    languages: [python]
    severity: WARNING
    message: HTTP call without a timeout
    patterns:
      - pattern-either:
          - pattern: requests.$M(...)
          - pattern: httpx.$M(...)
      - pattern-not: $X.$M(..., timeout=$T, ...)
  - id: hardcoded-password
    languages: [python]
    severity: ERROR
    message: hardcoded password
    pattern-either:
      - pattern: $X.password = "..."
      - pattern: password = "..."
  - id: blocking-sleep-in-async
    languages: [python]
    severity: WARNING
    message: time.sleep in async def
    pattern: |
      async def $F(...):
          ...
          time.sleep(...)
"""
FLOOR = """\
import ast, pathlib, sys, warnings
warnings.simplefilter("ignore")
n = 0
for p in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    try:
        ast.parse(p.read_bytes())
        n += 1
    except (SyntaxError, ValueError):
        pass
print(n)
"""


# --- measuring -----------------------------------------------------------------------------------


def _tree_rss(root: int) -> int:
    """Sum of RSS (bytes) of `root` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(stat[1]), []).append(pid)
        rss[pid] = int(stat[21]) * page
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


@dataclass
class Sample:
    seconds: float
    peak: int  # bytes
    code: int


def measure(
    cmd: Sequence[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Sample:
    """Run `cmd`, return wall time, peak tree RSS and exit code (stdout/stderr discarded).
    Past `timeout` seconds the command's process group is stopped (exit code -1)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    peak = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.02)

    t = threading.Thread(target=poll, daemon=True)
    t.start()
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        _out, err = proc.communicate()
        done.set()
        t.join()
        log(f"  ! {cmd[0]} stopped after {timeout:.0f} s")
        return Sample(time.perf_counter() - start, peak, -1)
    elapsed = time.perf_counter() - start
    done.set()
    t.join()
    if proc.returncode not in (0, 1):
        tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        print(f"  ! {cmd[0]} exited {proc.returncode}: {' | '.join(tail)}", file=sys.stderr)
    return Sample(elapsed, peak, proc.returncode)


@dataclass
class Row:
    corpus: str
    tool: str
    mode: str
    files: int
    samples: list[Sample] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples) if self.samples else float("nan")

    @property
    def peak(self) -> int:
        return max((s.peak for s in self.samples), default=0)

    @property
    def ok(self) -> bool:
        return bool(self.samples) and all(s.code in (0, 1) for s in self.samples)


# --- setting up ----------------------------------------------------------------------------------


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sh(cmd: Sequence[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), text=True, capture_output=True, **kw)  # type: ignore[call-overload,no-any-return]


def setup_venv(work: Path, fixit: bool) -> tuple[Path | None, str]:
    """The peers' venv (bandit, semgrep, Fixit), or None and why not."""
    venv = work / "venv"
    py = venv / "bin" / "python"
    if not py.exists():
        log("creating the peers' venv")
        r = sh([sys.executable, "-m", "venv", str(venv)])
        if r.returncode:
            return None, f"python -m venv failed: {r.stderr.strip()[-200:]}"
    want = [p for p in PEERS if fixit or not p.startswith("fixit")]
    have = sh([str(py), "-m", "pip", "freeze"]).stdout.lower().split()
    missing = [p for p in want if p.lower() not in have]
    if missing:
        log(f"pip install {' '.join(missing)}")
        r = sh([str(py), "-m", "pip", "install", "-q", *missing])
        if r.returncode:
            # install what installs: a peer that does not is reported as skipped
            for p in missing:
                sh([str(py), "-m", "pip", "install", "-q", p])
    return venv, ""


def setup_spectral(work: Path) -> tuple[Path | None, str]:
    npm = shutil.which("npm")
    if npm is None:
        return None, "npm is not installed on this machine"
    node = work / "node"
    exe = node / "node_modules" / ".bin" / "spectral"
    if not exe.exists():
        log(f"npm install {SPECTRAL}")
        node.mkdir(parents=True, exist_ok=True)
        r = sh(
            [npm, "install", "--prefix", str(node), "--no-audit", "--no-fund", SPECTRAL],
            timeout=900,
        )
        if r.returncode or not exe.exists():
            return None, f"npm install {SPECTRAL} failed: {r.stderr.strip()[-300:]}"
    return exe, ""


def fetch_sdists(work: Path) -> dict[str, Path]:
    """Unpacked pinned sdists: name → folder."""
    dl = work / "sdists"
    dl.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for name, version in SDISTS.items():
        archive = next(dl.glob(f"{name}-{version}.tar.gz"), None) or next(
            (p for p in dl.glob("*.tar.gz") if p.name.lower() == f"{name}-{version}.tar.gz"), None
        )
        if archive is None:
            log(f"pip download {name}=={version} (sdist)")
            r = sh(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--no-binary",
                    ":all:",
                    "-d",
                    str(dl),
                    f"{name}=={version}",
                ]
            )
            if r.returncode:
                raise SystemExit(f"cannot download {name}=={version}: {r.stderr.strip()[-300:]}")
            archive = next(
                p for p in dl.glob("*.tar.gz") if p.name.lower() == f"{name}-{version}.tar.gz"
            )
        folder = work / "unpacked" / archive.name[: -len(".tar.gz")]
        if not folder.exists():
            folder.parent.mkdir(parents=True, exist_ok=True)
            with tarfile.open(archive) as tar:
                tar.extractall(folder.parent, filter="data")
        out[name] = folder
    return out


@dataclass
class Corpus:
    name: str
    path: Path
    changed: str | None  # the file edited for the "one file changed" runs
    peers: tuple[str, ...]
    note: str = ""

    def count(self, suffix: str | None = None) -> int:
        n = 0
        for _dirpath, dirnames, filenames in os.walk(self.path):
            dirnames[:] = [d for d in dirnames if d != ".archlint_cache"]
            n += sum(1 for f in filenames if suffix is None or f.endswith(suffix))
        return n


def build_corpora(work: Path, args: argparse.Namespace) -> list[Corpus]:
    corpora: list[Corpus] = []
    sizes = [10] if args.smoke else ([10, 100] if args.quick else [10, 100, 1000])
    peers_py: tuple[str, ...] = () if args.smoke else ("floor", "bandit", "semgrep")
    if not args.smoke:
        sd = fetch_sdists(work)
        small = sd["sympy"]
        corpora.append(
            Corpus(
                f"python ~1.5k files (sympy {SDISTS['sympy']})",
                small,
                "sympy/core/basic.py",
                (*peers_py, *(() if args.quick else ("fixit",))),
            )
        )
        big = work / "py5k"
        if not big.exists():
            big.mkdir()
            for p in sd.values():
                shutil.copytree(p, big / p.name)
        if not args.quick:
            corpora.append(
                Corpus(
                    f"python ~5k .py files (Django {SDISTS['django']} + sympy {SDISTS['sympy']})",
                    big,
                    f"Django-{SDISTS['django']}/django/db/models/query.py",
                    ("floor",),
                )
            )
    for n in sizes:
        target = work / f"services-{n}"
        if not target.exists():
            gensystem.generate(target, n)
        corpora.append(
            Corpus(f"generated, {n} services", target, "services/svc0000/app/clients.py", peers_py)
        )
    stripe = CORPUS_OPENAPI / "stripe-spec3.yaml"
    if not args.smoke and stripe.is_file():
        target = work / "openapi-stripe"
        target.mkdir(exist_ok=True)
        if not (target / stripe.name).exists():
            shutil.copyfile(stripe, target / stripe.name)
        corpora.append(Corpus("Stripe OpenAPI spec3.yaml (4 MB)", target, None, ("spectral",)))
    return corpora


# --- running -------------------------------------------------------------------------------------


class Bench:
    def __init__(self, work: Path, args: argparse.Namespace):
        self.work = work
        self.args = args
        self.rows: list[Row] = []
        self.skipped: list[str] = []
        self.venv: Path | None = None
        self.spectral: Path | None = None
        # archlint runs from a copy of src/ taken now: edits to the work tree during the run
        # would otherwise change the cache key (it hashes archlint's own sources) mid-run.
        snapshot = work / "archlint-src"
        shutil.rmtree(snapshot, ignore_errors=True)
        shutil.copytree(
            REPO / "src" / "archlint",
            snapshot / "archlint",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(snapshot), env.get("PYTHONPATH", "")])
        env.pop("NO_COLOR", None)
        self.env = env
        self.out = work / "out"
        self.out.mkdir(parents=True, exist_ok=True)

    def archlint(self, target: Path) -> list[str]:
        cmd = [sys.executable, "-m", "archlint", "check", str(target), "--select", "ALL"]
        cmd += ["--format", "json", "--output", str(self.out / "archlint.json")]
        if self.args.jobs:
            cmd += ["--jobs", str(self.args.jobs)]
        return cmd

    def repeat(
        self, row: Row, cmd: Sequence[str], before: object = None, slow: bool = False
    ) -> Row:
        runs = self.args.runs
        for i in range(runs):
            if callable(before):
                before(i)
            s = measure(cmd, env=self.env, timeout=self.args.peer_timeout if slow else None)
            row.samples.append(s)
            if s.code == -1:
                row.note = f"stopped after {self.args.peer_timeout:.0f} s, unfinished"
                break
            log(f"  {row.tool} {row.mode}: {s.seconds:.2f} s, {s.peak / 2**20:.0f} MiB")
            if slow and i == 0 and s.seconds > self.args.slow_cap and runs > 1:
                row.note = f"1 run (first took > {self.args.slow_cap:.0f} s)"
                break
        self.rows.append(row)
        return row

    def run_corpus(self, c: Corpus) -> None:
        log(f"corpus: {c.name} ({c.path})")
        files, py = c.count(), c.count(".py")
        cache = c.path / ".archlint_cache"

        def clear(_i: int) -> None:
            shutil.rmtree(cache, ignore_errors=True)

        cmd = self.archlint(c.path)
        self.repeat(Row(c.name, "archlint", "cold", files), cmd, before=clear)
        measure(cmd, env=self.env)  # fill the cache
        self.repeat(Row(c.name, "archlint", "warm", files), cmd)
        if c.changed:
            edited = c.path / c.changed
            original = edited.read_bytes()

            def touch(i: int) -> None:
                edited.write_bytes(original + f"\n# bench edit {i} {time.time_ns()}\n".encode())

            try:
                self.repeat(Row(c.name, "archlint", "1 file changed", files), cmd, before=touch)
            finally:
                edited.write_bytes(original)
        for peer in () if self.args.archlint_only else c.peers:
            getattr(self, f"peer_{peer}")(c, files, py)

    def peer_floor(self, c: Corpus, files: int, py: int) -> None:
        script = self.work / "floor.py"
        script.write_text(FLOOR, encoding="utf-8")
        self.repeat(
            Row(c.name, "ast.parse floor", "1 process", py),
            [sys.executable, str(script), str(c.path)],
        )

    def _peer_exe(self, name: str) -> Path | None:
        if self.venv is None:
            return None
        exe = self.venv / "bin" / name
        if not exe.exists():
            self.skipped.append(f"{name}: did not install into the bench venv")
            return None
        return exe

    def peer_bandit(self, c: Corpus, files: int, py: int) -> None:
        exe = self._peer_exe("bandit")
        if exe:
            cmd = [
                str(exe),
                "-r",
                str(c.path),
                "-q",
                "-f",
                "json",
                "-o",
                str(self.out / "bandit.json"),
            ]
            self.repeat(Row(c.name, "bandit -r", "", py), cmd, slow=True)

    def peer_semgrep(self, c: Corpus, files: int, py: int) -> None:
        exe = self._peer_exe("semgrep")
        if exe:
            rules = self.work / "semgrep-rules.yml"
            rules.write_text(SEMGREP_RULES, encoding="utf-8")
            cmd = [str(exe), "scan", "--config", str(rules), "--metrics=off"]
            cmd += ["--disable-version-check", "--no-git-ignore", "--quiet", "--json"]
            cmd += ["--output", str(self.out / "semgrep.json"), str(c.path)]
            row = self.repeat(Row(c.name, "semgrep (3 local rules)", "", py), cmd, slow=True)
            # semgrep leaves out tests/ folders (and more) by default: count what it scanned
            try:
                report = json.loads((self.out / "semgrep.json").read_text(encoding="utf-8"))
                row.files = len(report["paths"]["scanned"])
            except (OSError, ValueError, KeyError, TypeError):
                pass
            if row.files < py:
                skips = f"scans {row.files:,} of {py:,} .py files: skips tests/ by default"
                row.note = f"{row.note}; {skips}" if row.note else skips

    def peer_fixit(self, c: Corpus, files: int, py: int) -> None:
        exe = self._peer_exe("fixit")
        if exe:
            cfg = self.work / "fixit.toml"
            cfg.write_text(
                '[tool.fixit]\nroot = true\nenable = ["fixit.rules"]\n', encoding="utf-8"
            )
            cmd = [str(exe), "--config-file", str(cfg), "lint", str(c.path)]
            self.repeat(Row(c.name, "Fixit (built-in rules)", "", py), cmd, slow=True)

    def peer_spectral(self, c: Corpus, files: int, py: int) -> None:
        if self.spectral is None:
            return
        ruleset = self.work / "spectral.yaml"
        ruleset.write_text('extends: ["spectral:oas"]\n', encoding="utf-8")
        spec = next(c.path.glob("*.yaml"))
        cmd = [str(self.spectral), "lint", "--ruleset", str(ruleset), "--format", "json"]
        cmd += ["--output", str(self.out / "spectral.json"), "--quiet", str(spec)]
        self.repeat(Row(c.name, "Spectral (oas ruleset)", "", 1), cmd, slow=True)


# --- reporting -----------------------------------------------------------------------------------


def _fmt_s(x: float) -> str:
    return f"{x:.2f}" if x < 10 else f"{x:.1f}"


def table(rows: list[Row]) -> str:
    out = [
        "| input | tool | mode | files | median wall s | runs | peak RSS MiB | files/s | archlint cold ÷ this |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    cold = {r.corpus: r.median for r in rows if r.tool == "archlint" and r.mode == "cold"}
    for r in rows:
        ratio = ""
        stopped = any(s.code == -1 for s in r.samples)  # a lower bound, not a time
        less = "< " if stopped else ""
        if r.tool != "archlint" and r.corpus in cold and (r.ok or stopped):
            ratio = f"{less}{cold[r.corpus] / r.median:.2f}×"
        elif r.tool == "archlint" and r.mode != "cold" and r.corpus in cold:
            ratio = f"{cold[r.corpus] / r.median:.1f}× faster" if r.median else ""
        runs = f"{len(r.samples)}" + (f" ({r.note})" if r.note else "")
        if not r.ok and not stopped:
            runs += " (failed)"
        median = f"> {_fmt_s(r.median)}" if stopped else _fmt_s(r.median)
        out.append(
            f"| {r.corpus} | {r.tool} | {r.mode} | {r.files:,} | {median} | {runs} | "
            f"{r.peak / 2**20:,.0f} | {less}{r.files / r.median:,.0f} | {ratio} |"
        )
    return "\n".join(out)


def targets(rows: list[Row]) -> str:
    def find(corpus_part: str, tool: str, mode: str = "") -> Row | None:
        return next(
            (
                r
                for r in rows
                if corpus_part in r.corpus
                and r.tool.startswith(tool)
                and (not mode or r.mode == mode)
            ),
            None,
        )

    lines = ["| target | measured | verdict |", "|---|---|---|"]

    def add(name: str, value: float | None, limit: float, fmt: str) -> None:
        if value is None:
            lines.append(f"| {name} | not measured in this run | — |")
            return
        verdict = "met" if value <= limit else "**missed**"
        lines.append(f"| {name} | {fmt.format(value)} | {verdict} |")

    cold = find("~1.5k", "archlint", "cold")
    bandit = find("~1.5k", "bandit")
    add(
        "cold `--select ALL` on the ~1.5k-file tree ≤ 0.5× bandit",
        cold.median / bandit.median if cold and bandit and bandit.ok else None,
        0.5,
        "{:.2f}× bandit",
    )
    warm = find("~1.5k", "archlint", "warm")
    changed = find("~1.5k", "archlint", "1 file changed")
    add(
        "warm re-run ≤ 0.1× cold (~1.5k tree)",
        warm.median / cold.median if warm and cold else None,
        0.1,
        "{:.3f}× cold",
    )
    add(
        "one file changed ≤ 0.15× cold (~1.5k tree)",
        changed.median / cold.median if changed and cold else None,
        0.15,
        "{:.3f}× cold",
    )
    big = find("~5k", "archlint", "cold")
    add(
        "peak memory ≤ 1 GiB on the ~5k tree (cold)",
        big.peak / 2**20 if big else None,
        1024,
        "{:,.0f} MiB",
    )
    svc = sorted(
        (
            r
            for r in rows
            if r.corpus.startswith("generated") and r.tool == "archlint" and r.mode == "cold"
        ),
        key=lambda r: r.files,
    )
    if len(svc) >= 2:
        per = [r.median / r.files * 1000 for r in svc]
        text = " → ".join(
            f"{r.files:,} files: {p:.2f} ms/file" for r, p in zip(svc, per, strict=True)
        )
        # linear: the cost per file of the largest system within 1.5× the 100-service one's
        base = per[1] if len(per) > 2 else per[0]
        verdict = "met" if per[-1] <= 1.5 * base else "**missed**"
        lines.append(f"| cost grows linearly with services (cold, per file) | {text} | {verdict} |")
    else:
        lines.append("| cost grows linearly with services | not measured in this run | — |")
    stripe = find("Stripe", "archlint", "cold")
    spectral = find("Stripe", "Spectral")
    add(
        "Stripe spec ≥ 2× faster than Spectral `oas` (archlint cold ÷ Spectral ≤ 0.5)",
        stripe.median / spectral.median if stripe and spectral and spectral.ok else None,
        0.5,
        "{:.2f}× Spectral",
    )
    return "\n".join(lines)


def environment(args: argparse.Namespace) -> str:
    import platform

    cpus = os.cpu_count()
    load = os.getloadavg()[0]
    return (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; Python {platform.python_version()}; "
        f"{cpus} cores; load average at the end {load:.2f}; runs per measurement: {args.runs}; "
        f"archlint `--jobs` {args.jobs or 'default (all cores)'}"
    )


def write_results(path: Path, text: str) -> None:
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    block = f"{begin}\n{text}\n{end}"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if begin in old and end in old:
        new = old[: old.index(begin)] + block + old[old.index(end) + len(end) :]
    else:
        new = f"# archlint benchmark results\n\n{block}\n"
    path.write_text(new, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--quick", action="store_true", help="one run each; no Fixit, no 5k tree, no 1,000 services"
    )
    ap.add_argument(
        "--smoke", action="store_true", help="the 10-service system, archlint only, nothing fetched"
    )
    ap.add_argument("--runs", type=int, default=None, help="runs per measurement (default 3)")
    ap.add_argument(
        "--slow-cap", type=float, default=150.0, help="a peer slower than this runs once"
    )
    ap.add_argument(
        "--peer-timeout", type=float, default=600.0, help="stop a peer's run after this long"
    )
    ap.add_argument("--jobs", type=int, default=None, help="archlint --jobs (default: all cores)")
    ap.add_argument(
        "--workdir", type=Path, default=None, help="work folder (default $TMPDIR/archlint-bench)"
    )
    ap.add_argument("--fresh", action="store_true", help="delete the work folder first")
    ap.add_argument(
        "--output", type=Path, default=None, help="results file (default bench/RESULTS.md)"
    )
    ap.add_argument("--archlint-only", action="store_true", help="no peers, no ast floor")
    ap.add_argument(
        "--only", action="append", default=[], help="run only inputs whose name contains this"
    )
    args = ap.parse_args(argv)
    if args.runs is None:
        args.runs = 1 if (args.quick or args.smoke) else 3
    args.archlint_only = args.archlint_only or args.smoke
    work = args.workdir or Path(tempfile.gettempdir()) / (
        "archlint-bench-smoke" if args.smoke else "archlint-bench"
    )
    if args.fresh:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    output = args.output or (work / "RESULTS.md" if args.smoke else HERE / "RESULTS.md")

    bench = Bench(work, args)
    corpora = build_corpora(work, args)
    if not args.archlint_only:
        bench.venv, why = setup_venv(work, fixit=not args.quick)
        if bench.venv is None:
            bench.skipped.append(f"bandit, semgrep, Fixit: {why}")
        if any("spectral" in c.peers for c in corpora):
            bench.spectral, why = setup_spectral(work)
            if bench.spectral is None:
                bench.skipped.append(f"Spectral: {why}")
        if not CORPUS_OPENAPI.is_dir():
            bench.skipped.append(f"OpenAPI specs: {CORPUS_OPENAPI} is not there")
    for c in corpora:
        if not args.only or any(o.lower() in c.name.lower() for o in args.only):
            bench.run_corpus(c)

    parts = [
        f"Measured {environment(args)}.",
        "",
        table(bench.rows),
        "",
        "Targets:",
        "",
        targets(bench.rows),
    ]
    if bench.skipped:
        parts += ["", "Skipped:", "", *(f"- {s}" for s in bench.skipped)]
    text = "\n".join(parts)
    print(text)
    write_results(output, text)
    log(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
