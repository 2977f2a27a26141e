"""Webhooks: every step of a return, POSTed to its tenant's endpoint, signed, at least once.

A notification is a row of `webhook_outbox` written in the transaction that changes the return, so
it exists exactly when the change does. Any worker delivers: it leases the due rows (PostgreSQL:
`FOR UPDATE SKIP LOCKED`, so two workers never take the same row), POSTs each outside any
transaction, and records the answer. A 2xx ends it; anything else is retried with exponential
backoff until `webhook_max_attempts`, then the row is kept as failed. A worker that dies mid-send
leaves its lease to expire, and the row is sent again: receivers deduplicate by the event's `id`.

Each delivery carries `Backhaul-Signature: t=<unix seconds>,v1=<hex>`, the HMAC-SHA256 of
`"<t>.<body>"` under the tenant's secret (as the major payment APIs sign theirs), and
`Backhaul-Event-Id`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.services.context import ServiceContext
from api.tables import WebhookOutboxRow

log = logging.getLogger("backhaul.webhooks")
LEASE = timedelta(seconds=60)
"""How long a worker holds the rows it is sending; after that another worker may send them again."""
FIRST_RETRY_S = 2
MAX_RETRY = timedelta(hours=1)
BATCH = 50


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Backhaul-Signature` header of `body` sent at `timestamp` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed delivery: 2 s, 4 s, 8 s, ..., at most an hour."""
    return min(timedelta(seconds=FIRST_RETRY_S * 2 ** (attempts - 1)), MAX_RETRY)


@dataclass(frozen=True)
class Delivered:
    """What one round of delivery did."""

    sent: int
    failed: int
    given_up: int


class Webhooks:
    """Queue notifications with the changes that cause them; deliver what is due."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.endpoints = context.settings.webhook_endpoints

    def enqueue(self, session: Session, tenant: str, kind: str, data: dict[str, Any], now: datetime) -> None:
        """Queue `kind` with `data` for the tenant, in the caller's transaction (nothing without an endpoint)."""
        if tenant not in self.endpoints:
            return
        event_id = "evt_" + uuid.uuid4().hex
        payload = {"id": event_id, "type": kind, "created_at": now.isoformat(), "data": data}
        session.add(
            WebhookOutboxRow(
                event_id=event_id,
                tenant=tenant,
                payload=payload,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                last_error="",
            )
        )

    def _lease(self, now: datetime) -> list[WebhookOutboxRow]:
        with self.context.store.write() as session:
            due = session.execute(
                select(WebhookOutboxRow)
                .where(
                    WebhookOutboxRow.delivered_at.is_(None),
                    WebhookOutboxRow.failed_at.is_(None),
                    WebhookOutboxRow.next_attempt_at <= now,
                )
                .order_by(WebhookOutboxRow.seq)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            ).scalars()
            rows = list(due)
            for row in rows:
                row.next_attempt_at = now + LEASE
        return rows

    def deliver_due(self, now: datetime, client: httpx.Client | None = None) -> Delivered:
        """Send every notification due at `now` (one batch), and record each answer."""
        rows = self._lease(now)
        if not rows:
            return Delivered(0, 0, 0)
        timeout = self.context.settings.webhook_timeout_s
        own = client is None
        http = client or httpx.Client(timeout=timeout, follow_redirects=False)
        results: list[tuple[int, str | None]] = []
        try:
            for row in rows:
                results.append((row.seq, self._send(http, row, now)))
        finally:
            if own:
                http.close()
        return self._record(results, now)

    def _send(self, http: httpx.Client, row: WebhookOutboxRow, now: datetime) -> str | None:
        """POST one notification; None when the endpoint took it (2xx), else why not."""
        endpoint = self.endpoints.get(row.tenant)
        if endpoint is None:
            return "no endpoint for this tenant any more"
        body = json.dumps(row.payload, separators=(",", ":"), sort_keys=True).encode()
        headers = {
            "content-type": "application/json",
            "Backhaul-Event-Id": row.event_id,
            "Backhaul-Signature": signature(endpoint.secret, int(now.timestamp()), body),
        }
        try:
            with http.stream("POST", endpoint.url, content=body, headers=headers) as answer:  # its body is never read
                return None if answer.is_success else f"HTTP {answer.status_code}"
        except httpx.HTTPError as error:
            return f"{type(error).__name__}"

    def _record(self, results: list[tuple[int, str | None]], now: datetime) -> Delivered:
        sent = failed = given_up = 0
        limit = self.context.settings.webhook_max_attempts
        with self.context.store.write() as session:
            for seq, error in results:
                row = session.get(WebhookOutboxRow, seq, with_for_update=True)
                if row is None or row.delivered_at is not None:
                    continue
                row.attempts += 1
                if error is None:
                    row.delivered_at, row.last_error = now, ""
                    sent += 1
                    continue
                row.last_error = error[:200]
                if row.attempts >= limit:
                    row.failed_at = now
                    given_up += 1
                    log.warning(
                        "webhook %s to %s given up after %d attempts: %s", row.event_id, row.tenant, limit, error
                    )
                else:
                    row.next_attempt_at = now + backoff(row.attempts)
                    failed += 1
        return Delivered(sent, failed, given_up)
