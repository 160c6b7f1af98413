"""Signatures of webhook deliveries.

Each delivery carries `X-Alliance-Timestamp` (Unix seconds) and `X-Alliance-Signature:
sha256=<hex>`, the HMAC-SHA256, keyed with the endpoint's secret, of the timestamp, a dot and the
raw body. The timestamp is signed with the body so that a captured delivery cannot be replayed
once it is older than the receiver's tolerance. `verify` is the receiver's check, given to
receivers in docs/webhooks.md (the tests run that copy too).
"""

import hashlib
import hmac
import time


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Alliance-Signature header of `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, tolerance_seconds: int = 300) -> bool:
    """True if `signature` is the tracker's for this raw `body` and `timestamp`, and the timestamp
    is within `tolerance_seconds` of now."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - sent_at) > tolerance_seconds:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    # Compared in constant time, so that the answer's timing tells nothing about the right signature.
    return hmac.compare_digest(f"sha256={expected}".encode(), signature.encode())
