"""A per-file time budget: one file can never stall a run.

Readers are linear by design, but a hostile file (or a plug-in rule) may still find a slow path.
The budget is a SIGALRM interval timer around one file's extraction: when it fires, the file's
work is abandoned with `FileTimeout` and the file is reported as skipped (ARC004). It works the
same in worker processes and in the main process (`--jobs 1`), whose extraction runs in the
main thread. Where signals cannot be used (another thread, or a platform without SIGALRM) the
budget is not enforced and the file is read without one.

`FileTimeout` derives from BaseException so that a reader's or rule's `except Exception`
(which keeps a run going on bad input) cannot swallow it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

DEFAULT_MAX_FILE_TIME = 60.0  # seconds; the largest real files read in a few seconds


class FileTimeout(BaseException):
    """Raised inside the extraction of a file that used up its time budget."""


_REPEAT = 0.1  # seconds: the next try, should the exception be swallowed
_active = False


def _expire(signum: int, frame: FrameType | None) -> None:
    if not _active:  # the budget ended while this signal was on its way
        return
    # The handler runs in whatever Python code is executing: a `__del__` or a gc callback
    # swallows the exception (as "unraisable"); the timer fires again until one lands.
    signal.setitimer(signal.ITIMER_REAL, _REPEAT)
    raise FileTimeout


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise FileTimeout in the body once `seconds` have passed (0 or less: no budget)."""
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    global _active
    previous = signal.signal(signal.SIGALRM, _expire)
    try:
        _active = True
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        _active = False  # first: a signal handled from here on is ignored
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
