"""Errors that end a run with exit code 2: bad usage, bad configuration, a broken plug-in."""


class UsageError(Exception):
    """A one-line message for the user; the CLI prints it and exits 2."""
