"""Loaded by every Python process of a guarded archlint run (PYTHONPATH points here), so the
workers of the process pool are guarded too.

An audit hook fails every network connection, name lookup, process start, unpickling and any
execution of code compiled from a file under the scanned tree, and records each attempt in the
file named by ARCHLINT_GUARD_LOG (archlint could catch the exception; it cannot hide the record).
"""

import os
import sys

_LOG = os.environ.get("ARCHLINT_GUARD_LOG")
_ROOT = os.environ.get("ARCHLINT_GUARD_ROOT", "\0")

_FORBIDDEN = (
    "socket.connect",
    "socket.sendto",
    "socket.sendmsg",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "urllib.Request",
    "http.client.connect",
    "ftplib.connect",
    "smtplib.connect",
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.startfile",
    "ctypes.dlopen",
    "webbrowser.open",
)


# The process pool pickles archlint's own work items and results between its processes; a
# pickle naming anything else (os.system, subprocess.Popen, …) did not come from archlint.
_PICKLABLE = (
    "archlint",
    "concurrent.futures",
    "multiprocessing",
    "builtins",
    "copyreg",
    "collections",
    "enum",
    "pathlib",
    "_codecs",
    "traceback",
)


class GuardViolation(RuntimeError):
    pass


def _record(event, args):
    fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{os.getpid()} {event} {args!r:.300}\n".encode("utf-8", "replace"))
    finally:
        os.close(fd)


def _hook(event, args):
    if event in _FORBIDDEN:
        _record(event, args)
        raise GuardViolation(f"archlint must not do {event}")
    if event == "pickle.find_class" and not str(args[0]).startswith(_PICKLABLE):
        _record(event, args)
        raise GuardViolation(f"archlint must not unpickle {args[0]}.{args[1]}")
    if event == "exec" and args:
        filename = getattr(args[0], "co_filename", "")
        if isinstance(filename, str) and (
            filename.startswith(_ROOT)
            or (not os.path.isabs(filename) and not filename.startswith("<"))
        ):
            _record(event, filename)
            raise GuardViolation(f"archlint must not run scanned code ({filename})")


if _LOG:
    sys.addaudithook(_hook)
