"""Tests for archlint.rules.secret_patterns (the detectors behind ARC501 hardcoded-secret).

Every token below is generated from a seeded RNG in the right shape for its provider;
none is a real credential. Vendor documentation examples are spelled out on purpose:
they must stay quiet.
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import itertools
import json
import random
import string
import sys
import time

import pytest

from archlint.rules.secret_patterns import (
    TokenMatch,
    is_placeholder,
    is_secret_name,
    judge_named_value,
    mask,
    scan_text,
    shannon_entropy,
)

_R = random.Random(0xA2C501)
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
DIGITS = string.digits
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
UPPER_B32 = string.ascii_uppercase + "234567"


def rnd(n: int, alphabet: str = ALNUM) -> str:
    """A random string; regenerated if it happens to contain a filler-looking run."""
    while True:
        s = "".join(_R.choice(alphabet) for _ in range(n))
        low = s.lower()
        if "xxxx" in low or any(c * 4 in s for c in set(s)):
            continue
        return s


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def make_jwt(payload: dict[str, object], alg: str = "HS256", sig_len: int = 43) -> str:
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64url(json.dumps(payload).encode())
    return f"{header}.{body}.{rnd(sig_len, B64URL)}"


def make_pem(kind: str = "RSA ", lines: int = 12, *, block: bool = False) -> str:
    suffix = " BLOCK" if block else ""
    body = "\n".join(rnd(64, B64) for _ in range(lines)) + "\n" + rnd(20, B64) + "=="
    return f"-----BEGIN {kind}PRIVATE KEY{suffix}-----\n{body}\n-----END {kind}PRIVATE KEY{suffix}-----"


# --- fake but well-formed tokens --------------------------------------------------------

AWS_ID = "AKIA" + rnd(16, UPPER_B32)
AWS_STS_ID = "ASIA" + rnd(16, UPPER_B32)
AWS_SECRET = rnd(40, B64)
GHP = "ghp_" + rnd(36)
GHO = "gho_" + rnd(36)
GHU = "ghu_" + rnd(36)
GHS = "ghs_" + rnd(36)
GHR = "ghr_" + rnd(36)
GITHUB_PAT = "github_pat_" + rnd(22) + "_" + rnd(59)
GLPAT = "glpat-" + rnd(20, ALNUM + "-_")
GLPAT_ROUTABLE = "glpat-" + rnd(27) + "." + rnd(2, HEX) + rnd(7, string.ascii_lowercase + DIGITS)
GLDT = "gldt-" + rnd(20)
GLRT = "glrt-" + rnd(20)
GLPTT = "glptt-" + rnd(40, HEX)
SLACK_BOT = f"xoxb-{rnd(12, DIGITS)}-{rnd(13, DIGITS)}-{rnd(24)}"
SLACK_USER = f"xoxp-{rnd(11, DIGITS)}-{rnd(10, DIGITS)}-{rnd(11, DIGITS)}-{rnd(32, HEX)}"
SLACK_WORKSPACE = f"xoxa-2-{rnd(9, DIGITS)}-{rnd(11, DIGITS)}-{rnd(13, DIGITS)}-{rnd(18, HEX)}"
SLACK_REFRESH = f"xoxr-{rnd(12, DIGITS)}-{rnd(24)}"
SLACK_LEGACY = f"xoxs-{rnd(12, DIGITS)}-{rnd(9, DIGITS)}-{rnd(10, DIGITS)}-{rnd(10, HEX)}"
SLACK_APP = f"xapp-1-A{rnd(10, string.ascii_uppercase + DIGITS)}-{rnd(13, DIGITS)}-{rnd(64, HEX)}"
SLACK_HOOK_PATH = f"T{rnd(8, string.ascii_uppercase + DIGITS)}/B{rnd(10, string.ascii_uppercase + DIGITS)}/{rnd(24)}"
STRIPE_LIVE = "sk_live_" + rnd(24)
STRIPE_LIVE_LONG = "sk_live_51" + rnd(97)
STRIPE_TEST = "sk_test_" + rnd(24)
STRIPE_RK_LIVE = "rk_live_" + rnd(24)
STRIPE_RK_TEST = "rk_test_" + rnd(24)
STRIPE_WHSEC = "whsec_" + rnd(32)
STRIPE_PK = "pk_live_" + rnd(24)
GOOGLE_KEY = "AIza" + rnd(35, B64URL)
GOOGLE_OAUTH = "GOCSPX-" + rnd(28, B64URL)
SENDGRID = "SG." + rnd(22, B64URL) + "." + rnd(43, B64URL)
TWILIO_SK = "SK" + rnd(32, HEX)
TWILIO_AC = "AC" + rnd(32, HEX)
JWT_HS = make_jwt({"sub": "user-4821", "role": "service", "iat": 1700000000})
JWT_RS = make_jwt({"iss": "orders", "scope": "admin", "exp": 1900000000}, alg="RS256", sig_len=342)
OPENAI = "sk-proj-" + rnd(74, B64URL) + "T3BlbkFJ" + rnd(74, B64URL)
OPENAI_LEGACY = "sk-" + rnd(20) + "T3BlbkFJ" + rnd(20)
ANTHROPIC = "sk-ant-api03-" + rnd(93, B64URL) + "AA"
NPM = "npm_" + rnd(36)
PYPI = "pypi-AgEIcHlwaS5vcmc" + rnd(70, B64URL)
SHOPIFY = "shpat_" + rnd(32, HEX)
DIGITALOCEAN = "dop_v1_" + rnd(64, HEX)
VAULT = "hvs." + rnd(92, B64URL)
HUGGINGFACE = "hf_" + rnd(34, string.ascii_letters)
DATABRICKS = "dapi" + rnd(32, HEX)
MAILCHIMP = rnd(32, HEX) + "-us14"
AZURE_ACCOUNT_KEY = rnd(86, B64) + "=="
AZURE_SAS = rnd(43, B64) + "="
SQUARE = "sq0atp-" + rnd(22, B64URL)
SQUARE_SECRET = "sq0csp-" + rnd(43, B64URL)
AGE = "AGE-SECRET-KEY-1" + rnd(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L")
POSTMAN = "PMAK-" + rnd(24, HEX) + "-" + rnd(34, HEX)
SENTRY = "sntryu_" + rnd(64, HEX)
GRAFANA = "glsa_" + rnd(32) + "_" + rnd(8, HEX)
LINEAR = "lin_api_" + rnd(40)
HEROKU = "HRKU-AA" + rnd(58, B64URL)
TELEGRAM = rnd(1, "123456789") + rnd(9, DIGITS) + ":AA" + rnd(33, B64URL)
PEM_RSA = make_pem("RSA ")
PEM_PKCS8 = make_pem("")
PEM_EC = make_pem("EC ", lines=3)
PEM_DSA = make_pem("DSA ", lines=8)
PEM_OPENSSH = make_pem("OPENSSH ", lines=6)
PEM_ENCRYPTED = make_pem("ENCRYPTED ", lines=16)
PEM_PGP = make_pem("PGP ", lines=20, block=True).replace(
    "BLOCK-----\n", "BLOCK-----\nVersion: GnuPG v2\n\n", 1
)
URL_PASSWORD = "Xk93jd!s" + rnd(6)


# --- scan_text: positives -----------------------------------------------------------------

SCAN_POSITIVES: list[tuple[str, str, str, str]] = [
    # (id, text, detector, secret text that must be reported)
    ("aws-akia-python", f'AWS_ACCESS_KEY_ID = "{AWS_ID}"\n', "AWS access key ID", AWS_ID),
    ("aws-asia-env", f"AWS_ACCESS_KEY_ID={AWS_STS_ID}\n", "AWS access key ID", AWS_STS_ID),
    ("aws-in-ini", f"[default]\naws_access_key_id = {AWS_ID}\n", "AWS access key ID", AWS_ID),
    ("ghp-yaml", f"github:\n  token: {GHP}\n", "GitHub personal access token", GHP),
    ("gho", f"oauth = '{GHO}'", "GitHub OAuth access token", GHO),
    ("ghu", f"x={GHU};", "GitHub user-to-server token", GHU),
    ("ghs", f"GH_TOKEN: {GHS}", "GitHub server-to-server token", GHS),
    ("ghr", f'{{"refresh": "{GHR}"}}', "GitHub refresh token", GHR),
    ("github-pat", f"token={GITHUB_PAT}", "GitHub fine-grained personal access token", GITHUB_PAT),
    (
        "compose-env-list",
        f"    environment:\n      - GITHUB_TOKEN={GHP}\n",
        "GitHub personal access token",
        GHP,
    ),
    ("glpat", f'GITLAB_TOKEN="{GLPAT}"', "GitLab personal access token", GLPAT),
    (
        "glpat-routable",
        f"token: {GLPAT_ROUTABLE}\n",
        "GitLab personal access token",
        GLPAT_ROUTABLE,
    ),
    ("gldt", f"deploy_token: {GLDT}", "GitLab deploy token", GLDT),
    ("glrt", f"runner: {GLRT}", "GitLab runner token", GLRT),
    ("glptt", f"trigger={GLPTT}", "GitLab pipeline trigger token", GLPTT),
    ("slack-bot", f"SLACK_BOT_TOKEN={SLACK_BOT}\n", "Slack bot token", SLACK_BOT),
    ("slack-user", f"slack_token = '{SLACK_USER}'", "Slack user token", SLACK_USER),
    ("slack-xoxa", f"'{SLACK_WORKSPACE}'", "Slack workspace access token", SLACK_WORKSPACE),
    ("slack-xoxr", f"refresh: {SLACK_REFRESH}", "Slack workspace refresh token", SLACK_REFRESH),
    ("slack-xoxs", f"legacy = {SLACK_LEGACY}", "Slack legacy token", SLACK_LEGACY),
    ("slack-app", f"SLACK_APP_TOKEN={SLACK_APP}", "Slack app-level token", SLACK_APP),
    (
        "slack-webhook",
        f'WEBHOOK = "https://hooks.slack.com/services/{SLACK_HOOK_PATH}"',
        "Slack webhook URL",
        SLACK_HOOK_PATH,
    ),
    ("stripe-live", f'stripe.api_key = "{STRIPE_LIVE}"', "Stripe live secret key", STRIPE_LIVE),
    (
        "stripe-live-long",
        f"STRIPE_KEY={STRIPE_LIVE_LONG}",
        "Stripe live secret key",
        STRIPE_LIVE_LONG,
    ),
    ("stripe-test-is-secret", f"key: {STRIPE_TEST}", "Stripe test secret key", STRIPE_TEST),
    ("stripe-rk-live", f"'{STRIPE_RK_LIVE}'", "Stripe live restricted key", STRIPE_RK_LIVE),
    ("stripe-rk-test", f"'{STRIPE_RK_TEST}'", "Stripe test restricted key", STRIPE_RK_TEST),
    (
        "stripe-whsec",
        f"endpoint_secret = '{STRIPE_WHSEC}'",
        "Stripe webhook signing secret",
        STRIPE_WHSEC,
    ),
    (
        "stripe-in-sql",
        f"INSERT INTO gateways (name, api_key) VALUES ('stripe', '{STRIPE_LIVE}');",
        "Stripe live secret key",
        STRIPE_LIVE,
    ),
    ("google-api-key", f"MAPS_KEY: {GOOGLE_KEY}", "Google API key", GOOGLE_KEY),
    (
        "google-oauth-secret",
        f'"client_secret": "{GOOGLE_OAUTH}"',
        "Google OAuth client secret",
        GOOGLE_OAUTH,
    ),
    ("sendgrid", f"SENDGRID_API_KEY={SENDGRID}\n", "SendGrid API key", SENDGRID),
    ("twilio-sk", f"TWILIO_API_KEY = '{TWILIO_SK}'", "Twilio API key", TWILIO_SK),
    ("jwt-header", f"Authorization: Bearer {JWT_HS}\n", "JSON Web Token", JWT_HS),
    ("jwt-json-rs256", f'{{"id_token": "{JWT_RS}"}}', "JSON Web Token", JWT_RS),
    ("jwt-end-of-sentence", f"Use the token {JWT_HS}.", "JSON Web Token", JWT_HS),
    ("pem-rsa", f"{PEM_RSA}\n", "RSA private key block", PEM_RSA),
    ("pem-pkcs8", f"key = '''\n{PEM_PKCS8}\n'''", "private key block", PEM_PKCS8),
    ("pem-ec", PEM_EC, "EC private key block", PEM_EC),
    ("pem-dsa", PEM_DSA, "DSA private key block", PEM_DSA),
    ("pem-openssh", f"# id_ed25519\n{PEM_OPENSSH}\n", "OPENSSH private key block", PEM_OPENSSH),
    ("pem-encrypted", PEM_ENCRYPTED, "ENCRYPTED private key block", PEM_ENCRYPTED),
    ("pem-pgp", PEM_PGP, "PGP private key block", PEM_PGP),
    (
        "url-postgres",
        "DATABASE_URL=postgresql://app:Xk93jd!s@db:5432/orders\n",
        "password in connection URL",
        "Xk93jd!s",
    ),
    (
        "url-redis-no-user",
        f"REDIS_URL: redis://:{URL_PASSWORD}@cache:6379/0",
        "password in connection URL",
        URL_PASSWORD,
    ),
    (
        "url-amqp",
        f"broker_url = 'amqp://orders:{URL_PASSWORD}@rabbit//'",
        "password in connection URL",
        URL_PASSWORD,
    ),
    (
        "url-sqlalchemy-driver",
        f'engine = create_engine("mysql+pymysql://svc:{URL_PASSWORD}@mysql/shop")',
        "password in connection URL",
        URL_PASSWORD,
    ),
    (
        "url-mongodb-srv",
        f"mongodb+srv://reporting:{URL_PASSWORD}@cluster0.ab1cd.mongodb.net/db",
        "password in connection URL",
        URL_PASSWORD,
    ),
    (
        "url-password-with-at",
        "postgres://app:p@ss!W0rd-77@db/x",
        "password in connection URL",
        "p@ss!W0rd-77",
    ),
    (
        "url-jdbc",
        f"jdbc:postgresql://billing:{URL_PASSWORD}@pg:5432/billing",
        "password in connection URL",
        URL_PASSWORD,
    ),
    (
        "url-https-basic",
        f"pip install --index-url https://deploy:{URL_PASSWORD}@pypi.corp.internal/simple",
        "password in connection URL",
        URL_PASSWORD,
    ),
    (
        "url-token-password",
        f"git clone https://x-access-token:{GHP}@github.com/o/r.git",
        "GitHub personal access token",
        GHP,
    ),
    (
        "url-query-password",
        f"jdbc:mysql://db:3306/shop?user=app&password={URL_PASSWORD}&useSSL=true",
        "password in connection URL",
        URL_PASSWORD,
    ),
    (
        "ado-connection-string",
        '"Default": "Server=tcp:orders.database.windows.net,1433;Initial Catalog=orders;'
        f'User ID=app;Password={URL_PASSWORD};Encrypt=True;"',
        "password in connection string",
        URL_PASSWORD,
    ),
    (
        "odbc-connection-string",
        f"Driver={{ODBC Driver 18}};Server=db;UID=app;PWD={URL_PASSWORD};",
        "password in connection string",
        URL_PASSWORD,
    ),
    (
        "libpq-keywords",
        f'psycopg2.connect("dbname=orders user=app password={URL_PASSWORD} host=db")',
        "password in connection string",
        URL_PASSWORD,
    ),
    ("openai", f"OPENAI_API_KEY={OPENAI}", "OpenAI API key", OPENAI),
    ("openai-legacy", f"openai.api_key = '{OPENAI_LEGACY}'", "OpenAI API key", OPENAI_LEGACY),
    ("anthropic", f"ANTHROPIC_API_KEY={ANTHROPIC}", "Anthropic API key", ANTHROPIC),
    ("npm", f"//registry.npmjs.org/:_authToken={NPM}", "npm access token", NPM),
    ("pypi", f"password = {PYPI}", "PyPI API token", PYPI),
    ("shopify", f"SHOPIFY_TOKEN={SHOPIFY}", "Shopify access token", SHOPIFY),
    ("digitalocean", f"do_token: {DIGITALOCEAN}", "DigitalOcean token", DIGITALOCEAN),
    ("vault", f"VAULT_TOKEN={VAULT}", "HashiCorp Vault token", VAULT),
    ("huggingface", f"HF_TOKEN={HUGGINGFACE}", "Hugging Face token", HUGGINGFACE),
    ("databricks", f"DATABRICKS_TOKEN={DATABRICKS}", "Databricks token", DATABRICKS),
    ("mailchimp", f"MAILCHIMP_KEY={MAILCHIMP}", "Mailchimp API key", MAILCHIMP),
    (
        "azure-storage",
        "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=ordersdata;"
        f"AccountKey={AZURE_ACCOUNT_KEY};EndpointSuffix=core.windows.net",
        "Azure storage account key",
        AZURE_ACCOUNT_KEY,
    ),
    (
        "azure-servicebus",
        "Endpoint=sb://orders.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
        f"SharedAccessKey={AZURE_SAS}",
        "Azure shared access key",
        AZURE_SAS,
    ),
    ("square", f"SQUARE_ACCESS_TOKEN={SQUARE}", "Square access token", SQUARE),
    ("square-secret", f"SQUARE_SECRET={SQUARE_SECRET}", "Square OAuth secret", SQUARE_SECRET),
    ("age", f"# created: 2024\n{AGE}\n", "age secret key", AGE),
    ("postman", f"POSTMAN_API_KEY={POSTMAN}", "Postman API key", POSTMAN),
    ("sentry", f"SENTRY_AUTH_TOKEN={SENTRY}", "Sentry auth token", SENTRY),
    ("grafana", f"GRAFANA_TOKEN={GRAFANA}", "Grafana token", GRAFANA),
    ("linear", f"LINEAR_API_KEY={LINEAR}", "Linear API key", LINEAR),
    ("heroku", f"HEROKU_API_KEY={HEROKU}", "Heroku API key", HEROKU),
    ("telegram", f"BOT_TOKEN = '{TELEGRAM}'", "Telegram bot token", TELEGRAM),
]


@pytest.mark.parametrize(
    ("text", "detector", "secret"),
    [pytest.param(t, d, s, id=i) for i, t, d, s in SCAN_POSITIVES],
)
def test_scan_text_detects(text: str, detector: str, secret: str) -> None:
    matches = scan_text(text)
    assert [(m.detector, text[m.start : m.end]) for m in matches] == [(detector, secret)]


def test_pem_block_inside_string_literal_with_escaped_newlines() -> None:
    body = "\\n".join(rnd(64, B64) for _ in range(20))
    block = f"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----"
    text = f'{{"type": "service_account", "private_key": "{block}\\n", "client_email": "a@b.c"}}'
    [match] = scan_text(text)
    assert match.detector == "private key block"
    assert text[match.start : match.end] == block


def test_pem_block_without_end_reports_header_and_material() -> None:
    body = "\n".join(rnd(64, B64) for _ in range(5))
    text = f'KEY = """-----BEGIN RSA PRIVATE KEY-----\n{body}\n"""\nprint(KEY)\n'
    [match] = scan_text(text)
    assert match.detector == "RSA private key block"
    assert text[match.start : match.end] == f"-----BEGIN RSA PRIVATE KEY-----\n{body}"


def test_pem_block_reported_once_even_if_body_contains_token_shapes() -> None:
    pem = PEM_RSA.replace("\n", f"\n{AWS_ID}", 1)
    assert [(m.detector, m.start, m.end) for m in scan_text(pem)] == [
        ("RSA private key block", 0, len(pem))
    ]


def test_scan_text_several_matches_sorted_and_non_overlapping() -> None:
    text = (
        f"STRIPE={STRIPE_LIVE}\n"
        f"DB=postgresql://app:{URL_PASSWORD}@db/x\n"
        f"{PEM_EC}\n"
        f"GH={GHP} AWS={AWS_ID}\n"
    )
    matches = scan_text(text)
    assert [text[m.start : m.end] for m in matches] == [
        STRIPE_LIVE,
        URL_PASSWORD,
        PEM_EC,
        GHP,
        AWS_ID,
    ]
    assert all(a.end <= b.start for a, b in itertools.pairwise(matches))
    assert matches == sorted(matches, key=lambda m: m.start)


def test_url_password_that_is_a_provider_token_is_reported_once_with_provider_name() -> None:
    text = f"https://ci:{GLPAT}@gitlab.example.org/group/repo.git and https://bot:{NPM}@x.io"
    assert [m.detector for m in scan_text(text)] == [
        "GitLab personal access token",
        "npm access token",
    ]


# --- scan_text: negatives -----------------------------------------------------------------

JWT_IO_SAMPLE = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0"
    "IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PUBLIC_KEY = (
    "-----BEGIN PUBLIC KEY-----\n"
    + "\n".join(rnd(64, B64) for _ in range(6))
    + "\n-----END PUBLIC KEY-----"
)
CERTIFICATE = (
    "-----BEGIN CERTIFICATE-----\n"
    + "\n".join(rnd(64, B64) for _ in range(12))
    + "\n-----END CERTIFICATE-----"
)

SCAN_NEGATIVES: list[tuple[str, str]] = [
    ("stripe-publishable-live", f'STRIPE_PUBLISHABLE_KEY = "{STRIPE_PK}"'),
    ("stripe-publishable-test", f"pk_test_{rnd(24)}"),
    ("stripe-doc-key", 'stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"'),
    ("stripe-doc-key-2", "sk_test_BQokikJOvBiI2HlWgH4olfQ2"),
    ("stripe-xxx", "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"),
    ("stripe-look-alike-word", f"task_test_{rnd(30)}"),
    ("aws-doc-key", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE"),
    ("aws-doc-secret", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("aws-example-inside", "AKIAI44QH8DHBEXAMPLE"),
    ("aws-xxx", "AKIAXXXXXXXXXXXXXXXX"),
    ("aws-too-long", "TODAYINASIAASACKOFRICEFELLOVER"),
    ("aws-lowercase", "akia" + rnd(16, UPPER_B32).lower()),
    ("twilio-account-sid", f"TWILIO_ACCOUNT_SID={TWILIO_AC}"),
    ("github-xxx", "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("github-too-short", "ghp_" + rnd(20)),
    ("github-placeholder-word", "ghp_YourPersonalAccessTokenGoesHere1234"),
    ("gitlab-xxx", "glpat-XXXXXXXXXXX-XXXXXXXX"),
    ("slack-xxx", "xoxb-xxxxxxxxx-xxxxxxxxxx-xxxxxxxxxxxx"),
    ("slack-short", "xoxb-12345-abcd234"),
    ("slack-words", "xoxb-Slack_BOT_TOKEN"),
    (
        "slack-webhook-placeholder",
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    ("google-key-too-short", "AIza" + rnd(20)),
    (
        "sendgrid-placeholder",
        "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ),
    ("jwt-io-sample", f"Authorization: Bearer {JWT_IO_SAMPLE}"),
    ("jwt-not-json-header", f"eyJub3QganNvbg{rnd(20)}.ey{rnd(30)}.{rnd(43)}"),
    ("jwt-anon-key", f"SUPABASE_ANON_KEY={make_jwt({'role': 'anon', 'iss': 'supabase'})}"),
    ("jwt-unsigned", b64url(b'{"alg":"none"}') + "." + b64url(b'{"sub":"abc123456789"}') + "."),
    ("pem-public-key", PUBLIC_KEY),
    ("pem-certificate", CERTIFICATE),
    (
        "pem-elided",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----",
    ),
    (
        "pem-placeholder",
        "-----BEGIN PRIVATE KEY-----\n<your private key here>\n-----END PRIVATE KEY-----",
    ),
    ("pem-header-only", "Look for '-----BEGIN RSA PRIVATE KEY-----' in the file."),
    ("pem-xxx", "-----BEGIN EC PRIVATE KEY-----\n" + "X" * 64 + "\n-----END EC PRIVATE KEY-----"),
    ("ssh-public-key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rnd(43, B64) + " deploy@ci"),
    ("ssh-rsa-public-key", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + rnd(300, B64) + " me@laptop"),
    ("url-template-driver", "sqlalchemy.url = driver://user:pass@localhost/dbname"),
    ("url-template-password", "postgresql://user:password@localhost/dbname"),
    ("url-template-username", "scheme://username:password@host:port/database"),
    ("url-env-ref", "DATABASE_URL=postgresql://app:${DB_PASSWORD}@db:5432/orders"),
    ("url-env-ref-default", "postgresql://app:${DB_PASSWORD:-Xk93jd}@db/orders"),
    ("url-bare-env", "redis://:$REDIS_PASSWORD@cache:6379"),
    ("url-format-string", 'f"postgresql://{user}:{password}@{host}/{db}"'),
    ("url-percent-format", '"postgresql://%s:%s@%s/%s" % (u, p, h, d)'),
    ("url-pyformat", "postgresql://%(user)s:%(password)s@%(host)s/db"),
    ("url-jinja", "postgresql://app:{{ db_password }}@db/orders"),
    ("url-helm", "postgresql://app:{{ .Values.db.password }}@db/orders"),
    ("url-angle", "postgresql://<user>:<password>@<host>/<db>"),
    ("url-user-equals-password", "amqp://orders:orders@rabbit:5672//"),
    ("url-dev-default-postgres", "postgresql://postgres:postgres@localhost:5432/test"),
    ("url-dev-default-guest", "amqp://guest:guest@localhost//"),
    ("url-dev-default-root", "mysql://root:root@127.0.0.1/app"),
    ("url-dev-default-admin123", "mongodb://admin:admin123@mongo:27017"),
    ("url-dev-default-changeme", "redis://:changeme@redis:6379/0"),
    ("url-dev-default-secret", "postgres://app:secret@db/app"),
    ("url-dev-default-test", "postgres://app:test@db/app"),
    ("url-dev-default-dev", "postgres://app:dev@db/app"),
    ("url-placeholder-xxx", "postgres://app:xxxxxxxx@db/app"),
    ("url-placeholder-stars", "postgres://app:********@db/app"),
    ("url-too-short", "amqp://user:pw@rabbit//"),
    ("url-doc-host", f"postgres://app:{URL_PASSWORD}@db.example.com/app"),
    ("url-no-password", "https://user@github.com/org/repo.git"),
    ("url-ssh-git", "ssh://git@github.com:22/org/repo.git"),
    ("url-port-only", "http://localhost:8080/api/v1?next=/login"),
    ("url-sentry-dsn-public", "https://" + rnd(32, HEX) + "@o12345.ingest.sentry.io/678"),
    ("url-query-env-ref", "jdbc:mysql://db/shop?user=app&password=${DB_PASSWORD}"),
    ("url-query-weak", "jdbc:postgresql://localhost/test?user=postgres&password=postgres"),
    ("ado-docs-placeholder", "Server=db;Database=x;User Id=sa;Password=Your_password123;"),
    ("ado-docs-placeholder-2", "Server=localhost;User Id=sa;Password=yourStrong(!)Password;"),
    ("ado-template", "Server={0};Database={1};User Id={2};Password={3};"),
    ("ado-empty-password", "Server=db;Database=x;User Id=app;Password=;"),
    (
        "ini-password-with-comment",
        "password = Xk93jd!s-2024  ; the real one is in vault\nhost = db",
    ),
    ("password-field-in-prose", "Set password=<your password> and user=<you> in the form."),
    ("suffix-key-not-conn-string", "db_password=Xk93jd!s-2024;host=db;user=app"),
    ("git-sha", "commit " + rnd(40, HEX)),
    ("sha256-digest", "image: registry.io/app@sha256:" + rnd(64, HEX)),
    ("sri", 'integrity="sha512-' + rnd(86, B64) + '=="'),
    ("uuid", "request_id = 'f47ac10b-58cc-4372-a567-0e02b2c3d479'"),
    ("plain-prose", "The password must be at least 12 characters and the token expires in 1h."),
    ("python-code", "def get_token(self) -> str:\n    return os.environ['API_TOKEN']\n"),
    ("empty", ""),
]


@pytest.mark.parametrize("text", [pytest.param(t, id=i) for i, t in SCAN_NEGATIVES])
def test_scan_text_stays_quiet(text: str) -> None:
    assert scan_text(text) == []


# --- judge_named_value: positives ----------------------------------------------------------

DJANGO_KEY = rnd(50, string.ascii_lowercase + DIGITS + "!@#$%^&*(-_=+)")
BASIC = base64.b64encode(b"billing:Xk93jd!s-2024").decode()

NAMED_POSITIVES: list[tuple[str, str, str]] = [
    ("DATABASE_PASSWORD", "orders-prod-2023!", "password assigned to DATABASE_PASSWORD"),
    ("POSTGRES_PASSWORD", "Xk93jd!s", "password assigned to POSTGRES_PASSWORD"),
    ("MYSQL_ROOT_PASSWORD", rnd(16), "password assigned to MYSQL_ROOT_PASSWORD"),
    (
        "spring.datasource.password",
        "Tr0ub4dor&3",
        "password assigned to spring.datasource.password",
    ),
    ("database.password", "hunter42-prod", "password assigned to database.password"),
    ("password", "Summer2024!", "password assigned to password"),
    ("passwd", "zq8-Lm2-Pw9", "password assigned to passwd"),
    ("pwd", "9fj3Kd02", "password assigned to pwd"),
    ("db_pass", "lantern-ORBIT-77", "password assigned to db_pass"),
    ("SMTP_PASS", rnd(14), "password assigned to SMTP_PASS"),
    ("PGPASSWORD", "b1ll1ng-rw-7781", "password assigned to PGPASSWORD"),
    ("dbPassword", "Qm7#pLz2", "password assigned to dbPassword"),
    ("db-password", "Qm7#pLz2", "password assigned to db-password"),
    ("DB_PASSWORD_PROD", "Qm7#pLz2vv", "password assigned to DB_PASSWORD_PROD"),
    ("password2", "Qm7#pLz2vv", "password assigned to password2"),
    (
        "redis.passphrase",
        "orbit lantern".replace(" ", "-") + "-99",
        "password assigned to redis.passphrase",
    ),
    (
        "DATABASE_PASSWORD",
        "f47ac10b-58cc-4372-a567-0e02b2c3d479",
        "password assigned to DATABASE_PASSWORD",
    ),
    ('os.environ["DB_PASSWORD"]', "Qm7#pLz2", 'password assigned to os.environ["DB_PASSWORD"]'),
    ("export ADMIN_PASSWORD", "Qm7#pLz2", "password assigned to export ADMIN_PASSWORD"),
    ("SECRET_KEY", DJANGO_KEY, "secret assigned to SECRET_KEY"),
    ("SECRET_KEY", "django-insecure-" + DJANGO_KEY, "secret assigned to SECRET_KEY"),
    ("client_secret", rnd(32), "secret assigned to client_secret"),
    ("clientSecret", "s3Kd-92jf-X0q", "secret assigned to clientSecret"),
    ("secret_key_base", rnd(128, HEX), "secret assigned to secret_key_base"),
    ("jwt_secret", "a9Fk2-Lq83-xP0", "secret assigned to jwt_secret"),
    ("secret", rnd(24), "secret assigned to secret"),
    ("api_key", rnd(32, HEX), "secret-like value assigned to api_key"),
    ("apiKey", rnd(40), "secret-like value assigned to apiKey"),
    ("APIKEY", rnd(24), "secret-like value assigned to APIKEY"),
    ("X-Api-Key", rnd(32), "secret-like value assigned to X-Api-Key"),
    ("access_token", rnd(40, B64URL), "secret-like value assigned to access_token"),
    ("authToken", rnd(20, HEX), "secret-like value assigned to authToken"),
    ("refresh_token", rnd(64, B64URL), "secret-like value assigned to refresh_token"),
    ("TOKEN", rnd(20), "secret-like value assigned to TOKEN"),
    ("PAYMENTS_API_KEY", "pay_live_" + rnd(32), "secret-like value assigned to PAYMENTS_API_KEY"),
    (
        "private_key",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + rnd(200, B64),
        "secret-like value assigned to private_key",
    ),
    ("signing_key", rnd(44, B64), "secret-like value assigned to signing_key"),
    ("encryption_key", rnd(64, HEX), "secret-like value assigned to encryption_key"),
    ("webhook_secret", rnd(32), "secret-like value assigned to webhook_secret"),
    ("credentials", rnd(48, B64), "secret-like value assigned to credentials"),
    ("auth", rnd(32), "secret-like value assigned to auth"),
    ("twilio.auth_token", rnd(32, HEX), "secret-like value assigned to twilio.auth_token"),
    (
        "aws_secret_access_key",
        AWS_SECRET,
        "AWS secret access key assigned to aws_secret_access_key",
    ),
    (
        "AWS_SECRET_ACCESS_KEY",
        AWS_SECRET,
        "AWS secret access key assigned to AWS_SECRET_ACCESS_KEY",
    ),
    ("secretAccessKey", AWS_SECRET, "AWS secret access key assigned to secretAccessKey"),
    ("Authorization", f"Bearer {rnd(40)}", "secret-like value assigned to Authorization"),
    ("Authorization", f"Basic {BASIC}", "password in Basic credentials assigned to Authorization"),
    # provider formats and URLs are reported whatever the name is
    ("DATABASE_URL", "postgresql://app:Xk93jd!s@db:5432/orders", "password in connection URL"),
    ("config", GHP, "GitHub personal access token"),
    ("token", JWT_HS, "JSON Web Token"),
    ("aws_access_key_id", AWS_ID, "AWS access key ID"),
    ("STRIPE_SECRET_KEY", STRIPE_TEST, "Stripe test secret key"),
    ("private_key", PEM_RSA, "RSA private key block"),
    ("password", f"'{rnd(12)}'", "password assigned to password"),
]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [pytest.param(n, v, e, id=f"{n}={v[:20]}") for n, v, e in NAMED_POSITIVES],
)
def test_judge_named_value_reports(name: str, value: str, expected: str) -> None:
    assert judge_named_value(name, value) == expected


# --- judge_named_value: negatives ----------------------------------------------------------

NAMED_NEGATIVES: list[tuple[str, str]] = [
    # placeholders
    ("password", "changeme"),
    ("password", "change-me"),
    ("api_key", "<your-key>"),
    ("password", "<password>"),
    ("DB_PASSWORD", "${DB_PASSWORD}"),
    ("DB_PASSWORD", "${DB_PASSWORD:-Xk93jd!s}"),
    ("DB_PASSWORD", "$DB_PASSWORD"),
    ("DB_PASSWORD", "$(DB_PASSWORD)"),
    ("password", "{{ .Values.db.password }}"),
    ("password", "{{ db_password }}"),
    ("password", "${{ secrets.DB_PASSWORD }}"),
    ("password", "%(db_password)s"),
    ("password", "{password}"),
    ("password", "%s"),
    ("password", "xxx"),
    ("api_key", "XXXXXXXXXXXXXXXXXXXXXXXX"),
    ("password", "***"),
    ("password", "********"),
    ("password", "..."),
    ("password", "example"),
    ("password", "sample"),
    ("password", "dummy"),
    ("password", "fake"),
    ("password", "test"),
    ("password", "todo"),
    ("password", "TODO"),
    ("password", "replace_me"),
    ("password", "REPLACE_ME"),
    ("api_key", "your-api-key"),
    ("api_key", "your_api_key_here"),
    ("password", "insert-password-here"),
    ("password", "secret"),
    ("password", "password"),
    ("password", "none"),
    ("password", "null"),
    ("password", "nil"),
    ("password", "true"),
    ("password", "false"),
    ("password", "aaaaaaaa"),
    ("password", "00000000"),
    ("password", ""),
    ("password", "   "),
    ("password", "mysecretpassword"),
    ("password", "my-secret-password"),
    ("password", "supersecret"),
    ("password", "p@ssw0rd"),
    ("password", "123456789"),
    ("password", "[REDACTED]"),
    # weak local development defaults
    ("POSTGRES_PASSWORD", "postgres"),
    ("MYSQL_ROOT_PASSWORD", "root"),
    ("RABBITMQ_DEFAULT_PASS", "guest"),
    ("ADMIN_PASSWORD", "admin123"),
    ("password", "devpassword"),
    ("MINIO_ROOT_PASSWORD", "minioadmin"),
    # too short / same as the name / env-var names / references
    ("password", "k9!x"),
    ("api_key", "ab12CD34"),
    ("DB_PASSWORD", "db_password"),
    ("password", "DB_PASSWORD"),
    ("SECRET_KEY", "DJANGO_SECRET_KEY"),
    ("password", "vault:secret/data/orders#password"),
    ("password", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db"),
    ("password", "ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]"),
    ("password", "$ANSIBLE_VAULT;1.1;AES256\n6338..."),
    ("password", "get_secret('db-password')"),
    ("secret", "orders-db-credentials"),
    # hashes, digests, UUIDs, public material
    ("password", "$2b$12$" + rnd(53, ALNUM + "./")),
    ("password", "$argon2id$v=19$m=65536,t=3,p=4$" + rnd(22, B64) + "$" + rnd(43, B64)),
    ("password", "pbkdf2_sha256$600000$" + rnd(22) + "$" + rnd(44, B64)),
    ("password_hash", "5f4dcc3b5aa765d61d8327deb882cf99"),
    ("checksum", rnd(64, HEX)),
    ("sha256", rnd(64, HEX)),
    ("etag", rnd(32, HEX)),
    ("integrity", "sha512-" + rnd(86, B64) + "=="),
    ("digest", "sha256:" + rnd(64, HEX)),
    ("api_key", "sha256:" + rnd(64, HEX)),
    ("commit", rnd(40, HEX)),
    ("api_key", "f47ac10b-58cc-4372-a567-0e02b2c3d479"),
    ("public_key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rnd(43, B64) + " ci@host"),
    ("private_key", PUBLIC_KEY),
    ("tls_key", CERTIFICATE),
    ("publishable_key", STRIPE_PK),
    ("api_key", STRIPE_PK),
    ("STRIPE_PUBLISHABLE_KEY", STRIPE_PK),
    ("pk", rnd(32)),
    ("key_id", rnd(20, UPPER_B32)),
    ("access_key_id", rnd(20, UPPER_B32)),
    # names that are not secret names
    ("token_url", "https://auth.internal/oauth/token"),
    ("secret_name", "orders-db"),
    ("password_field", "password1"),
    ("password_hash", rnd(60)),
    ("SECRET_KEY_ENV", "DJANGO_SECRET_KEY"),
    ("DB_PASSWORD_VAR", "ORDERS_DB_PASSWORD"),
    ("password_reset_url", "/accounts/reset/"),
    ("token_type", "bearer"),
    ("auth_scheme", "Bearer"),
    ("secret_ref", "orders/db#password"),
    ("db_password_file", "/run/secrets/db_password"),
    ("SECRET_PATH", "/etc/orders/secret.key"),
    ("password_min_length", "12"),
    ("max_tokens", "4096"),
    ("token_ttl", "3600"),
    ("tokenizer", rnd(20)),
    ("keyboard", rnd(20)),
    ("monkey", rnd(20)),
    ("author", rnd(20)),
    ("authority", rnd(20)),
    ("secretary", rnd(20)),
    ("passwordless", "enabled-for-all"),
    ("next_page_token", rnd(40)),
    ("csrf_token", rnd(40)),
    ("cache_key", rnd(32, HEX)),
    ("key", rnd(32)),
    ("basic_auth", rnd(32)),
    # values that are not keys even under a token name
    ("api_key", "https://api.payments.internal/v2"),
    ("private_key", "/etc/ssl/private/service.key"),
    ("private_key", "./certs/jwt_private.pem"),
    ("private_key", "certs/jwt_private.pem"),
    ("api_key", "please set this in the environment"),
    ("api_key", "thisisnotarealkeyatall"),
    ("api_key", "my-application-api-key"),
    ("token", "0123456789abcdef0123"),
    ("token", "1234567890123456"),
    ("access_token", "abcdefghijklmnopqrstuvwxyz"),
    ("password", "Please enter your password"),
    ("password", "Contraseña"),
    ("password", "Passwort"),
    ("password", "python"),  # a single lower-case word: test value, label or weak default
    ("pwd", "doesnotexist"),
    ("pass", "bandpass"),
    ("password", "P@55w0rd!"),
    ("NOPASSWORD", "no-password-required"),
    ("SECRET_KEY", "AWSSecretKey"),
    ("SECRET_KEY", "aws_secret_access_key"),
    ("AWS_SECRET_ACCESS_KEY", "role-secret-key"),
    ("ALLOW_CREDENTIALS", "Access-Control-Allow-Credentials"),
    ("WaitForTaskToken", "waitForTaskToken"),
    ("auth0", "types-auth0-python"),
    ("_SAR_APP_KEY", "serverlessrepo:applicationId"),
    ("AWS::ApiGateway::ApiKey", rnd(16, HEX)),  # 16 hex: a short hash or ID, not a key
    # provider-shaped documentation examples under secret names
    ("aws_access_key_id", "AKIAIOSFODNN7EXAMPLE"),
    ("aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("stripe_secret_key", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"),
    ("token", JWT_IO_SAMPLE),
    ("Authorization", "Bearer {token}"),
    ("Authorization", "Bearer ${API_TOKEN}"),
    ("Authorization", "Basic " + base64.b64encode(b"user:password").decode()),
    ("DATABASE_URL", "postgresql://user:password@localhost/dbname"),
    ("DATABASE_URL", "postgresql://orders:${DB_PASSWORD}@db/orders"),
]


@pytest.mark.parametrize(
    ("name", "value"),
    [pytest.param(n, v, id=f"{n}={v[:24]}") for n, v in NAMED_NEGATIVES],
)
def test_judge_named_value_stays_quiet(name: str, value: str) -> None:
    assert judge_named_value(name, value) is None


# --- is_secret_name --------------------------------------------------------------------------

SECRET_NAMES = [
    "password",
    "PASSWORD",
    "passwd",
    "pwd",
    "pass",
    "db_pass",
    "DB_PASSWORD",
    "POSTGRES_PASSWORD",
    "MYSQL_ROOT_PASSWORD",
    "PGPASSWORD",
    "dbPassword",
    "db-password",
    "spring.datasource.password",
    "database.password",
    "secret",
    "secret_key",
    "SECRET_KEY",
    "secret_key_base",
    "client_secret",
    "clientSecret",
    "token",
    "api_key",
    "apiKey",
    "APIKEY",
    "apikey",
    "x-api-key",
    "access_key",
    "access_token",
    "auth_token",
    "refresh_token",
    "private_key",
    "privateKey",
    "signing_key",
    "webhook_secret",
    "credentials",
    "credential",
    "auth",
    "aws_secret_access_key",
    "AWS_SECRET_ACCESS_KEY",
    "Authorization",
    'settings["DB_PASSWORD"]',
    "--db-password",
    "DB_PASSWORD_PROD",
    "encryption_key",
    "hmac_key",
    "passphrase",
]
NOT_SECRET_NAMES = [
    "passwordless",
    "password_min_length",
    "max_tokens",
    "token_ttl",
    "tokenizer",
    "keyboard",
    "monkey",
    "author",
    "authority",
    "secretary",
    "public_key",
    "publishable_key",
    "pk",
    "key_id",
    "access_key_id",
    "token_url",
    "secret_name",
    "password_field",
    "password_hash",
    "SECRET_KEY_ENV",
    "DB_PASSWORD_VAR",
    "password_reset_url",
    "token_type",
    "auth_scheme",
    "secret_ref",
    "db_password_file",
    "private_key_path",
    "key",
    "cache_key",
    "next_page_token",
    "csrf_token",
    "checksum",
    "sha256",
    "etag",
    "fingerprint",
    "nonce",
    "username",
    "user",
    "host",
    "secrets",
    "first_pass",
    "basic_auth",
    "oauth",
    "password.min_length",
    "api_key_header",
    "",
    "AWS::SecretsManager::Secret",
    "AWS::IAM::AccessKey",
]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_is_secret_name(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", NOT_SECRET_NAMES)
def test_is_not_secret_name(name: str) -> None:
    assert not is_secret_name(name)


# --- is_placeholder ------------------------------------------------------------------------------

PLACEHOLDERS = [
    "",
    "  ",
    "changeme",
    "CHANGEME",
    "change-me",
    "change_me",
    "<your-key>",
    "<password>",
    "${VAR}",
    "${VAR:-default}",
    "$VAR",
    "$(VAR)",
    "{{ .Values.x }}",
    "{{ var }}",
    "%(var)s",
    "xxx",
    "XXXX",
    "xxxxxxxxxxxxxxxx",
    "***",
    "...",
    "…",
    "example",
    "sample",
    "dummy",
    "fake",
    "test",
    "todo",
    "replace_me",
    "REPLACE_ME",
    "your-api-key",
    "insert-token-here",
    "api-key-goes-here",
    "secret",
    "password",
    "none",
    "null",
    "nil",
    "true",
    "false",
    "None",
    "aaaaaaa",
    "11111111",
    "'changeme'",
    '"xxx"',
    "{password}",
    "{}",
    "[REDACTED]",
    "@db.password@",
    "sk_live_xxxxxxxxxxxxxxxx",
    "AKIAIOSFODNN7EXAMPLE",
    "my-secret-password",
    "mysecretpassword",
    "supersecret",
    "s3cr3t",
    "abcdef",
    "12345678",
]
NOT_PLACEHOLDERS = [
    "Xk93jd!s",
    "orders-prod-2023!",
    rnd(32),
    rnd(40, HEX),
    GHP,
    "postgres",
    "admin123",
    "Summer2024!",
    "f47ac10b-58cc-4372-a567-0e02b2c3d479",
]


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_is_placeholder(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", NOT_PLACEHOLDERS)
def test_is_not_placeholder(value: str) -> None:
    assert not is_placeholder(value)


# --- mask ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sk_live_abcdef123456", "sk_l****************"),
        ("", ""),
        ("a", "********"),
        ("abc1234", "********"),  # under 8 characters: nothing revealed, length hidden
        ("abcd1234", "ab********"),  # a quarter of 8 is 2
        ("abcdefghijkl", "abc*********"),  # a quarter of 12 is 3
        ("abcdefghijklmnop", "abcd************"),
        ("x" * 200, "xxxx" + "*" * 16),  # long values: 4 characters and 16 stars
    ],
)
def test_mask(value: str, expected: str) -> None:
    assert mask(value) == expected


def test_mask_never_reveals_more_than_a_quarter_or_four_characters() -> None:
    for n in range(0, 80):
        value = rnd(n) if n else ""
        masked = mask(value)
        shown = len(masked) - len(masked.lstrip(ALNUM + string.punctuation.replace("*", "")))
        assert shown <= min(4, n // 4) if n >= 8 else shown == 0
        assert masked.count("*") <= 16
        assert value[:shown] == masked[:shown]


def test_mask_of_pem_block_is_short() -> None:
    masked = mask(PEM_RSA)
    assert masked == "----" + "*" * 16
    assert "\n" not in masked


# --- shannon_entropy ---------------------------------------------------------------------------


def test_shannon_entropy() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("ab") == pytest.approx(1.0)
    assert shannon_entropy("abcd") == pytest.approx(2.0)
    assert shannon_entropy(HEX) == pytest.approx(4.0)
    assert shannon_entropy(rnd(64, ALNUM)) > 4.5


# --- API shape ---------------------------------------------------------------------------------


def test_token_match_is_frozen_and_slotted() -> None:
    match = TokenMatch("AWS access key ID", 1, 21)
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.start = 3  # type: ignore[misc]
    assert not hasattr(match, "__dict__")
    assert match == TokenMatch("AWS access key ID", 1, 21)


def test_module_imports_only_the_standard_library_and_masking() -> None:
    """Detectors are pure: no reader, no third-party parser; masking is shared with reporters."""
    import archlint.rules.secret_patterns as module

    assert module.__file__ is not None
    with open(module.__file__, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    ours = {m for m in imported if m.split(".")[0] == "archlint"}
    assert ours == {"archlint.masking"}
    assert {m.split(".")[0] for m in imported - ours} <= set(sys.stdlib_module_names)


# --- performance: no catastrophic backtracking --------------------------------------------------

PATHOLOGICAL = [
    pytest.param("a" * 200_000 + "://", id="long-scheme"),
    pytest.param("://" + "a" * 200_000 + ":" + "b" * 200_000, id="userinfo-without-at"),
    pytest.param("x://u:" + "@" * 200_000, id="many-at"),
    pytest.param("://a:b" * 100_000, id="many-url-starts"),
    pytest.param("-----BEGIN RSA PRIVATE KEY-----" * 20_000, id="begin-without-end"),
    pytest.param(
        ("-----BEGIN RSA PRIVATE KEY-----\n" + "A" * 60 + "\n") * 5_000, id="begins-bodies"
    ),
    pytest.param("ey" * 200_000, id="jwt-prefix-run"),
    pytest.param(("eyJ" + "a" * 50 + ".") * 20_000, id="jwt-dots"),
    pytest.param("xoxb-" + "1" * 200_000, id="slack-digits"),
    pytest.param("ghp_" * 100_000, id="github-prefixes"),
    pytest.param("sk_live_" + "a" * 300_000, id="stripe-long"),
    pytest.param("0" * 300_000, id="digits"),
    pytest.param("AKIA" * 100_000, id="aws-prefixes"),
    pytest.param("hooks.slack.com/services/" * 20_000, id="slack-hooks"),
]


@pytest.mark.parametrize("text", PATHOLOGICAL)
def test_pathological_inputs_complete_quickly(text: str) -> None:
    started = time.perf_counter()
    scan_text(text)
    # Generous bound: only catastrophic (super-linear) behaviour can get anywhere near it.
    assert time.perf_counter() - started < 10.0


def test_scan_one_megabyte_of_random_text() -> None:
    rng = random.Random(7)
    alphabet = ALNUM + " \n\t:=/@._-+\"'{}[]()$"
    chunks = ["".join(rng.choice(alphabet) for _ in range(1000)) for _ in range(1000)]
    text = "".join(chunks)
    planted = f"\nGITHUB_TOKEN={GHP}\n"
    text = text[:500_000] + planted + text[500_000:]
    started = time.perf_counter()
    matches = scan_text(text)
    assert time.perf_counter() - started < 10.0
    assert any(text[m.start : m.end] == GHP for m in matches)


# --- judge_named_value is consistent with scan_text on the value -------------------------------


@pytest.mark.parametrize(
    "value",
    [AWS_ID, GHP, SLACK_BOT, STRIPE_LIVE, GOOGLE_KEY, SENDGRID, JWT_HS, PEM_EC, NPM],
)
def test_provider_tokens_are_reported_under_any_name(value: str) -> None:
    detector = judge_named_value("some_setting", value)
    assert detector is not None
    assert detector == scan_text(value)[0].detector


def test_uri_templates_with_unknown_schemes_and_word_passwords_are_not_secrets() -> None:
    prose = "URIs of the form 'models://scope:prefix@databricks/model-name/stage-or-version'"
    assert scan_text(prose) == []
    # A real password in an unknown scheme, or a word password in a database URL, still is.
    assert [m.detector for m in scan_text("tracker://ops:Kq7vR2pZ@tracker.internal/x")] == [
        "password in connection URL"
    ]
    assert [m.detector for m in scan_text("postgresql://app:ledgerkeeper@db:5432/ledger")] == [
        "password in connection URL"
    ]
