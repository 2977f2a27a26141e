"""Idempotency keys for bookings, as the most trusted payment APIs keep them.

The key is claimed before anything else happens (before the quote is even opened), in its own short
transaction. The booking then records its response in the transaction that stores the booking, so
the key and the booking commit together or not at all. A retry with the same key and body gets the
first response (status and body) back; a different body is `422 idempotency_key_reused`; a retry
while the first is still running is `409 idempotency_key_in_use`. A claim whose booking never
committed (the process died) is abandoned after `ABANDONED_AFTER_S` and can be claimed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from api.errors import ConflictError, ServiceError, UnprocessableError, replayed
from api.services.context import utc
from api.store import Store
from api.tables import IdempotencyRow

IN_USE_RETRY_AFTER_S = 2
"""What `Retry-After` a concurrent duplicate is told: a booking takes well under this."""
log = logging.getLogger("backhaul.api")
ABANDONED_AFTER_S = 120
"""An `in_progress` claim this old has no booking behind it: its transaction would have ended long before."""


@dataclass(frozen=True)
class StoredResponse:
    """The first response to a key: an HTTP status and its JSON body, or the error it ended with."""

    status: int
    body: dict[str, Any]


def request_hash(body: dict[str, Any]) -> str:
    """The fingerprint of a request body (canonical JSON), to tell a retry from a different request."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


Recorder = Callable[[Session, StoredResponse], None]
"""Stores the first response inside the transaction that makes it true (a no-op without a key)."""


class Idempotency:
    """Claim, record, release and purge the idempotency keys of the creating requests (bookings, drop-offs).

    Keys are per tenant, shared by every operation: a key reused on another operation is a different
    request (`422 idempotency_key_reused`).
    """

    def __init__(self, store: Store, retention_h: int) -> None:
        self.store = store
        self.retention = timedelta(hours=retention_h)

    def perform(
        self,
        tenant: str,
        key: str | None,
        request: dict[str, Any],
        now: datetime,
        work: Callable[[Recorder], StoredResponse],
    ) -> tuple[StoredResponse, bool]:
        """Run `work` once per key: the first response and False, or the stored one and True on a retry.

        `request` is what identifies the request (operation and body); `work` gets the recorder to call
        in its writing transaction. A refusal `work` reaches is stored as the first response; any other
        failure gives the key back.
        """
        if key is None:
            return work(lambda _session, _response: None), False
        stored = self.claim(tenant, key, request_hash(request), now)
        if stored is not None:
            if stored.status >= 400:
                raise replayed(stored.status, stored.body["code"], stored.body["detail"])
            return stored, True
        try:
            return work(lambda session, response: self.record(session, tenant, key, response)), False
        except ServiceError as refusal:
            self.record_refusal(tenant, key, refusal)
            raise
        except BaseException:
            self.release(tenant, key)
            raise

    def claim(self, tenant: str, key: str, fingerprint: str, now: datetime) -> StoredResponse | None:
        """Claim `key` for this request; the first response if the key was answered already.

        Raises
        ------
        UnprocessableError
            `idempotency_key_reused`: the key came with a different body.
        ConflictError
            `idempotency_key_in_use`: the first request with this key is still running.
        """
        try:
            with self.store.write() as session:
                row = session.get(IdempotencyRow, (tenant, key), with_for_update=True, populate_existing=True)
                if row is not None and self._reclaimable(row, now):
                    session.delete(row)
                    session.flush()
                    row = None
                if row is None:
                    session.add(
                        IdempotencyRow(
                            tenant=tenant, key=key, request_hash=fingerprint, state="in_progress", created_at=now
                        )
                    )
                    return None
                if row.request_hash != fingerprint:
                    raise UnprocessableError(
                        "this Idempotency-Key was used for a different request", code="idempotency_key_reused"
                    )
                if row.state != "done" or row.status_code is None or row.response is None:
                    raise ConflictError(
                        "a request with this Idempotency-Key is still being processed",
                        code="idempotency_key_in_use",
                        retry_after_s=IN_USE_RETRY_AFTER_S,
                    )
                return StoredResponse(row.status_code, row.response)
        except IntegrityError:  # another request inserted the same key a moment ago
            raise ConflictError(
                "a request with this Idempotency-Key is still being processed",
                code="idempotency_key_in_use",
                retry_after_s=IN_USE_RETRY_AFTER_S,
            ) from None

    def _reclaimable(self, row: IdempotencyRow, now: datetime) -> bool:
        age = now - utc(row.created_at)
        return age > self.retention or (row.state == "in_progress" and age.total_seconds() > ABANDONED_AFTER_S)

    def record(self, session: Session, tenant: str, key: str, response: StoredResponse) -> None:
        """Store the first response, inside the transaction that makes it true."""
        session.execute(
            update(IdempotencyRow)
            .where(IdempotencyRow.tenant == tenant, IdempotencyRow.key == key)
            .values(state="done", status_code=response.status, response=response.body)
            .execution_options(synchronize_session=False)
        )

    def record_refusal(self, tenant: str, key: str, error: ServiceError) -> None:
        """Store a refusal the booking reached (a full slot, an expired quote) as the key's first response."""
        body = {"code": error.code, "detail": error.detail}
        with self.store.write() as session:
            self.record(session, tenant, key, StoredResponse(error.status, body))

    def release(self, tenant: str, key: str) -> None:
        """Give the key back: the request failed before the booking could decide anything.

        Best effort: when the database is what failed, the claim stays and is abandoned after
        `ABANDONED_AFTER_S` (a retry meanwhile gets `409 idempotency_key_in_use` with `Retry-After`).
        """
        try:
            with self.store.write() as session:
                session.execute(
                    delete(IdempotencyRow).where(
                        IdempotencyRow.tenant == tenant,
                        IdempotencyRow.key == key,
                        IdempotencyRow.state == "in_progress",
                    )
                )
        except SQLAlchemyError:
            log.warning("idempotency key of tenant %s left claimed: the database failed", tenant)

    def purge(self, now: datetime) -> int:
        """Forget keys older than the retention window; how many went."""
        with self.store.write() as session:
            gone = session.execute(delete(IdempotencyRow).where(IdempotencyRow.created_at < now - self.retention))
        return int(getattr(gone, "rowcount", 0) or 0)
