"""Tests for archlint.report.fingerprint (GitHub primaryLocationLineHash).

The vectors in ``UPSTREAM_VECTORS`` are copied verbatim from github/codeql-action
``src/fingerprints.test.ts`` (test "hash", commit
a7d3945ab4c0fd136ba0970df5a1b7ca4dadb07a), so the port is checked against the values
the real action produces, not against itself.  ``UPSTREAM_FILE_VECTORS`` come from the
same repository's end-to-end fixture ``src/testdata/fingerprinting.expected.sarif``
(with the tiny ``testFile1.js`` / ``testFile2.js`` it fingerprints).
"""

from __future__ import annotations

import random
import re
import time

import pytest

from archlint.report.fingerprint import line_hash, line_hashes

UPSTREAM_VECTORS: list[tuple[str, list[str]]] = [
    # Try empty file
    ("", ["c129715d7a2bc9a3:1"]),
    # Try various combinations of newline characters
    (
        " a\nb\n  \t\tc\n d",
        [
            "271789c17abda88f:1",
            "54703d4cd895b18:1",
            "180aee12dab6264:1",
            "a23a3dc5e078b07b:1",
        ],
    ),
    (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
    ),
    (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
        [
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
    (
        " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
        [
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
    (
        " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
        [
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
    (
        " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        [
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
    # Try repeating line that will generate identical hashes
    (
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            "a7f2ff13bc495cf2:1",
            "a7f2ff13bc495cf2:2",
            "a7f2ff13bc495cf2:3",
            "a7f2ff13bc495cf2:4",
            "a7f2ff13bc495cf2:5",
            "a7f2ff13bc495cf2:6",
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
    (
        "x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n",
        [
            "e54938cc54b302f1:1",
            "bb609acbe9138d60:1",
            "1131fd5871777f34:1",
            "5c482a0f8b35ea28:1",
            "54517377da7028d2:1",
            "2c644846cb18d53e:1",
            "f1b89f20de0d133:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
]

# (file contents, 1-based line, expected primaryLocationLineHash)
UPSTREAM_FILE_VECTORS: list[tuple[str, int, str]] = [
    ("var a = 0;\nvar b = 0;\nvar c = 0;\nvar d = 0;\n", 1, "5e4d5a9cf1294ad9:1"),
    ("var foo = 0;\nvar bar = 0;\nvar baz = 0;\nvar qux = 0;\n", 2, "f7592a95a9381ac0:1"),
]


def _reference_hashes(text: str) -> list[str]:
    """Line-by-line transliteration of upstream ``hash`` (ring buffer and all).

    Deliberately naive and independent of the optimised implementation; used only to
    cross-check it on inputs the upstream vectors do not cover.  Iterates UTF-16 code
    units, as ``input.charCodeAt(i)`` does.
    """
    block_size = 100
    mask = (1 << 64) - 1
    mod = 37
    first_mod = 1
    for _ in range(block_size):
        first_mod = (first_mod * mod) & mask
    data = text.encode("utf-16-le", "surrogatepass")
    codes = [int.from_bytes(data[i : i + 2], "little") for i in range(0, len(data), 2)]

    window = [0] * block_size
    line_numbers = [-1] * block_size
    hash_raw = 0
    index = 0
    line_number = 0
    line_start = True
    prev_cr = False
    hash_counts: dict[str, int] = {}
    out: list[tuple[int, str]] = []

    def output_hash() -> None:
        hash_value = format(hash_raw, "x")
        hash_counts[hash_value] = hash_counts.get(hash_value, 0) + 1
        out.append((line_numbers[index], f"{hash_value}:{hash_counts[hash_value]}"))
        line_numbers[index] = -1

    def update_hash(current: int) -> None:
        nonlocal hash_raw, index
        begin = window[index]
        window[index] = current
        hash_raw = (mod * hash_raw + current - first_mod * begin) & mask
        index = (index + 1) % block_size

    for i in range(len(codes) + 1):
        current = 65535 if i == len(codes) else codes[i]
        if current in (0x20, 0x09) or (prev_cr and current == 0x0A):
            prev_cr = False
            continue
        if current == 0x0D:
            current = 0x0A
            prev_cr = True
        else:
            prev_cr = False
        if line_numbers[index] != -1:
            output_hash()
        if line_start:
            line_start = False
            line_number += 1
            line_numbers[index] = line_number
        if current == 0x0A:
            line_start = True
        update_hash(current)

    for _ in range(block_size):
        if line_numbers[index] != -1:
            output_hash()
        update_hash(0)

    assert [n for n, _ in out] == list(range(1, len(out) + 1))
    return [h for _, h in out]


def _split_lines(text: str) -> list[str]:
    """Same line count as upstream's test: ``input.split(/\\r\\n|\\r|\\n/)``."""
    return re.split(r"\r\n|\r|\n", text)


@pytest.mark.parametrize(("text", "expected"), UPSTREAM_VECTORS)
def test_upstream_vectors(text: str, expected: list[str]) -> None:
    assert line_hashes(text) == expected
    assert len(expected) == len(_split_lines(text))
    for i, h in enumerate(expected, start=1):
        assert line_hash(text, i) == h


@pytest.mark.parametrize(("text", "expected"), UPSTREAM_VECTORS)
def test_reference_port_agrees_with_upstream(text: str, expected: list[str]) -> None:
    # Guards the cross-check below: the naive reference is itself upstream-exact.
    assert _reference_hashes(text) == expected


@pytest.mark.parametrize(("text", "line", "expected"), UPSTREAM_FILE_VECTORS)
def test_upstream_sarif_fixture(text: str, line: int, expected: str) -> None:
    assert line_hash(text, line) == expected


def test_empty_text() -> None:
    assert line_hashes("") == ["c129715d7a2bc9a3:1"]
    assert line_hash("", 1) == "c129715d7a2bc9a3:1"
    assert line_hash("", 2) is None


def test_out_of_range() -> None:
    text = "a\nb\n"
    assert line_hash(text, 0) is None
    assert line_hash(text, -1) is None
    assert line_hash(text, 3) == "c129715d7a2bc9a3:1"  # the empty last line
    assert line_hash(text, 4) is None


def test_no_trailing_newline() -> None:
    with_nl = line_hashes("foo()\nbar()\n")
    without = line_hashes("foo()\nbar()")
    assert len(with_nl) == 3
    assert len(without) == 2
    # The sentinel EOF code sits at a different offset, so every hash differs.
    assert with_nl[:2] != without
    assert without == _reference_hashes("foo()\nbar()")


def test_crlf_matches_lf_and_cr() -> None:
    lf = "def f():\n    return 1\n\nx = f()\n"
    expected = line_hashes(lf)
    assert line_hashes(lf.replace("\n", "\r\n")) == expected
    assert line_hashes(lf.replace("\n", "\r")) == expected


def test_cr_space_lf_is_two_line_breaks() -> None:
    # A skipped space resets upstream's prevCR flag, so "\r \n" is two breaks, same as
    # the /\r\n|\r|\n/ split upstream's own test uses for counting.
    text = "a\r \nb"
    assert len(line_hashes(text)) == len(_split_lines(text)) == 3
    assert line_hashes(text) == line_hashes("a\n\nb") == _reference_hashes(text)


def test_whitespace_is_ignored() -> None:
    assert line_hashes("  if x:\n\t\treturn  y\n") == line_hashes("if x:\nreturny\n")


def test_non_ascii() -> None:
    text = "naïve = 'café'\nπ = 3.14159\n# ünïcödé\n"
    hashes = line_hashes(text)
    assert len(hashes) == 4
    assert hashes == _reference_hashes(text)
    assert hashes != line_hashes(text.replace("ï", "i"))


def test_astral_plane_emoji_counts_as_two_utf16_code_units() -> None:
    emoji = "\U0001f600"  # 😀 = U+D83D U+DE00 in UTF-16
    text = f"x = '{emoji}'\ny = 1\n{emoji}{emoji}\nz\n"
    hashes = line_hashes(text)
    assert len(hashes) == 5
    assert hashes == _reference_hashes(text)
    # The emoji hashes as its surrogate pair, exactly like a JS string would.
    surrogates = "\ud83d\ude00"
    assert line_hashes(text.replace(emoji, surrogates)) == hashes
    # ...and not as a single code point U+1F600 (e.g. some other BMP stand-in).
    assert hashes[0] != line_hashes(text.replace(emoji, "\uf600"))[0]


def test_astral_offsets_feed_the_following_lines() -> None:
    # The 100-unit window spans line breaks: an emoji on line 1 shifts what line 1
    # and earlier lines see, and offsets of later lines must be counted in code units.
    emoji = "\U0001f680"
    text = "a\n" + (emoji * 60) + "\n" + ("b" * 30) + "\nc\n"
    assert line_hashes(text) == _reference_hashes(text)


def test_long_lines_and_window_boundaries() -> None:
    for n in (98, 99, 100, 101, 150, 250):
        text = "q" * n + "\n" + "r" * n + "\nend"
        assert line_hashes(text) == _reference_hashes(text), n


def test_randomised_against_reference_port() -> None:
    rng = random.Random(20240521)
    alphabet = ["a", "b", "Z", "0", ";", " ", "\t", "\n", "\r", "\r\n", "é", "\u20ac", "\U0001f600"]
    alphabet += ["\ufeff", "\uffff", "\x00"]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 400)))
        assert line_hashes(text) == _reference_hashes(text), repr(text)
        assert len(line_hashes(text)) == len(_split_lines(text))


def test_five_megabytes_is_fast() -> None:
    line = "    result = compute(alpha, beta)  # trailing comment \u00e9\n"
    text = line * (5_000_000 // len(line))
    start = time.perf_counter()
    hashes = line_hashes(text)
    elapsed = time.perf_counter() - start
    assert len(hashes) == text.count("\n") + 1
    # Identical lines share one hash value, disambiguated by a running counter
    # (all but the last ~3 lines, whose window reaches the EOF sentinel).
    assert hashes[0].endswith(":1")
    assert hashes[1000].endswith(":1001")
    assert elapsed < 20, elapsed  # generous: typically ~1 s in CPython
