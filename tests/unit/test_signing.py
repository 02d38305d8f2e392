"""Slack request signing: the published vector, slack_sdk's negative cases, the derived vectors,
and the `tests.signing.signed_headers` helper used by the scenario tests.

Vectors come from tests/data/signature_vectors.json (provenance: tests/data/SOURCES.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.signature import Clock, SignatureVerifier

from tests.signing import signed_headers

DATA = Path(__file__).resolve().parent.parent / "data"
VECTORS: dict[str, Any] = json.loads((DATA / "signature_vectors.json").read_text(encoding="utf-8"))
(PUBLISHED,) = VECTORS["published"]
DERIVED: list[dict[str, Any]] = VECTORS["derived"]
DERIVED_VALID = [v for v in DERIVED if "must_not_equal" not in v]
NEGATIVE_IDS = {case["id"] for case in VECTORS["negative_cases_from_slack_sdk_tests"]}

SECRET = PUBLISHED["signing_secret"]
TIMESTAMP = PUBLISHED["timestamp"]
BODY = PUBLISHED["body"]
SIGNATURE = PUBLISHED["expected_signature"]
WINDOW = VECTORS["algorithm"]["timestamp_window_seconds"]


class FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def verifier(secret: str = SECRET, now: float | None = None) -> SignatureVerifier:
    """A verifier whose clock reads ``now`` (default: the published vector's moment)."""
    return SignatureVerifier(secret, clock=FixedClock(float(PUBLISHED["valid_when_now_is"] if now is None else now)))


def headers(timestamp: str = TIMESTAMP, signature: str = SIGNATURE) -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


# -- the data files agree with each other and with the spelled-out numbers ---------------------------


def test_published_vector_is_the_documented_one() -> None:
    assert SECRET == "8f742231b10e8888abcd99yyyzzz85a5"
    assert TIMESTAMP == "1531420618"
    assert SIGNATURE == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    assert WINDOW == 300
    assert {"tampered-body", "expired", "missing-timestamp-or-signature", "empty-secret"} == NEGATIVE_IDS


def test_published_body_is_the_stored_slash_command_payload() -> None:
    raw = (DATA / "payloads" / "slash_command.form.txt").read_bytes()
    assert raw == BODY.encode("utf-8")
    assert len(raw) == 362
    assert not raw.endswith(b"\n")
    assert PUBLISHED["basestring"] == f"v0:{TIMESTAMP}:{BODY}"


def test_published_vector_with_plain_hmac() -> None:
    digest = hmac.new(SECRET.encode(), PUBLISHED["basestring"].encode(), hashlib.sha256).hexdigest()
    assert f"v0={digest}" == SIGNATURE


# -- slack_sdk SignatureVerifier with an injected clock ------------------------------------------------


@pytest.mark.parametrize("body", [BODY, BODY.encode("utf-8")], ids=["str", "bytes"])
def test_published_vector_verifies(body: str | bytes) -> None:
    v = verifier()
    assert v.generate_signature(timestamp=TIMESTAMP, body=body) == SIGNATURE
    assert v.is_valid(body=body, timestamp=TIMESTAMP, signature=SIGNATURE)
    assert v.is_valid_request(body, headers())


def test_headers_are_case_insensitive() -> None:
    lower = {k.lower(): v for k, v in headers().items()}
    assert verifier().is_valid_request(BODY, lower)


@pytest.mark.parametrize("offset", [-WINDOW, -1, 0, 1, WINDOW])
def test_inside_five_minute_window(offset: int) -> None:
    assert verifier(now=int(TIMESTAMP) + offset).is_valid_request(BODY, headers())


@pytest.mark.parametrize("offset", [-WINDOW - 1, WINDOW + 1, 3600])
def test_outside_five_minute_window(offset: int) -> None:
    assert not verifier(now=int(TIMESTAMP) + offset).is_valid_request(BODY, headers())


# -- negative cases (slack_sdk's own tests) --------------------------------------------------------------


def test_tampered_body_is_rejected() -> None:
    assert "tampered-body" in NEGATIVE_IDS
    assert not verifier().is_valid_request(BODY + "------", headers())


@pytest.mark.parametrize(
    "body",
    [BODY.replace("text=", "text=x"), BODY + "\n", BODY.replace("&", "&amp;", 1)],
    ids=["field", "newline", "re-escaped"],
)
def test_any_body_change_is_rejected(body: str) -> None:
    assert not verifier().is_valid_request(body, headers())


def test_expired_with_real_clock() -> None:
    assert "expired" in NEGATIVE_IDS
    assert time.time() > int(TIMESTAMP) + WINDOW
    real = SignatureVerifier(SECRET)  # default clock = real time
    assert real.generate_signature(timestamp=TIMESTAMP, body=BODY) == SIGNATURE
    assert not real.is_valid_request(BODY, headers())
    assert not real.is_valid(body=BODY, timestamp=TIMESTAMP, signature=SIGNATURE)


@pytest.mark.parametrize(
    "hdrs",
    [
        {},
        {"X-Slack-Request-Timestamp": TIMESTAMP},
        {"X-Slack-Signature": SIGNATURE},
    ],
    ids=["none", "no-signature", "no-timestamp"],
)
def test_missing_headers_are_rejected(hdrs: dict[str, str]) -> None:
    assert "missing-timestamp-or-signature" in NEGATIVE_IDS
    assert not verifier().is_valid_request(BODY, hdrs)


def test_missing_values_are_rejected() -> None:
    v = verifier()
    assert not v.is_valid(body=BODY, timestamp=None, signature=SIGNATURE)  # type: ignore[arg-type]
    assert not v.is_valid(body=BODY, timestamp=TIMESTAMP, signature=None)  # type: ignore[arg-type]
    assert not v.is_valid_request(BODY, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "signature",
    [
        SIGNATURE.replace("v0=", "v1="),
        SIGNATURE[:-1] + "0",
        SIGNATURE.upper(),
        SIGNATURE.removeprefix("v0="),
        "",
    ],
    ids=["version", "last-digit", "uppercase", "no-prefix", "empty"],
)
def test_wrong_signature_is_rejected(signature: str) -> None:
    assert not verifier().is_valid_request(BODY, headers(signature=signature))


def test_signature_for_another_timestamp_is_rejected() -> None:
    other = str(int(TIMESTAMP) + 1)
    assert not verifier().is_valid_request(BODY, headers(timestamp=other))


@pytest.mark.parametrize("secret", ["", " ", "\t\n"], ids=["empty", "space", "whitespace"])
def test_empty_secret_raises(secret: str) -> None:
    assert "empty-secret" in NEGATIVE_IDS
    with pytest.raises(ValueError):
        SignatureVerifier(secret)


# -- derived vectors (computed by the research helper, not published by Slack) --------------------------


@pytest.mark.parametrize("vector", DERIVED_VALID, ids=[v["id"] for v in DERIVED_VALID])
def test_derived_vectors_verify(vector: dict[str, Any]) -> None:
    v = verifier(vector["signing_secret"], now=int(vector["timestamp"]))
    body = vector["body"]
    assert v.generate_signature(timestamp=vector["timestamp"], body=body) == vector["expected_signature"]
    assert v.is_valid_request(body, headers(vector["timestamp"], vector["expected_signature"]))
    assert not v.is_valid_request(body + " ", headers(vector["timestamp"], vector["expected_signature"]))


def test_derived_json_vector_body_is_the_minified_payload() -> None:
    (vector,) = [v for v in DERIVED if v["id"] == "derived-events-api-json"]
    payload = json.loads((DATA / "payloads" / "event_member_joined_channel.json").read_text(encoding="utf-8"))
    assert vector["body"] == json.dumps(payload, separators=(",", ":"))


def test_derived_form_vector_body_is_the_encoded_payload() -> None:
    from urllib.parse import quote

    (vector,) = [v for v in DERIVED if v["id"] == "derived-interactivity-form"]
    payload = json.loads((DATA / "payloads" / "block_actions_bolt.json").read_text(encoding="utf-8"))
    assert vector["body"] == "payload=" + quote(json.dumps(payload, separators=(",", ":")), safe="")


def test_derived_wrong_secret_vector() -> None:
    (vector,) = [v for v in DERIVED if "must_not_equal" in v]
    wrong = verifier(vector["signing_secret"])
    generated = wrong.generate_signature(timestamp=vector["timestamp"], body=vector["body"])
    assert generated == vector["expected_signature"]
    assert vector["expected_signature"] != vector["must_not_equal"] == SIGNATURE
    # a request signed with the real secret fails under the wrong one, and vice versa
    assert not wrong.is_valid_request(BODY, headers())
    assert not verifier().is_valid_request(BODY, headers(signature=vector["expected_signature"]))


# -- tests.signing.signed_headers -------------------------------------------------------------------------


@pytest.mark.parametrize("body", [BODY, BODY.encode("utf-8")], ids=["str", "bytes"])
def test_signed_headers_reproduce_published_vector(body: str | bytes) -> None:
    hdrs = signed_headers(SECRET, body, timestamp=int(TIMESTAMP), content_type=PUBLISHED["content_type"])
    assert hdrs == {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": TIMESTAMP,
        "X-Slack-Signature": SIGNATURE,
    }
    assert verifier().is_valid_request(body, hdrs)


@pytest.mark.parametrize("vector", DERIVED_VALID, ids=[v["id"] for v in DERIVED_VALID])
def test_signed_headers_reproduce_derived_vectors(vector: dict[str, Any]) -> None:
    hdrs = signed_headers(
        vector["signing_secret"],
        vector["body"],
        timestamp=int(vector["timestamp"]),
        content_type=vector["content_type"],
    )
    assert hdrs["X-Slack-Signature"] == vector["expected_signature"]
    assert hdrs["Content-Type"] == vector["content_type"]


def test_signed_headers_default_to_now_and_pass_the_real_clock() -> None:
    before = int(time.time())
    hdrs = signed_headers("another-secret", b'{"type":"url_verification"}', content_type="application/json")
    after = int(time.time())
    assert before <= int(hdrs["X-Slack-Request-Timestamp"]) <= after
    assert SignatureVerifier("another-secret").is_valid_request(b'{"type":"url_verification"}', hdrs)
    assert not SignatureVerifier(SECRET).is_valid_request(b'{"type":"url_verification"}', hdrs)


def test_signed_headers_with_old_timestamp_are_expired() -> None:
    stale = int(time.time()) - WINDOW - 60
    hdrs = signed_headers(SECRET, BODY, timestamp=stale, content_type="application/x-www-form-urlencoded")
    assert not SignatureVerifier(SECRET).is_valid_request(BODY, hdrs)
    assert verifier(now=stale).is_valid_request(BODY, hdrs)


def test_signed_headers_empty_secret_raises() -> None:
    with pytest.raises(ValueError):
        signed_headers("", BODY, timestamp=int(TIMESTAMP), content_type="application/x-www-form-urlencoded")
