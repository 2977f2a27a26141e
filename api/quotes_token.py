"""Quote ids that carry the quote: the return, the offers and their amounts, the tenant and the expiry, signed.

The payload is compressed JSON, signed with HMAC-SHA256. A quote costs no database write, so
answering one never waits for a booking's lock; a booking from it checks the signature, the tenant
and the expiry, and books only what was offered, at the amount offered. The key is the database's own secret
(made by migration 0003), so every worker and every restart accepts the quotes of the others.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import zlib
from datetime import UTC, datetime
from typing import Any

PREFIX = "qt_"


class InvalidQuoteError(Exception):
    """The id is forged, damaged, or another tenant's."""


class ExpiredQuoteError(Exception):
    """The quote was genuine but its time is up."""

    def __init__(self, expired_at: datetime) -> None:
        super().__init__(f"quote expired at {expired_at.isoformat()}")
        self.expired_at = expired_at


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, tenant: str, quote: dict[str, Any], expires: datetime) -> str:
    """A quote id carrying `quote`, valid for `tenant` until `expires`; unique (a nonce), since a quote is used once."""
    signed = [tenant, quote, int(expires.timestamp()), secrets.token_hex(8)]
    payload = _b64(zlib.compress(json.dumps(signed, separators=(",", ":")).encode()))
    mac = _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest()[:18])
    return f"{PREFIX}{payload}.{mac}"


def open_quote(secret: bytes, tenant: str, quote_id: str, now: datetime) -> dict[str, Any]:
    """What the quote carries.

    Raises
    ------
    InvalidQuoteError
        A forged, damaged or other tenant's id.
    ExpiredQuoteError
        A genuine quote past its expiry.
    """
    if not quote_id.isascii():  # compare_digest takes ASCII strings only; such an id was never signed here
        raise InvalidQuoteError
    body, _, mac = quote_id.removeprefix(PREFIX).rpartition(".")
    expected = _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest()[:18])
    if not quote_id.startswith(PREFIX) or not hmac.compare_digest(mac, expected):
        raise InvalidQuoteError
    owner, quote, expires, _nonce = json.loads(zlib.decompress(_unb64(body)))
    if owner != tenant:
        raise InvalidQuoteError
    if now.timestamp() > expires:
        raise ExpiredQuoteError(datetime.fromtimestamp(expires, UTC))
    return dict(quote)
