"""GitHub's ``primaryLocationLineHash`` partial fingerprint.

This is a port of the function ``hash`` (and its helpers ``computeFirstMod``,
``updateHash``, ``outputHash`` and the per-character processing) from the GitHub
CodeQL upload action, ``github/codeql-action`` file ``src/fingerprints.ts``, as of
commit 85ea24bd2003323b26695b75118f87006bd8daac (``hash(callback, input: string)``);
the later stream-based version (commit 0225834cc549ee0ca93cb085b92954821a145866,
``hash(callback, filepath)``) computes exactly the same values.  The test vectors in
``tests/unit/test_fingerprint.py`` come from ``src/fingerprints.test.ts`` of the same
repository.

The upstream algorithm, restated:

* Walk the input one JavaScript string character (UTF-16 code unit) at a time.
* Spaces and tabs are dropped.  ``\\r`` becomes ``\\n``, and an ``\\n`` that *directly*
  follows a ``\\r`` is dropped (a dropped space/tab in between resets that, so
  ``"\\r \\n"`` is two line breaks, exactly like ``input.split(/\\r\\n|\\r|\\n/)``).
* After the last character the sentinel code 65535 is appended, followed by zeros
  (the "flush"), so every line has 100 code units to hash.
* A line's hash is the polynomial rolling hash, base 37, modulo 2**64 (``Long``
  arithmetic wraps in two's complement), of the 100 code units of that normalised
  stream starting at the line's first code unit::

      h = sum(c[s + k] * 37 ** (99 - k) for k in range(100)) mod 2**64

  printed as unsigned lower-case hex without leading zeros.
* Hashes are emitted in line order; the n-th line carrying a given hex value gets the
  suffix ``:n`` (``"<hex>:<n>"``).

Every line gets a hash, including the empty "line" after a trailing newline, so the
number of hashes equals ``len(re.split(r"\\r\\n|\\r|\\n", text))`` (1 for ``""``).

Implementation note: instead of upstream's 100-slot ring buffer we normalise the text
with C-level ``str.replace`` calls (equivalent to upstream's per-character rules, see
:func:`_normalise`), compute the prefix hashes ``P[i]`` of the normalised stream in
one tight loop, and take ``h(s) = P[s + 100] - P[s] * 37**100 (mod 2**64)`` per line.
This is linear time and the same arithmetic: upstream's rolling update
``h = 37*h + c_new - 37**100 * c_old`` is exactly that difference of prefixes.

Inputs are ``str``.  To match what the action computes for a file, decode the file's
bytes as ``"utf-8"`` with ``errors="replace"`` (Node's ``Buffer.toString()`` also keeps
a leading BOM and replaces invalid bytes with U+FFFD; do not use ``"utf-8-sig"``).
Newline translation on read does not change the result, but ``newline=""`` is the
faithful choice.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable

__all__ = ["line_hash", "line_hashes"]

# Constants from src/fingerprints.ts.
_BLOCK_SIZE = 100  # BLOCK_SIZE
_MOD = 37  # MOD
_EOF = 65535  # appended after the last character of the input
_MASK = (1 << 64) - 1  # Long is 64-bit two's complement; wrap-around == mod 2**64
_FIRST_MOD = pow(_MOD, _BLOCK_SIZE, 1 << 64)  # computeFirstMod()

# The EOF sentinel plus the zero padding of upstream's final flush loop, as the raw
# bytes of BLOCK_SIZE native-endian unsigned 16-bit code units.
_TAIL = array("H", [_EOF] + [0] * (_BLOCK_SIZE - 1)).tobytes()


def _normalise(text: str) -> str:
    """Apply upstream's per-character skipping/replacement rules to ``text``.

    Upstream (``processCharacter``): skip space, tab, and an LF that immediately follows
    a CR; turn every CR into LF.  A skipped space/tab clears the "previous was CR" flag,
    so only a *directly adjacent* CR LF pair collapses.  Replacing ``"\\r\\n"`` first
    (pairs never overlap), then ``"\\r"``, then deleting spaces and tabs reproduces that.
    All four characters are in the BMP, so doing this on Python code points is the same
    as doing it on UTF-16 code units.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n").replace(" ", "").replace("\t", "")


def line_hashes(text: str) -> list[str]:
    """GitHub's primaryLocationLineHash for every line of text (index 0 = line 1).

    Port of ``hash`` in github/codeql-action ``src/fingerprints.ts`` (see the module
    docstring for the exact upstream revision and the algorithm).  Returns one
    ``"<hex>:<n>"`` string per line, where lines are split on ``\\r\\n``, ``\\r`` and
    ``\\n`` and the text after the last line break (possibly empty) is a line too.
    """
    norm = _normalise(text)

    # Upstream iterates JS string characters via charCodeAt, i.e. UTF-16 code units, so
    # an astral-plane character (e.g. an emoji) contributes two code units -- its high
    # and low surrogate -- to the hash.  Mirror that by encoding to UTF-16-LE and
    # reading the code units back.  "surrogatepass" lets lone surrogates (which a JS
    # string can also hold) through as the single code unit they are.
    encoded = norm.encode("utf-16-le", "surrogatepass")
    units = array("H")
    units.frombytes(encoded)
    if sys.byteorder == "big":
        units.byteswap()
    n_units = len(units)
    units.frombytes(_TAIL)

    # P[i] = hash of units[:i] = sum(units[j] * 37**(i-1-j)) mod 2**64.
    prefix = array("Q", [0])
    append = prefix.append
    mod = _MOD
    mask = _MASK
    h = 0
    for c in units:
        h = (h * mod + c) & mask
        append(h)

    # Start offset (in code units) of every line in the normalised stream.  Each "\n"
    # ends a line; the final line starts after the last "\n" (possibly at EOF).
    segments = norm.split("\n")
    if n_units == len(norm):  # no astral characters: code points == code units
        lengths: Iterable[int] = map(len, segments)
    else:
        lengths = [len(seg.encode("utf-16-le", "surrogatepass")) >> 1 for seg in segments]

    # outputHash(): "<unsigned hex>:<how many times this hex value has been emitted>".
    counts: dict[int, int] = {}
    out: list[str] = []
    emit = out.append
    first_mod = _FIRST_MOD
    start = 0
    for length in lengths:
        h = (prefix[start + _BLOCK_SIZE] - prefix[start] * first_mod) & mask
        n = counts[h] = counts.get(h, 0) + 1
        emit("%x:%d" % (h, n))  # noqa: UP031 -- measurably faster than an f-string here
        start += length + 1
    return out


def line_hash(text: str, line: int) -> str | None:
    """GitHub's primaryLocationLineHash for 1-based ``line`` of ``text``.

    Returns ``None`` if ``line`` is out of range (``< 1`` or past the last line).  The
    ``:n`` suffix depends on every earlier line, so this hashes the whole text; call
    :func:`line_hashes` once when several lines of the same text are needed.
    Port of github/codeql-action ``src/fingerprints.ts`` (``hash``).
    """
    if line < 1:
        return None
    hashes = line_hashes(text)
    if line > len(hashes):
        return None
    return hashes[line - 1]
