"""The signature check: the receiver's code given in docs/webhooks.md, run as written, and
webhooks.signing.verify, accept the tracker's signature and nothing else."""

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from webhooks import signing

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
SECRET = "whsec_0123456789abcdef"
BODY = b'{"data":{},"event":"ping","id":"0b8a5f4e-3c2d-4e1f-8a9b-7c6d5e4f3a2b"}'

Verify = Callable[..., bool]


def documented_verify() -> Verify:
    """The `verify` of the fenced Python block of docs/webhooks.md that defines it, executed."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)
    [code] = [block for block in blocks if "def verify(" in block]
    namespace: dict[str, object] = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102 - the documentation's own code
    verify = namespace["verify"]
    assert callable(verify)
    return verify


@pytest.fixture(params=["docs/webhooks.md", "webhooks.signing"])
def verify(request: pytest.FixtureRequest) -> Verify:
    return documented_verify() if request.param == "docs/webhooks.md" else signing.verify


def _now() -> str:
    return str(int(time.time()))


def test_the_trackers_signature_is_accepted(verify: Verify) -> None:
    timestamp = _now()
    assert verify(SECRET, timestamp, BODY, signing.sign(SECRET, timestamp, BODY))


def test_the_signature_is_the_documented_hmac_of_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1767225600." + BODY, hashlib.sha256).hexdigest()
    assert signing.sign(SECRET, "1767225600", BODY) == f"sha256={expected}"


def test_a_tampered_body_is_rejected(verify: Verify) -> None:
    timestamp = _now()
    signature = signing.sign(SECRET, timestamp, BODY)
    assert not verify(SECRET, timestamp, BODY.replace(b"ping", b"pong"), signature)
    assert not verify(SECRET, timestamp, BODY + b" ", signature)


def test_another_secret_is_rejected(verify: Verify) -> None:
    timestamp = _now()
    assert not verify(SECRET, timestamp, BODY, signing.sign("whsec_someone-else", timestamp, BODY))
    assert not verify("whsec_someone-else", timestamp, BODY, signing.sign(SECRET, timestamp, BODY))


def test_a_stale_or_future_timestamp_is_rejected_even_when_signed(verify: Verify) -> None:
    old = str(int(time.time()) - 301)
    assert not verify(SECRET, old, BODY, signing.sign(SECRET, old, BODY))
    future = str(int(time.time()) + 301)
    assert not verify(SECRET, future, BODY, signing.sign(SECRET, future, BODY))
    # ...unless the receiver chooses a longer tolerance.
    assert verify(SECRET, old, BODY, signing.sign(SECRET, old, BODY), tolerance_seconds=600)


def test_a_replayed_signature_with_a_new_timestamp_is_rejected(verify: Verify) -> None:
    old = str(int(time.time()) - 3600)
    assert not verify(SECRET, _now(), BODY, signing.sign(SECRET, old, BODY))


@pytest.mark.parametrize("signature", ["", "sha256=", "md5=abc", "sha256=zz", "sha256=é"])
def test_malformed_signatures_are_rejected_without_an_error(verify: Verify, signature: str) -> None:
    assert not verify(SECRET, _now(), BODY, signature)


@pytest.mark.parametrize("timestamp", ["", "yesterday", "1.5e9"])
def test_malformed_timestamps_are_rejected_without_an_error(verify: Verify, timestamp: str) -> None:
    assert not verify(SECRET, timestamp, BODY, signing.sign(SECRET, timestamp, BODY))
