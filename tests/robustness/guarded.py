"""Run the real CLI in a guarded subprocess and measure it (helpers of the robustness suite)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from conftest import Run

GUARD = Path(__file__).parent / "guard"
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _drop_root_file_powers() -> None:
    """Run in the child before exec: as root, drop the capabilities that read any file, so
    permission bits bind archlint as they bind a user (no-op for a user)."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)


def permissions_bind() -> bool:
    """Does a guarded subprocess fail to read a file with mode 000?"""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe"
        probe.write_text("x")
        probe.chmod(0)
        proc = subprocess.run(
            [sys.executable, "-c", f"open({str(probe)!r}).read()"],
            capture_output=True,
            preexec_fn=_drop_root_file_powers,
            check=False,
        )
        probe.chmod(0o600)
    return proc.returncode != 0


@dataclass
class GuardedRun(Run):
    max_rss_mib: float = 0.0
    violations: str = ""


def guarded_archlint(*args: str, cwd: Path, timeout: float = 600) -> GuardedRun:
    """`archlint ARGS` in a fresh interpreter (and its pool workers) under the audit-hook guard,
    without root's power to read unreadable files; returns the run, its peak memory (the
    largest resident set of the process and its workers) and what the guard recorded."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "guard.log"
        out, err = Path(tmp) / "out", Path(tmp) / "err"
        env = {
            **os.environ,
            # (an empty entry would put the working directory, the scanned tree, on sys.path)
            "PYTHONPATH": os.pathsep.join(
                p for p in [str(GUARD), *os.environ.get("PYTHONPATH", "").split(os.pathsep)] if p
            ),
            "ARCHLINT_GUARD_LOG": str(log),
            "ARCHLINT_GUARD_ROOT": str(cwd.resolve()),
            "NO_COLOR": "1",
        }
        # -P: the scanned folder (the working directory) is not put on sys.path, as for the
        # `archlint` command; `python -m archlint` run inside a scanned repository would import
        # a planted `archlint.py` there, before archlint itself (Python's rule, not ours).
        code = "import sys; from archlint.cli import main; sys.exit(main(sys.argv[1:]))"
        with open(out, "wb") as fo, open(err, "wb") as fe:
            proc = subprocess.Popen(
                [sys.executable, "-P", "-c", code, *args],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=fo,
                stderr=fe,
                preexec_fn=_drop_root_file_powers,
            )
            try:
                _, status, usage = _wait4(proc, timeout)
            finally:
                if proc.returncode is None:
                    proc.kill()
                    proc.wait()
        rc = os.waitstatus_to_exitcode(status)
        return GuardedRun(
            rc,
            out.read_text(encoding="utf-8", errors="replace"),
            err.read_text(encoding="utf-8", errors="replace"),
            max_rss_mib=usage.ru_maxrss / 1024,  # Linux: KiB, including waited-for workers
            violations=log.read_text() if log.exists() else "",
        )


def _wait4(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, int, os.struct_rusage]:
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return pid, status, usage


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it is offered."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@contextlib.contextmanager
def listening() -> Iterator[Listener]:
    listener = Listener()
    try:
        yield listener
    finally:
        listener.close()
