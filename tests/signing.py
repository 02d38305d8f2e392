"""Sign test requests the way Slack does (v0 HMAC-SHA256 over ``v0:<timestamp>:<raw body>``)."""

from __future__ import annotations

import time

from slack_sdk.signature import SignatureVerifier

__all__ = ["signed_headers"]


def signed_headers(
    secret: str,
    body: str | bytes,
    *,
    timestamp: int | None = None,
    content_type: str,
) -> dict[str, str]:
    """Headers of a request from Slack carrying ``body`` byte-for-byte.

    ``timestamp`` defaults to now (Unix seconds). Send ``body`` exactly as given:
    the signature covers the raw bytes, so re-encoding it breaks the check.
    """
    ts = str(int(time.time()) if timestamp is None else int(timestamp))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    if signature is None:  # slack_sdk returns None only for a None timestamp
        raise ValueError("could not sign the request")
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }
