"""Celery producers are task calls, not any `.signature(...)` / `.s(...)` call."""

from __future__ import annotations

from archlint.extract.python import read_python


def test_inspect_signature_is_not_a_celery_producer():
    source = (
        "import inspect\n"
        "from shop.tasks import send_receipt\n"
        "def checkout(fn):\n"
        "    params = inspect.signature(fn).parameters\n"
        "    send_receipt.delay(42)\n"
        "    send_receipt.s(42)\n"
    )
    _values, problem, facts = read_python(source, "shop/views.py")
    assert problem is None and facts is not None
    assert [(b.broker, b.topic.parts[0].value, b.location.line) for b in facts.brokers] == [
        ("celery", "task:shop.tasks.send_receipt", 5),
        ("celery", "task:shop.tasks.send_receipt", 6),
    ]
