"""Secret detectors used by ARC501 hardcoded-secret.

This module is deliberately self-contained: it imports nothing from archlint and only
the standard library, so it can be reasoned about (and fuzzed) in isolation.

Two entry points do the work:

``scan_text(text)``
    Context-free detection of things that are secrets wherever they appear: provider
    tokens with a recognisable format (``ghp_…``, ``AKIA…``, ``sk_live_…``, JWTs, …),
    PEM private key blocks and URLs carrying an inline password. Recall matters here:
    the formats are tight enough that a match is almost always a real credential, so
    the only filtering is for vendor documentation examples and obvious fakes.

``judge_named_value(name, value)``
    A value bound to a name (variable, keyword argument, dict/YAML/INI/.env key,
    environment variable). Precision matters here: the name says *what kind* of secret
    the value would be and the value has to look like one. Password-like names accept
    any real-looking value of six characters or more; token-like names demand a value
    that looks random.

Deliberate non-goals (documented so nobody "fixes" them into noise):

* Weak local-development defaults (``postgres``, ``root``, ``admin``, ``guest``,
  ``changeme``, ``secret`` and the like, optionally with digits/punctuation added, and
  passwords equal to the user name) are not reported, neither in URLs nor as password
  values: nobody leaks anything by committing them, and "weak password" is a different
  rule's business.
* A bare UUID is not reported next to a token-like name (most UUIDs are identifiers);
  it is reported next to a password-like name.
* Password *hashes* (bcrypt, argon2, crypt, PBKDF2), digests (``sha256:…``, SRI
  ``sha512-…``), public keys, certificates, encrypted blobs (Ansible Vault, SOPS
  ``ENC[…]``) and references to secret stores or environment variables are not secrets
  in the sense of this rule.
* Values containing whitespace are not reported by the name heuristics (a sentence, a
  UI label or a translation is not a key).

Performance: every pattern starts with a literal (or a one-character class) so the
regex engine can skip ahead, is only run when one of its keywords occurs in the text,
has bounded repetition and refuses to start inside a longer run of token characters;
PEM blocks are paired procedurally. Scanning is linear in the size of the input.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from archlint.masking import mask

__all__ = [
    "TokenMatch",
    "is_placeholder",
    "is_secret_name",
    "judge_named_value",
    "mask",
    "scan_text",
    "shannon_entropy",
]


@dataclass(frozen=True, slots=True)
class TokenMatch:
    """A secret found by :func:`scan_text`.

    ``start``/``end`` delimit the secret part only, i.e. what must be masked: the
    password of a URL, the whole of a PEM block, the token itself for provider formats.
    """

    detector: str
    start: int
    end: int


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def shannon_entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character (0.0 for an empty string)."""
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum((c / n) * math.log2(c / n) for c in counts.values())


def _strip_quotes(value: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"`":
        v = v[1:-1].strip()
    return v


# ---------------------------------------------------------------------------
# Placeholders, weak defaults and other obviously-not-secret values
# ---------------------------------------------------------------------------

# fmt: off
# Whole values (compared lower-cased, stripped of surrounding quotes) that are never secrets.
_PLACEHOLDER_WORDS = frozenset({
    "changeme", "change-me", "change_me", "change.me", "changeit", "change-it", "replaceme",
    "replace-me", "replace_me", "todo", "tbd", "fixme", "xxx", "example", "sample", "dummy",
    "fake", "test", "mock", "demo", "placeholder", "secret", "password", "passwd", "pass",
    "pwd", "token", "key", "apikey", "api_key", "api-key", "none", "null", "nil", "true",
    "false", "yes", "no", "undefined", "default", "empty", "blank", "n/a", "na", "redacted",
    "[redacted]", "<redacted>", "hidden", "masked", "[filtered]", "filtered", "omitted",
    "unset", "notset", "not-set", "not_set", "your-key", "your_key", "yourkey", "~",
})

# Vocabulary placeholders are made of ("my-secret-password", "your_api_key_here",
# "supersecret", "p@ssw0rd"): a value whose letters split entirely into these words is a
# placeholder. Keep the words generic: every word added makes more values "fake".
_PLACEHOLDER_VOCAB = frozenset({
    "my", "your", "our", "the", "some", "any", "this", "that", "here", "there", "put",
    "insert", "enter", "add", "paste", "replace", "change", "changeit", "me", "it", "with",
    "real", "actual", "own", "value", "string", "text", "placeholder", "dummy", "fake",
    "mock", "sample", "example", "demo", "test", "testing", "todo", "tbd", "fixme", "foo",
    "bar", "baz", "qux", "quux", "secret", "secrets", "password", "passwords", "passwd",
    "pass", "pwd", "passphrase", "word", "key", "keys", "api", "apikey", "token", "tokens",
    "access", "auth", "credential", "credentials", "creds", "private", "client", "app",
    "application", "default", "none", "null", "empty", "blank", "sensitive", "redacted",
    "hidden", "masked", "super", "top", "very", "new", "old", "not", "goes", "go", "xyz",
    "abc", "hello", "world", "welcome", "letmein", "hunter", "qwerty", "qwertyuiop", "asdf",
    "asdfgh", "asdfghjkl", "zxcv", "zxcvbn", "qaz", "wsx", "edc", "is", "a", "for", "of",
    "to", "set", "use", "dont", "do", "insecure", "unsafe", "temp", "tmp", "temporary",
    "long", "random", "strong", "jwt", "signing", "encryption", "session", "cookie", "hash",
    "salt", "db", "database",
    # "password" in a few languages (locale files map a "password" key to these)
    "passwort", "kennwort", "wachtwoord", "contrasena", "senha", "motdepasse", "salasana",
    "losenord", "haslo", "parola", "heslo", "jelszo", "adgangskode", "passord",
})

# Well-known local development defaults: not secrets, deliberately not this rule's business.
_WEAK_DEFAULT_VOCAB = frozenset({
    "postgres", "postgresql", "pg", "mysql", "mariadb", "mongo", "mongodb", "redis",
    "rabbit", "rabbitmq", "amqp", "root", "toor", "admin", "administrator", "guest", "user",
    "users", "username", "login", "dev", "devel", "development", "local", "localhost",
    "docker", "compose", "sa", "service", "web", "django", "rails", "flask", "keycloak",
    "minio", "minioadmin", "elastic", "kibana", "grafana", "airflow", "jenkins", "vagrant",
    "ubuntu", "oracle", "tiger", "scott", "system", "manager", "celery", "worker", "sonar",
    "nexus", "gitlab", "mssql", "sqlserver",
})
# fmt: on

_ALL_DUMMY_VOCAB = _PLACEHOLDER_VOCAB | _WEAK_DEFAULT_VOCAB
_MAX_VOCAB_WORD = max(len(w) for w in _ALL_DUMMY_VOCAB)
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)

_TEMPLATE_RES = tuple(
    re.compile(p, re.DOTALL)
    for p in (
        r"\$\{[^{}]*\}",  # ${VAR}, ${VAR:-default}
        r"\$\{\{.*\}\}",  # ${{ secrets.X }}
        r"\$[A-Za-z_][A-Za-z0-9_]*",  # $VAR
        r"\$\([^()]*\)",  # $(VAR)
        r"\{\{.*\}\}",  # {{ .Values.x }}, {{ var }}
        r"\{%.*%\}",  # {% ... %}
        r"<%.*%>",  # ERB
        r"#\{[^{}]*\}",  # Ruby interpolation
        r"%\([A-Za-z_][\w.]*\)[sdrfi]",  # %(var)s
        r"%[sdr]",  # "%s"
        r"\{[A-Za-z_][\w.\[\]'\"]*(?:![rsa])?(?::[^{}]*)?\}",  # "{password}" (str.format)
        r"\{\d*\}",  # "{}" / "{0}"
        r"@[A-Za-z_][\w.-]*@",  # Maven/Gradle resource filtering
        r"%[A-Za-z_][A-Za-z0-9_]*%",  # Windows %VAR%
        r"<[^<>]+>",  # <your-key>, <password>
        r"\[[^\[\]]*\]",  # [REDACTED], [your key]
    )
)
_TEMPLATE_MARKERS = ("${", "{{", "$(", "<%", "{%", "#{")
_PLACEHOLDER_AFFIX = re.compile(
    r"^(?:your|insert|enter|put|paste|replace|add)[\s_.\-]|[\s_.\-](?:here|goes[\s_.\-]?here)$",
    re.IGNORECASE,
)
_FILLER = re.compile(r"[xX]{4,}|\*{3,}|\.{3,}|…|#{4,}|_{4,}")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


def _segments_into(letters: str, vocab: frozenset[str]) -> bool:
    """Whether ``letters`` (lower-case a-z) is a concatenation of words from ``vocab``."""
    n = len(letters)
    if n == 0 or n > 64:
        return False
    ok = [True] + [False] * n
    for i in range(1, n + 1):
        for j in range(max(0, i - _MAX_VOCAB_WORD), i):
            if ok[j] and letters[j:i] in vocab:
                ok[i] = True
                break
    return ok[n]


def _only_words_from(value: str, vocab: frozenset[str]) -> bool:
    """True when the letters of ``value`` are only words of ``vocab``.

    Digits and punctuation around the words are ignored ("admin123!", "my-secret-pw"),
    and leetspeak is undone ("p@ssw0rd", "s3cr3t").
    """
    lower = value.lower()
    plain = re.sub(r"[^a-z]", "", lower)
    if _segments_into(plain, vocab):
        return True
    leet = re.sub(r"[^a-z]", "", lower.translate(_LEET))
    return leet != plain and _segments_into(leet, vocab)


def _is_sequential(value: str) -> bool:
    """ "abcdef", "123456", "ABCDEFGH12345678": mostly consecutive code points."""
    if len(value) < 6:
        return False
    steps = sum(1 for a, b in itertools.pairwise(value) if ord(b) - ord(a) in (1, -1))
    return steps >= 0.6 * (len(value) - 1)


def _is_templated(v: str) -> bool:
    if any(marker in v for marker in _TEMPLATE_MARKERS):
        return True
    return any(p.fullmatch(v) for p in _TEMPLATE_RES)


def is_placeholder(value: str) -> bool:
    """Whether ``value`` is a placeholder rather than a real secret.

    Covers empty values, template references (``${VAR}``, ``${VAR:-default}``, ``$VAR``,
    ``$(VAR)``, ``{{ .Values.x }}``, ``%(var)s``, ``{password}``, ``<your-key>``), filler
    (``xxxx``, ``***``, ``...``, one repeated character, ``123456``), stock words
    (``changeme``, ``replace_me``, ``example``, ``dummy``, ``test``, ``todo``, ``secret``,
    ``password``, ``none``/``null``/``true``/``false``…), ``your-…``/``insert-…``/``…-here``
    phrases, anything containing ``EXAMPLE`` and values made only of placeholder words
    (``my-secret-password``, ``supersecret``, ``p@ssw0rd``). Weak development defaults
    such as ``postgres`` are *not* placeholders (see :func:`judge_named_value`).
    """
    v = _strip_quotes(value)
    if not v:
        return True
    low = v.lower()
    if low in _PLACEHOLDER_WORDS or len(set(low)) == 1:
        return True
    if _is_templated(v) or _FILLER.search(v):
        return True
    if "EXAMPLE" in v or ("example" in low and len(low) < 64):
        return True
    if _PLACEHOLDER_AFFIX.search(v) or low.startswith(("your", "<your")):
        return True
    if _is_sequential(v):
        return True
    return _only_words_from(v, _PLACEHOLDER_VOCAB)


def _is_weak_default(value: str) -> bool:
    """Placeholder words or well-known local development defaults ("postgres", "admin123")."""
    return _only_words_from(value, _ALL_DUMMY_VOCAB)


# ---------------------------------------------------------------------------
# Vendor documentation examples and fake tokens
# ---------------------------------------------------------------------------

_KNOWN_EXAMPLES = frozenset(
    {
        # AWS documentation
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        # Stripe's public documentation test keys
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
        "sk_test_26PHem9AhJZvU623DfE1x4sd",
    }
)
# fmt: off
_FAKE_WORDS = (
    "example", "sample", "dummy", "fake", "placeholder", "redacted", "changeme", "yourkey",
    "yourtoken", "your_", "your-", "insert", "replace", "xxxx", "test_key", "testkey",
    "testtoken", "notreal", "not_real", "not-a-real",
)
# fmt: on


def _looks_fake_token(token: str) -> bool:
    """A token-shaped string that is obviously a documentation example or filler."""
    if token in _KNOWN_EXAMPLES:
        return True
    low = token.lower()
    if any(w in low for w in _FAKE_WORDS):
        return True
    if re.search(r"(.)\1{5,}", token):  # six identical characters in a row
        return True
    body = re.sub(r"[^A-Za-z0-9]", "", token)
    return _is_sequential(body[-16:]) or _is_sequential(body[:16])


# ---------------------------------------------------------------------------
# Provider formats
# ---------------------------------------------------------------------------

_Validator = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class _Detector:
    """A provider token format.

    ``regex`` has a group ``secret`` (the part to mask) and is only run when one of the
    lower-case ``keywords`` occurs in the lower-cased text. A match is accepted when it
    is not an obvious fake, its entropy reaches ``min_entropy`` and ``validate`` agrees.
    """

    name: str | Callable[[re.Match[str]], str]
    keywords: tuple[str, ...]
    regex: re.Pattern[str]
    min_entropy: float = 3.0
    validate: _Validator | None = None

    def detector_name(self, m: re.Match[str]) -> str:
        """The human name of what ``m`` matched."""
        return self.name if isinstance(self.name, str) else self.name(m)


def _tok(lead: str, rest: str, *, boundary: str = "A-Za-z0-9_", after: str = "") -> re.Pattern[str]:
    """Compile a token regex that cannot start or end inside a longer run of token chars.

    ``lead`` must have a fixed width (a literal, a character class, or alternatives of one
    length): it comes first so the engine can skip ahead to it, and a look-behind right
    after it rejects a lead preceded by a ``boundary`` character. ``after`` (default: the
    same class) may not follow the token.
    """
    tail = after or boundary
    return re.compile(rf"(?P<secret>(?:{lead})(?<![{boundary}](?:{lead})){rest})(?![{tail}])")


_GITHUB_KINDS = {
    "p": "GitHub personal access token",
    "o": "GitHub OAuth access token",
    "u": "GitHub user-to-server token",
    "s": "GitHub server-to-server token",
    "r": "GitHub refresh token",
}
_SLACK_KINDS = {
    "b": "Slack bot token",
    "p": "Slack user token",
    "a": "Slack workspace access token",
    "r": "Slack workspace refresh token",
    "e": "Slack refresh token",
    "s": "Slack legacy token",
    "o": "Slack legacy token",
}


def _stripe_name(m: re.Match[str]) -> str:
    token = m.group("secret")
    env = "live" if "_live_" in token else "test"
    kind = "secret" if token.startswith("sk") else "restricted"
    return f"Stripe {env} {kind} key"


def _b64url_json(segment: str) -> object:
    padded = segment + "=" * (-len(segment) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _valid_jwt(token: str) -> bool:
    """Header decodes to a JSON object with "alg"; jwt.io's sample and anon keys excluded."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    header = _b64url_json(parts[0].rstrip("="))
    if not isinstance(header, dict) or "alg" not in header:
        return False
    payload = _b64url_json(parts[1].rstrip("="))
    if isinstance(payload, dict):
        # jwt.io's sample token (and the many tutorials that copy it)
        if payload.get("sub") == "1234567890" and payload.get("name") == "John Doe":
            return False
        # Supabase-style "anon" keys are public by design: they ship to browsers.
        if payload.get("role") == "anon":
            return False
    return True


def _hex_letters_and_digits(token: str) -> bool:
    return bool(re.search(r"[a-fA-F]", token)) and bool(re.search(r"[0-9]", token))


_DETECTORS: tuple[_Detector, ...] = (
    _Detector(
        "AWS access key ID",
        ("akia", "asia", "abia", "acca", "a3t"),
        _tok(r"AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9]", r"[A-Z0-9]{16}", boundary="A-Za-z0-9"),
    ),
    _Detector(
        lambda m: _GITHUB_KINDS[m.group("secret")[2]],
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        _tok(r"gh[pousr]_", r"[A-Za-z0-9]{36,251}"),
    ),
    _Detector(
        "GitHub fine-grained personal access token",
        ("github_pat_",),
        _tok(r"github_pat_", r"[A-Za-z0-9_]{60,255}"),
    ),
    _Detector(
        "GitLab personal access token",
        ("glpat-",),
        _tok(r"glpat-", r"[A-Za-z0-9_\-]{20,300}(?:\.[0-9a-z]{9})?", boundary=r"A-Za-z0-9_\-"),
    ),
    _Detector(
        "GitLab deploy token",
        ("gldt-",),
        _tok(r"gldt-", r"[A-Za-z0-9_\-]{20,64}", boundary=r"\w\-"),
    ),
    _Detector(
        "GitLab runner token",
        ("glrt-",),
        _tok(r"glrt-", r"[A-Za-z0-9_\-]{20,300}(?:\.[0-9a-z]{9})?", boundary=r"\w\-"),
    ),
    _Detector(
        "GitLab runner token",
        ("gr1348941",),
        _tok(r"GR1348941", r"[A-Za-z0-9_\-]{20}", boundary=r"\w\-"),
    ),
    _Detector(
        "GitLab pipeline trigger token",
        ("glptt-",),
        _tok(r"glptt-", r"[0-9a-f]{40}", boundary=r"\w\-"),
    ),
    _Detector(
        lambda m: _SLACK_KINDS[m.group("secret")[3]],
        ("xoxa-", "xoxb-", "xoxe-", "xoxo-", "xoxp-", "xoxr-", "xoxs-"),
        _tok(
            r"xox[abeoprs]-",
            r"(?:\d{1,2}-)?\d{6,14}(?:-\d{6,14}){0,2}-[A-Za-z0-9]{8,64}",
            boundary=r"A-Za-z0-9\-",
        ),
        min_entropy=2.5,
    ),
    _Detector(
        "Slack configuration token",
        ("xoxe.xox",),
        _tok(r"xoxe\.xox[bp]-", r"\d-[A-Za-z0-9]{140,200}", boundary=r"A-Za-z0-9\-"),
    ),
    _Detector(
        "Slack app-level token",
        ("xapp-",),
        _tok(r"xapp-", r"\d-[A-Z0-9]{8,16}-\d{8,16}-[a-f0-9]{32,80}", boundary=r"A-Za-z0-9\-"),
    ),
    _Detector(
        "Slack webhook URL",
        ("hooks.slack.com",),
        re.compile(
            r"hooks\.slack\.com/(?:services|workflows|triggers)/"
            r"(?P<secret>[A-Za-z0-9+/_\-]{40,120})"
        ),
    ),
    _Detector(
        _stripe_name,
        ("sk_live_", "sk_test_", "rk_live_", "rk_test_"),
        _tok(r"[sr]k_live_|[sr]k_test_", r"[A-Za-z0-9]{10,247}"),
    ),
    _Detector(
        "Stripe webhook signing secret",
        ("whsec_",),
        _tok(r"whsec_", r"[A-Za-z0-9+/=]{32,88}"),
    ),
    _Detector(
        "Google API key",
        ("aiza",),
        _tok(r"AIza", r"[A-Za-z0-9_\-]{35}", boundary=r"A-Za-z0-9_\-"),
    ),
    _Detector(
        "Google OAuth client secret",
        ("gocspx-",),
        _tok(r"GOCSPX-", r"[A-Za-z0-9_\-]{28}", boundary=r"A-Za-z0-9_\-"),
    ),
    _Detector(
        "SendGrid API key",
        ("sg.",),
        _tok(
            r"SG\.",
            r"[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{16,64}",
            boundary=r"A-Za-z0-9_\-.",
            after=r"A-Za-z0-9_\-",
        ),
    ),
    _Detector(
        "Twilio API key",
        ("sk",),
        _tok(r"SK", r"[0-9a-f]{32}", boundary="A-Za-z0-9"),
        validate=lambda t: _hex_letters_and_digits(t[2:]),
    ),
    _Detector(
        "JSON Web Token",
        ("eyj",),
        _tok(
            r"ey",
            r"[A-Za-z0-9_\-]{10,2048}={0,2}\.ey[A-Za-z0-9_\-]{10,16384}={0,2}"
            r"\.[A-Za-z0-9_\-]{16,2048}={0,2}",
            boundary=r"A-Za-z0-9_\-.",
            after=r"A-Za-z0-9_\-",
        ),
        validate=_valid_jwt,
    ),
    _Detector(
        "OpenAI API key",
        ("t3blbkfj",),
        _tok(
            r"sk-",
            r"(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_\-]{20,180}T3BlbkFJ[A-Za-z0-9_\-]{20,180}",
            boundary=r"A-Za-z0-9_\-",
        ),
    ),
    _Detector(
        "Anthropic API key",
        ("sk-ant-",),
        _tok(r"sk-ant-", r"(?:api|admin)\d{2}-[A-Za-z0-9_\-]{80,120}", boundary=r"A-Za-z0-9_\-"),
    ),
    _Detector("npm access token", ("npm_",), _tok(r"npm_", r"[A-Za-z0-9]{36}")),
    _Detector(
        "PyPI API token",
        ("pypi-ageichlwas5vcmc",),
        _tok(r"pypi-AgEIcHlwaS5vcmc", r"[A-Za-z0-9_\-]{50,1000}", boundary=r"A-Za-z0-9_\-"),
    ),
    _Detector(
        "Shopify access token",
        ("shpat_", "shpca_", "shppa_", "shpss_"),
        _tok(r"shpat_|shpca_|shppa_|shpss_", r"[a-fA-F0-9]{32}"),
    ),
    _Detector(
        "DigitalOcean token",
        ("dop_v1_", "doo_v1_", "dor_v1_"),
        _tok(r"do[opr]_v1_", r"[a-f0-9]{64}"),
    ),
    _Detector(
        "HashiCorp Vault token",
        ("hvs.", "hvb."),
        _tok(r"hv[sb]\.", r"[A-Za-z0-9_\-]{90,300}", boundary=r"A-Za-z0-9_\-.", after=r"\w\-"),
    ),
    _Detector("Hugging Face token", ("hf_",), _tok(r"hf_", r"[A-Za-z]{34}")),
    _Detector(
        "Databricks token",
        ("dapi",),
        _tok(r"dapi", r"[0-9a-f]{32}(?:-\d)?", boundary=r"A-Za-z0-9_\-"),
    ),
    _Detector(
        "Mailchimp API key",
        ("-us",),
        _tok(r"[0-9a-f]", r"[0-9a-f]{31}-us\d{1,2}", boundary=r"A-Za-z0-9_\-"),
        validate=lambda t: _hex_letters_and_digits(t[:32]),
    ),
    _Detector(
        "Azure storage account key",
        ("accountkey=",),
        re.compile(r"(?i:AccountKey)=(?P<secret>[A-Za-z0-9+/]{86}==)"),
        min_entropy=4.0,
    ),
    _Detector(
        "Azure shared access key",
        ("sharedaccesskey=",),
        re.compile(r"(?i:SharedAccessKey)=(?P<secret>[A-Za-z0-9+/]{42,43}=)"),
        min_entropy=4.0,
    ),
    _Detector(
        "Square access token",
        ("sq0atp-",),
        _tok(r"sq0atp-", r"[A-Za-z0-9_\-]{22}", boundary=r"\w\-"),
    ),
    _Detector(
        "Square OAuth secret",
        ("sq0csp-",),
        _tok(r"sq0csp-", r"[A-Za-z0-9_\-]{43}", boundary=r"\w\-"),
    ),
    _Detector(
        "age secret key",
        ("age-secret-key-1",),
        _tok(r"AGE-SECRET-KEY-1", r"[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", boundary=r"\w\-"),
    ),
    _Detector(
        "Postman API key",
        ("pmak-",),
        _tok(r"PMAK-", r"[0-9a-f]{24}-[0-9a-f]{34}", boundary=r"\w\-"),
    ),
    _Detector("Sentry auth token", ("sntrys_",), _tok(r"sntrys_", r"[A-Za-z0-9+/=_]{60,400}")),
    _Detector("Sentry auth token", ("sntryu_",), _tok(r"sntryu_", r"[0-9a-f]{64}")),
    _Detector("Grafana token", ("glsa_",), _tok(r"glsa_", r"[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}")),
    _Detector("Grafana token", ("glc_",), _tok(r"glc_", r"[A-Za-z0-9+/]{32,400}={0,2}")),
    _Detector("Linear API key", ("lin_api_",), _tok(r"lin_api_", r"[A-Za-z0-9]{40}")),
    _Detector(
        "Heroku API key",
        ("hrku-aa",),
        _tok(r"HRKU-AA", r"[A-Za-z0-9_\-]{58}", boundary=r"\w\-"),
    ),
    _Detector(
        "Telegram bot token",
        (":aa",),
        _tok(r"\d", r"\d{7,9}:AA[A-Za-z0-9_\-]{33}", boundary=r"A-Za-z0-9_\-:"),
    ),
)


def _candidate_ok(det: _Detector, token: str) -> bool:
    if _looks_fake_token(token) or shannon_entropy(token) < det.min_entropy:
        return False
    return det.validate is None or det.validate(token)


# Any detector's keyword: one search tells whether any detector needs to look at a value at all
# (most values hold none; checking ~100 detectors' keywords one by one cost 1.3 s on Stripe's spec).
_ANY_KEYWORD = re.compile(
    "|".join(sorted({re.escape(k) for det in _DETECTORS for k in det.keywords}, key=len)[::-1])
)


def _provider_candidates(text: str) -> list[tuple[TokenMatch, bool]]:
    """Every provider-format match in ``text`` as (match, accepted)."""
    lowered = text.lower()
    out: list[tuple[TokenMatch, bool]] = []
    if _ANY_KEYWORD.search(lowered) is None:
        return out
    for det in _DETECTORS:
        if not any(k in lowered for k in det.keywords):
            continue
        for m in det.regex.finditer(text):
            start, end = m.span("secret")
            match = TokenMatch(det.detector_name(m), start, end)
            out.append((match, _candidate_ok(det, m.group("secret"))))
    return out


# ---------------------------------------------------------------------------
# PEM private key blocks
# ---------------------------------------------------------------------------

_PEM_BEGIN = re.compile(r"-----BEGIN (?P<kind>(?:[A-Z0-9]+ ){0,3}?)PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END (?:[A-Z0-9]+ ){0,3}?PRIVATE KEY(?: BLOCK)?-----")
# Lines inside a PEM block that are headers ("Proc-Type: 4,ENCRYPTED") not key material.
_PEM_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*: .*$", re.MULTILINE)
_PEM_ESCAPES = re.compile(r"\\[nrt]")
_PEM_BODY_CHARS = re.compile(r"[A-Za-z0-9+/=]")
_PEM_FILLER = re.compile(r"[xX]{8,}|\.{3}|…|\*{3}|<[^<>\n]{1,80}>")
_PEM_MIN_BODY = 64
# When a block has no END marker, take the key material that follows the header.
_PEM_OPEN_BODY = re.compile(r"(?:[A-Za-z0-9+/=]|\\[nrt]|\s){0,16384}")


def _pem_body_is_key(body: str) -> bool:
    """At least 64 characters of base64 key material and no elision or filler."""
    cleaned = _PEM_HEADER_LINE.sub("", _PEM_ESCAPES.sub("\n", body))
    material = "".join(_PEM_BODY_CHARS.findall(cleaned))
    if len(material) < _PEM_MIN_BODY:
        return False
    return not (_PEM_FILLER.search(cleaned) or "EXAMPLE" in material or len(set(material)) < 8)


def _scan_pem(text: str) -> list[TokenMatch]:
    """PEM private key blocks, from BEGIN to END (or to the end of the key material)."""
    if "PRIVATE KEY" not in text:
        return []
    ends = [(m.start(), m.end()) for m in _PEM_END.finditer(text)]
    found: list[TokenMatch] = []
    end_idx = 0
    covered_to = -1
    for begin in _PEM_BEGIN.finditer(text):
        if begin.start() < covered_to:
            continue
        while end_idx < len(ends) and ends[end_idx][0] < begin.end():
            end_idx += 1
        kind = begin.group("kind").strip()
        name = f"{kind} private key block" if kind else "private key block"
        if end_idx < len(ends):
            end_start, end_end = ends[end_idx]
            if _PEM_BEGIN.search(text, begin.end(), end_start) is None:
                if _pem_body_is_key(text[begin.end() : end_start]):
                    found.append(TokenMatch(name, begin.start(), end_end))
                    covered_to = end_end
                continue
        # No END before the next BEGIN (or at all): a truncated block. Report the header
        # plus the key material that follows it, if there is real material.
        body = _PEM_OPEN_BODY.match(text, begin.end())
        stretch = text[begin.end() : body.end() if body else begin.end()].rstrip()
        while stretch.endswith(("\\n", "\\r", "\\t")):
            stretch = stretch[:-2].rstrip()
        if _pem_body_is_key(stretch):
            covered_to = begin.end() + len(stretch)
            found.append(TokenMatch(name, begin.start(), covered_to))
    return found


# ---------------------------------------------------------------------------
# URLs with an inline password
# ---------------------------------------------------------------------------

_URL_CREDS = re.compile(
    r"://(?P<user>[^\s:/?#@'\"`<>\\]{0,256}):(?P<password>[^\s/?#'\"`<>\\]{1,256})"
    r"@(?P<host>[A-Za-z0-9_~%\[\]${}][A-Za-z0-9._~%\[\]${}\-]{0,253})"
)
_SCHEME_TAIL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,31}$")
_SCHEME_CHAR = re.compile(r"[A-Za-z0-9+.\-]")
_DOC_HOSTS = re.compile(
    r"^(?:[\w-]+\.)*(?:example\.(?:com|org|net)|example|invalid)$|\.(?:example|invalid)$",
    re.IGNORECASE,
)
_URL_MIN_PASSWORD = 4


def _url_password_is_real(user: str, password: str, host: str) -> bool:
    """Whether ``user:password@host`` carries a real password.

    Not when the password is a placeholder or reference, a weak development default,
    equal to the user name, shorter than 4 characters ("user:pw@", "u:p@" are templates)
    or when the host is a documentation host (example.com, *.example, *.invalid).
    """
    if len(password) < _URL_MIN_PASSWORD:
        return False
    if is_placeholder(password) or _is_weak_default(password):
        return False
    if password.lower() == user.lower():
        return False
    return not _DOC_HOSTS.search(host)


def _scan_urls(text: str) -> list[TokenMatch]:
    if "://" not in text:
        return []
    found: list[TokenMatch] = []
    for m in _URL_CREDS.finditer(text):
        scheme = _SCHEME_TAIL.search(text, max(0, m.start() - 32), m.start())
        if scheme is None:
            continue
        if scheme.start() > 0 and _SCHEME_CHAR.match(text, scheme.start() - 1):
            continue  # a "scheme" longer than 32 characters is no URL scheme
        password = m.group("password")
        if _url_password_is_real(m.group("user"), password, m.group("host")):
            if (
                scheme.group().lower() not in _CREDENTIAL_SCHEMES
                and password.isalpha()
                and (password.islower())
            ):
                # `models://scope:prefix@databricks/…` in a message: an unknown scheme with a
                # plain word for a password is a URI template, not a credential.
                continue
            found.append(TokenMatch("password in connection URL", *m.span("password")))
    return found


# Schemes that carry credentials: databases, brokers, caches, web and file transfer.
_CREDENTIAL_SCHEMES = frozenset(
    {
        *("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"),
        *("postgresql+asyncpg", "mysql", "mysql+pymysql", "mysql+mysqldb", "mariadb"),
        *("mssql", "mssql+pyodbc", "oracle", "sqlserver", "jdbc:postgresql", "cockroachdb"),
        *("mongodb", "mongodb+srv", "redis", "rediss", "amqp", "amqps", "kafka", "nats"),
        *("memcached", "elasticsearch", "clickhouse", "neo4j", "bolt", "cassandra", "couchdb"),
        *("http", "https", "ftp", "ftps", "sftp", "ssh", "smtp", "smtps", "imap", "imaps"),
        *("ldap", "ldaps", "git", "svn", "s3", "sqs", "snowflake", "trino", "presto"),
    }
)


# ADO.NET / ODBC / libpq keyword connection strings: "Server=db;User Id=app;Password=…;",
# "host=db dbname=orders user=app password=…"
_CONN_PASSWORD = re.compile(
    r"(?i:password|pwd)[ \t]*=[ \t]*(?P<secret>[^;'\"\s]{1,256})(?=[;'\"\s]|$)"
)
_CONN_OTHER_KEY = re.compile(
    r"(?i:server|data source|host|hostname|addr|address|user id|uid|user|username|"
    r"database|initial catalog|dbname|port|driver|provider|sslmode)[ \t]*="
)
# A password passed as a URL query parameter: "jdbc:mysql://db/shop?user=app&password=…"
_QUERY_PASSWORD = re.compile(
    r"://[^\s'\"<>]{1,512}?[?&](?i:password|pwd|passwd)=(?P<secret>[^&#\s'\"<>]{1,256})"
)


def _scan_connection_strings(text: str) -> list[TokenMatch]:
    """Passwords in keyword connection strings and in URL query parameters."""
    lowered = text.lower()
    if "pwd" not in lowered and "passw" not in lowered:
        return []
    found: list[TokenMatch] = []
    for m in _CONN_PASSWORD.finditer(text):
        start = m.start()
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-.&?"):
            continue  # "db_password=", "?password=" (the latter is handled below)
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", m.end())
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        # ADO.NET/ODBC strings are ";"-separated; libpq's are space-separated keywords.
        others = len(_CONN_OTHER_KEY.findall(line))
        if not (others >= 1 and ";" in line) and others < 2:
            continue
        if _url_password_is_real("", m.group("secret"), ""):
            found.append(TokenMatch("password in connection string", *m.span("secret")))
    if "://" in text:
        for m in _QUERY_PASSWORD.finditer(text):
            if _url_password_is_real("", m.group("secret"), ""):
                found.append(TokenMatch("password in connection URL", *m.span("secret")))
    return found


# ---------------------------------------------------------------------------
# scan_text
# ---------------------------------------------------------------------------


def scan_text(text: str) -> list[TokenMatch]:
    """Provider-format tokens, PEM private key blocks and passwords in connection URLs.

    Connection URLs are ``scheme://user:password@host`` (also with the password as a
    ``?password=`` query parameter) and keyword connection strings
    (``Server=db;User Id=app;Password=…;``).

    Works on any text (source, YAML/JSON/TOML/INI, .env, SQL, Markdown…). Returns the
    matches sorted by start offset and non-overlapping: when two detections overlap the
    earlier (then the longer, then the more specific) one wins, so a token inside a PEM
    block, or a provider token used as a URL password, is reported once.
    """
    candidates: list[tuple[TokenMatch, int]] = [
        (match, 0) for match, ok in _provider_candidates(text) if ok
    ]
    candidates += [(m, 1) for m in _scan_pem(text)]
    candidates += [(m, 2) for m in _scan_urls(text)]
    candidates += [(m, 3) for m in _scan_connection_strings(text)]
    candidates.sort(key=lambda c: (c[0].start, c[0].start - c[0].end, c[1]))
    result: list[TokenMatch] = []
    last_end = -1
    for match, _priority in candidates:
        if match.start >= last_end:
            result.append(match)
            last_end = match.end
    return result


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

# fmt: off
_PASSWORD_HEADS = frozenset({"password", "passwd", "pwd", "pass", "passphrase", "passcode"})
_TOKEN_HEADS = frozenset({"token", "apikey", "credential", "credentials", "auth"})
# "<qualifier>_key" is a secret key; a bare "key", "cache_key" or "public_key" is not.
_KEY_QUALIFIERS = frozenset({
    "api", "access", "secret", "private", "signing", "sign", "encryption", "encrypt", "crypt",
    "crypto", "master", "hmac", "session", "client", "app", "application", "auth",
    "consumer", "shared", "service", "webhook", "jwt", "subscription", "admin", "root",
    "rest", "server", "account", "cipher", "aes", "fernet", "license", "routing",
    "integration", "sdk", "ingest", "ingestion", "write", "deploy", "management", "mgmt",
    "storage", "stream", "push", "partner", "merchant", "gateway", "payment", "payments",
    "billing", "vendor",
    # provider names: STRIPE_KEY, SENDGRID_KEY, OPENAI_KEY, DD_KEY…
    "stripe", "sendgrid", "openai", "anthropic", "mailgun", "twilio", "github", "gitlab",
    "slack", "pagerduty", "datadog", "dd", "sentry", "algolia", "aws", "azure", "gcp",
    "heroku", "shopify", "paypal", "braintree", "square", "plaid", "segment", "mixpanel",
    "amplitude", "newrelic", "honeycomb", "bugsnag", "rollbar", "pusher", "mailchimp",
    "postmark", "sparkpost", "mandrill", "cloudflare", "digitalocean", "linode", "npm",
    "pypi", "dockerhub", "huggingface", "hf", "cohere", "replicate", "pinecone", "airtable",
    "notion", "discord", "telegram", "zendesk", "hubspot", "salesforce", "okta", "auth0",
    "atlassian", "jira", "bitbucket", "circleci", "vercel", "netlify", "supabase", "adyen",
})
# Trailing words that qualify rather than name the thing: DB_PASSWORD_PROD, secret_key_base.
_TRAILING_QUALIFIERS = frozenset({
    "value", "val", "str", "string", "raw", "plain", "plaintext", "b64", "base64", "hex",
    "bytes", "literal", "base", "prod", "production", "dev", "development", "staging",
    "stage", "local", "live", "sandbox", "default", "override", "new", "old", "current",
    "primary", "secondary", "main", "backup",
})
# Words anywhere in the name that make it something else than a secret.
_NEGATING_WORDS = frozenset({
    "public", "publishable", "pub", "page", "next", "prev", "previous", "continuation",
    "pagination", "cursor", "sync", "resume", "idempotency", "correlation", "trace",
    "cancellation", "cancel", "csrf", "xsrf", "max", "min", "num", "count", "hashed", "hash",
    "sha", "sha1", "sha256", "sha512", "md5", "digest", "checksum", "fingerprint", "fake",
    "dummy", "example", "sample", "mock", "wrong", "invalid", "bad", "incorrect",
    "placeholder", "masked", "redacted",
})
# "first_pass", "render_pass": passes, not passwords.
_PASS_NEGATING = frozenset({
    "first", "second", "third", "final", "last", "single", "multi", "multiple", "render",
    "one", "two", "by", "bypass", "compiler", "shadow",
})
# fmt: on

# Glued compounds ("PGPASSWORD", "APIKEY", "accesstoken"): suffix -> words it stands for.
_GLUED_SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("password", ("password",)),
    ("passwd", ("passwd",)),
    ("passphrase", ("passphrase",)),
    ("secretkey", ("secret", "key")),
    ("privatekey", ("private", "key")),
    ("accesskey", ("access", "key")),
    ("apikey", ("api", "key")),
    ("apitoken", ("api", "token")),
    ("authtoken", ("auth", "token")),
    ("accesstoken", ("access", "token")),
    ("secret", ("secret",)),
    ("token", ("token",)),
)
_CAMEL_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SEGMENT_SPLIT = re.compile(r"[.\s/:\[\]\"'()>]+")
# Path segments that qualify the previous one: secrets.db.password.value
_QUALIFIER_SEGMENTS = frozenset({"value", "default", "plain", "raw", "text", "data"})


def _split_glued(word: str) -> list[str]:
    for suffix, expansion in _GLUED_SUFFIXES:
        if word == suffix:
            return list(expansion)
        if word.endswith(suffix):
            return [word[: -len(suffix)], *expansion]
    return [word]


def _name_words(name: str) -> list[str]:
    """Lower-case words of the last meaningful segment of ``name``."""
    segments = [s for s in _SEGMENT_SPLIT.split(name) if s.strip("-_$@{}")]
    while len(segments) > 1 and segments[-1].lower() in _QUALIFIER_SEGMENTS:
        segments.pop()
    if not segments:
        return []
    words: list[str] = []
    for piece in re.split(r"[_\-]+", segments[-1].strip("-_$@{}")):
        for word in _CAMEL_WORDS.findall(piece):
            words.extend(_split_glued(word.lower()))
    return words


@dataclass(frozen=True, slots=True)
class _NameKind:
    """What a secret name asks for: "password", "secret", "token" or "authorization"."""

    kind: str
    head: str
    aws_secret: bool = False


_TYPE_NAME = re.compile(r"::[A-Z][a-z]\w*$")  # AWS::SecretsManager::Secret, Foo::ApiKey


def _classify_name(name: str) -> _NameKind | None:
    if _TYPE_NAME.search(name.strip()):
        return None  # a namespaced type name (CloudFormation resource types), not a setting
    words = _name_words(name)
    while len(words) > 1 and (words[-1] in _TRAILING_QUALIFIERS or words[-1].isdigit()):
        words.pop()
    if not words or any(w in _NEGATING_WORDS for w in words):
        return None
    head, before = words[-1], words[:-1]
    if head == "authorization":
        return _NameKind("authorization", head)
    if head in _PASSWORD_HEADS:
        if head == "pass" and any(w in _PASS_NEGATING for w in before):
            return None
        return _NameKind("password", head)
    if head == "secret":
        if any(w in ("webhook", "signing", "hmac", "api") for w in before):
            return _NameKind("token", head)
        return _NameKind("secret", head)
    if head == "key" and before and before[-1] in _KEY_QUALIFIERS:
        aws = "secret" in before and ("access" in before or "aws" in before)
        if before[-1] == "secret" or aws:
            return _NameKind("secret", head, aws_secret=aws)
        return _NameKind("token", head)
    if head in _TOKEN_HEADS:
        if head == "auth" and before:
            return None  # "basic_auth", "http_auth"… are flags or (user, password) tuples
        return _NameKind("token", head)
    return None


def is_secret_name(name: str) -> bool:
    """Whether ``name`` names a secret (password, secret key, token, API key, …).

    Case-insensitive; understands snake_case, camelCase, kebab-case, dotted/path keys
    (``spring.datasource.password``), glued env names (``PGPASSWORD``) and
    ``os.environ["X"]``-style subscripts. The *last* word decides (``password_min_length``
    and ``token_ttl`` are not secret names, ``aws_secret_access_key`` is); names of
    hashes, public/publishable keys, key IDs, URLs, files, paths, env-var names and
    references are not secret names, nor are "passwordless", "tokenizer", "keyboard",
    "monkey", "author", "authority" or "secretary".
    """
    return _classify_name(name) is not None


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DIGEST = re.compile(
    r"^(?:sha(?:1|224|256|384|512)|md5|blake2[bs]?|sha3-\d+)[:\-=][A-Za-z0-9+/=_\-]{16,}$",
    re.IGNORECASE,
)
_CRYPT_HASH = re.compile(
    r"^(?:\$(?:2[abxy]?|argon2(?:id|i|d)|[1567]|y|gy|scrypt|pbkdf2[\w-]*)\$\S+"
    r"|pbkdf2_sha\d+\$\S+|bcrypt\$\S+|argon2\$\S+|\{(?:SSHA|SHA|SMD5|MD5|CRYPT|SSHA512)\}\S+)$",
)
_ENCRYPTED = re.compile(r"^(?:\$ANSIBLE_VAULT;|ENC\[|ENC\(|!vault|vault:|AQICAH)", re.IGNORECASE)
_REFERENCE = re.compile(
    r"^(?:vault|env|file|ssm|secretsmanager|awssm|azurekv|keyvault|gcpsm|gcp-secret|op|"
    r"doppler|sops|k8s|secret|secretref|ref|arn):",
    re.IGNORECASE,
)
_PUBLIC_MATERIAL = re.compile(
    r"^(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-\S+|sk-(?:ssh|ecdsa)-\S+) |"
    r"-----BEGIN (?:[A-Z0-9]+ )*(?:PUBLIC KEY|CERTIFICATE|CERTIFICATE REQUEST|"
    r"NEW CERTIFICATE REQUEST|X509 CRL|PGP PUBLIC KEY BLOCK|PGP SIGNATURE|DH PARAMETERS|"
    r"EC PARAMETERS)-----",
)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_PATH = re.compile(r"^(?:~?/|\.{1,2}/|[A-Za-z]:[\\/]|\\\\)[\w.@~%+\-/\\ ]*$")
_RELATIVE_FILE = re.compile(
    r"^[\w.\-]+(?:/[\w.\-]+)+\.(?:pem|key|crt|cer|der|p12|pfx|jks|json|ya?ml|txt|env|ini|"
    r"conf|cfg|toml|gpg|asc|pub)$",
    re.IGNORECASE,
)
_CALL_OR_INDEX = re.compile(r"^[A-Za-z_][\w.]*\s*[(\[].*[)\]]$", re.DOTALL)
_K8S_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9\-]+)*$")
_PUBLISHABLE = re.compile(r"^(?:pk_(?:live|test)_|AC[0-9a-f]{32}$)")
_AWS_SECRET = re.compile(r"^[A-Za-z0-9/+]{40}$")
_AUTH_VALUE = re.compile(r"^(Bearer|Token|Basic|Bot|ApiKey|Api-Key|Key)\s+(\S+)$", re.IGNORECASE)
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_TOKEN_MIN_LEN = 16
_HEX_TOKEN_MIN_LEN = 20
# A value that spells one of these is a name or a label ("aws_secret_access_key",
# "Access-Control-Allow-Credentials", "no-password-required"), not secret material.
_SECRET_WORDS_IN_VALUE = re.compile(
    r"passw(?:or)?d|secret|token|credential|api[_\-]?key|access[_\-]?key", re.IGNORECASE
)
_WORD_RUN = re.compile(r"[a-z]{5,}")
_PASSWORD_MIN_LEN = 6


def _is_path(v: str) -> bool:
    if _RELATIVE_FILE.match(v):
        return True
    if not _PATH.match(v):
        return False
    # A base64 secret can start with "/": a path has no long random-looking segment.
    return all(len(seg) < 24 or shannon_entropy(seg) < 4.0 for seg in re.split(r"[\\/]", v))


def _is_reference_or_inert(v: str) -> bool:
    """Values that are not secret material whatever the name says."""
    return bool(
        _ENV_NAME.match(v)
        or _DIGEST.match(v)
        or _CRYPT_HASH.match(v)
        or _ENCRYPTED.match(v)
        or _REFERENCE.match(v)
        or _PUBLIC_MATERIAL.search(v)
        or _URL.match(v)
        or _is_path(v)
        or _CALL_OR_INDEX.match(v)
        or _PUBLISHABLE.match(v)
    )


def _alphabet_size(v: str) -> int:
    size = 26 if any(c.islower() for c in v) else 0
    size += 26 if any(c.isupper() for c in v) else 0
    size += 10 if any(c.isdigit() for c in v) else 0
    return size + (2 if any(not c.isalnum() for c in v) else 0)


def _looks_random(v: str) -> bool:
    """Whether a token-like value is random enough to be a machine-generated key.

    * at least 16 characters, no whitespace, not purely numeric;
    * hex (``[0-9a-f]``, with both letters and digits): at least 20 characters (16-hex
      values are far more often short hashes and IDs than keys), Shannon entropy >= 2.6
      below 24 characters, 2.9 below 32, 3.0 from there (detect-secrets' hex limit is
      3.0, but short random hex strings fall below it about a third of the time);
    * anything else must mix at least two of lower case, upper case and digits; without
      any digit it must not contain a run of 5+ lower-case letters (``camelCaseWords``,
      ``serverlessrepo:applicationId``); and it must reach 75 % of the maximum entropy
      its length and alphabet allow,
      ``0.75 * log2(min(len, alphabet))``: 3.0 bits for 16 characters, 3.75 for 32, at
      most ~4.5 for long base64 (detect-secrets' base64 limit). Fewer than 0.1 % of
      random strings of those alphabets fall below it.
    """
    if len(v) < _TOKEN_MIN_LEN or any(c.isspace() for c in v) or v.isdigit():
        return False
    h = shannon_entropy(v)
    if _HEX.match(v):
        if len(v) < _HEX_TOKEN_MIN_LEN or not _hex_letters_and_digits(v):
            return False
        limit = 2.6 if len(v) < 24 else 2.9 if len(v) < 32 else 3.0
        return h >= limit
    lower = any(c.islower() for c in v)
    upper = any(c.isupper() for c in v)
    digit = any(c.isdigit() for c in v)
    if lower + upper + digit < 2 or (not digit and _WORD_RUN.search(v)):
        return False
    return h >= 0.75 * math.log2(min(len(v), max(_alphabet_size(v), 16)))


def _normalise(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


_LOWER_WORD = re.compile(r"^[a-z]+$")
_IDENTIFIER_WORDS = re.compile(r"^[A-Za-z]+(?:[_\-][A-Za-z]+){2,}$")


def _judge_password(name: str, v: str, kind: _NameKind, words: list[str]) -> str | None:
    if len(v) < _PASSWORD_MIN_LEN or any(c.isspace() for c in v):
        return None
    if _is_weak_default(v) or _looks_fake_token(v):
        return None
    # A single lower-case word ("python", "badpass", "doesnotexist") is a test value, a
    # label or a weak default far more often than a leaked production password.
    if _LOWER_WORD.match(v):
        return None
    # "no-password-required", "role-secret-key", "AWSSecretKey": identifiers.
    if (_IDENTIFIER_WORDS.match(v) or v.isalpha()) and _SECRET_WORDS_IN_VALUE.search(v):
        return None
    if kind.head in ("pass", "pwd") and not (
        re.search(r"[^A-Za-z]", v) and re.search(r"[A-Za-z]", v)
    ):
        return None  # "pass"/"pwd" are ambiguous names: ask for letters mixed with more
    # Non-ASCII single words are labels/translations ("Contraseña"), not passwords.
    if not v.isascii() and v.isalpha():
        return None
    if kind.kind == "secret" and words == ["secret"] and _K8S_NAME.match(v) and "-" in v:
        return None  # "secret: orders-db-credentials" names a Kubernetes Secret
    what = "password" if kind.kind == "password" else "secret"
    return f"{what} assigned to {name}"


def _is_slug(v: str) -> bool:
    """ "types-auth0-python", "orders.service-account": two or more words between separators."""
    parts = [p for p in re.split(r"[-_.:/]", v) if p]
    words = sum(1 for p in parts if re.fullmatch(r"[A-Z]?[a-z]{3,}", p))
    # ... and no part that could carry the randomness ("pay_live_<32 random>" is a key).
    return words >= 2 and all(len(p) <= 10 or re.fullmatch(r"[A-Z]?[a-z]+", p) for p in parts)


def _judge_token(name: str, v: str) -> str | None:
    if _UUID.match(v) or _looks_fake_token(v) or _is_weak_default(v):
        return None
    if _SECRET_WORDS_IN_VALUE.search(v) or _is_slug(v):
        return None
    if not _looks_random(v):
        return None
    return f"secret-like value assigned to {name}"


def _judge_authorization(name: str, v: str) -> str | None:
    m = _AUTH_VALUE.match(v)
    if m is None:
        return None
    scheme, credential = m.group(1).lower(), m.group(2)
    if is_placeholder(credential):
        return None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        if not sep or len(password) < _PASSWORD_MIN_LEN:
            return None
        if not _url_password_is_real(user, password, ""):
            return None
        return f"password in Basic credentials assigned to {name}"
    if _judge_token(name, credential) is None:
        return None
    return f"secret-like value assigned to {name}"


def _rejected_provider_token(v: str) -> bool:
    """The value has a provider format but was rejected as an example or a fake."""
    return any(
        not ok and match.end - match.start >= 0.8 * len(v) for match, ok in _provider_candidates(v)
    )


def judge_named_value(name: str, value: str) -> str | None:
    """Judge a value bound to a name; return a detector description or ``None``.

    Provider-format tokens, private keys and URLs with passwords in the value are
    reported whatever the name (the description is then the :func:`scan_text` detector
    name). Otherwise the name must be a secret name (:func:`is_secret_name`) and the
    value must not be a placeholder, template, reference, environment-variable name,
    path, URL without credentials, hash, digest, public key/certificate, encrypted blob
    or a vendor documentation example. Then:

    * password-like names (``password``, ``passwd``, ``pwd``, ``pass``, ``DB_PASSWORD``,
      ``POSTGRES_PASSWORD``, ``secret``, ``secret_key``, ``client_secret``…): any value
      of 6+ characters without whitespace that is not a weak development default
      (``POSTGRES_PASSWORD: postgres`` is quiet, ``"orders-prod-2023!"`` is reported)
      → ``"password assigned to NAME"`` / ``"secret assigned to NAME"``;
    * ``aws_secret_access_key``-like names with a 40-character base64 value →
      ``"AWS secret access key assigned to NAME"``;
    * token-like names (``token``, ``api_key``, ``access_key``, ``private_key``,
      ``signing_key``, ``webhook_secret``, ``credentials``, ``STRIPE_KEY``…): the value
      must look random (16+ characters, entropy above a per-alphabet threshold) and not
      be a bare UUID → ``"secret-like value assigned to NAME"``;
    * ``Authorization`` with ``Bearer``/``Token``/``Basic`` credentials is judged on the
      credential.
    """
    v = _strip_quotes(value)
    if not v:
        return None
    found = scan_text(v)
    if found:
        return found[0].detector
    kind = _classify_name(name)
    if kind is None:
        return None
    if is_placeholder(v) or _is_reference_or_inert(v) or _rejected_provider_token(v):
        return None
    if kind.kind == "authorization":
        return _judge_authorization(name, v)
    if kind.aws_secret and _AWS_SECRET.match(v) and shannon_entropy(v) >= 4.0:
        return f"AWS secret access key assigned to {name}"
    words = _name_words(name)
    if _normalise(v) in {_normalise(name), "".join(words)}:
        return None  # the value repeats the name: DB_PASSWORD = "db_password"
    if kind.kind in ("password", "secret"):
        return _judge_password(name, v, kind, words)
    return _judge_token(name, v)
