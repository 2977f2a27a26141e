"""Returns: one id for a pickup or a drop-off, its status on the journey, its log of events and its timeline.

The status moves only through `api.journey` (an impossible event is a `409` with the journey's
code), and each move appends its event to `return_events` in the same transaction. The timeline
shows what happened as actual (from the log) and the rest as estimates from the live plan and the
center's queue; nothing that did not happen is ever shown as actual.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from api.errors import ConflictError, NotFoundError
from api.journey import EventType, Status, TransitionRefusedError, after
from api.schemas import EventPublic, ReturnPublic, ReturnsPage, ReturnSummary, TimelineEntry
from api.services.centers import INSPECTION_AT_S, REFUND_AFTER
from api.services.context import ServiceContext, utc
from api.services.quotes import DROP_OFF_COLLECTED_AT_S
from api.services.webhooks import Webhooks
from api.tables import BookingRow, DropOffRow, ReturnEventRow, ReturnRow
from optimizer.errors import ValidationError
from optimizer.live import DayPlan

Stager = Callable[[str, datetime | None], datetime | None]
"""Adds a stage to a timeline (actual if it happened, else the estimate) and says when it is."""
MAX_PAGE = 200
"""The most returns one list page holds."""


@dataclass(frozen=True)
class ListFilters:
    """What `GET /v1/returns` narrows the list to (None: any)."""

    day: date | None = None
    status: str | None = None
    merchant_id: str | None = None


class Returns:
    """Open returns, move them along their journey, and show them."""

    def __init__(self, context: ServiceContext, webhooks: Webhooks) -> None:
        self.context = context
        self.webhooks = webhooks

    def open(self, session: Session, place: BookingRow | DropOffRow, now: datetime) -> ReturnRow:
        """The return of a new booking or drop-off registration, in the transaction that stores it."""
        if isinstance(place, BookingRow):
            assert place.return_id is not None  # every booking made since returns exist has one
            return_id, pickup_id, day = place.return_id, place.id, place.day
        else:
            return_id, pickup_id, day = place.id, None, self.context.today(utc(place.created_at))
        row = ReturnRow(
            return_id=return_id,
            tenant=place.tenant,
            region=self.context.region,
            method="pickup" if pickup_id else "drop_off",
            merchant_id=place.merchant_id,
            pickup_id=pickup_id,
            day=day,
            status=Status.PICKUP_BOOKED if pickup_id else Status.DROP_OFF_REGISTERED,
            failed_attempts=0,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        self._notify(session, row, row.status, None, now)
        return row

    def _notify(
        self,
        session: Session,
        row: ReturnRow,
        stage: str,
        event: ReturnEventRow | None,
        now: datetime,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Queue the `return.<stage>` webhook of this change for the return's tenant, in the same transaction."""
        data: dict[str, Any] = {
            "return_id": row.return_id,
            "method": row.method,
            "status": row.status,
            "merchant_id": row.merchant_id,
            "pickup_id": row.pickup_id,
            "event": _public_event(event).model_dump(mode="json", exclude_none=True) if event else None,
        }
        self.webhooks.enqueue(session, row.tenant, f"return.{stage}", data | (extra or {}), now)

    def check(self, row: ReturnRow, event: EventType) -> Status:
        """The status `event` moves the return to, or a 409 with the journey's code."""
        try:
            return after(
                Status(row.status),
                event,
                failed_attempts=row.failed_attempts,
                max_attempts=self.context.settings.max_pickup_attempts,
            )
        except TransitionRefusedError as refused:
            raise ConflictError(f"return {row.return_id}: {refused}", code=refused.code) from None

    def locked(self, session: Session, return_id: str) -> ReturnRow:
        """The return read again and locked until the transaction ends (404 if this region has none)."""
        row = session.get(ReturnRow, return_id, with_for_update=True, populate_existing=True)
        if row is None or row.region != self.context.region:
            raise NotFoundError(f"no return {return_id}")
        return row

    def advance(
        self,
        session: Session,
        row: ReturnRow,
        event: EventType,
        at: datetime,
        *,
        posted_by: str,
        now: datetime,
        event_id: str | None = None,
        detail: dict[str, Any] | None = None,
        request_hash: str = "",
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Move the (locked) return by `event`, append the event and queue its webhook (with `extra`).

        Refused with a 409 carrying the journey's code when the status does not allow the event.
        """
        row.status, row.updated_at = self.check(row, event), now
        row.failed_attempts += event is EventType.PICKUP_FAILED
        stored = ReturnEventRow(
            return_id=row.return_id,
            event_id=event_id or f"{event.value}-{uuid.uuid4().hex[:16]}",
            type=event.value,
            at=at,
            detail=detail or {},
            posted_by=posted_by,
            request_hash=request_hash,
            created_at=now,
        )
        session.add(stored)
        self._notify(session, row, event.value, stored, now, extra)

    @staticmethod
    def logged(session: Session, return_id: str, event_id: str) -> ReturnEventRow | None:
        """The stored event of that id, if the return has one."""
        query = select(ReturnEventRow).where(ReturnEventRow.return_id == return_id, ReturnEventRow.event_id == event_id)
        return session.execute(query).scalar_one_or_none()

    @staticmethod
    def log(session: Session, return_id: str) -> list[ReturnEventRow]:
        """The return's events in the order they were stored."""
        query = select(ReturnEventRow).where(ReturnEventRow.return_id == return_id).order_by(ReturnEventRow.seq)
        return list(session.execute(query).scalars())

    # -- reading -----------------------------------------------------------------------------------
    def get(self, tenant: str, return_id: str) -> ReturnPublic:
        """The return with its timeline: the owner's, or any for an operator (404 otherwise)."""
        with self.context.store.read() as session:
            row = session.get(ReturnRow, return_id)
            if row is None or row.region != self.context.region or not self._may_read(tenant, row.tenant):
                raise NotFoundError(f"no return {return_id}")
            events = self.log(session, return_id)
            booking = session.get(BookingRow, row.pickup_id) if row.pickup_id else None
            dropoff = None if booking else session.get(DropOffRow, return_id)
        place = booking or dropoff
        return ReturnPublic(
            return_id=row.return_id,
            method=row.method,
            status=row.status,
            merchant_id=row.merchant_id,
            pickup_id=row.pickup_id,
            point_id=dropoff.point_id if dropoff else None,
            center_id=place.center_id if place else None,
            processing_date=place.processing_date if place else None,
            failed_attempts=row.failed_attempts,
            timeline=self.timeline(row, events, booking, dropoff),
            events=[_public_event(e) for e in events],
        )

    def _may_read(self, tenant: str, owner: str) -> bool:
        return tenant == owner or tenant in self.context.settings.operators

    def timeline(
        self,
        row: ReturnRow,
        events: list[ReturnEventRow],
        booking: BookingRow | None,
        dropoff: DropOffRow | None,
        plan: DayPlan | None = None,
    ) -> list[TimelineEntry]:
        """Every stage so far (actual) and to come (estimated, from the live plan and the center's day).

        Estimates never come before the stage ahead of them nor after an actual stage behind them. A
        stage that cannot be estimated (a failed pickup not yet rebooked) ends the timeline there.
        """
        desk = self.context.desk
        happened = {e.type: e for e in events}
        entries = [TimelineEntry(stage="requested", at=utc(row.created_at), estimated=False)]
        first = "pickup_booked" if row.method == "pickup" else "drop_off_registered"
        entries.append(TimelineEntry(stage=first, at=utc(row.created_at), estimated=False))

        def stage(name: str, estimate: datetime | None) -> datetime | None:
            event = happened.get(name)
            if event is not None:
                entry = TimelineEntry(stage=name, at=utc(event.at), estimated=False, **_inspection(event))
            elif estimate is None:
                return None
            else:
                entry = TimelineEntry(stage=name, at=max(estimate, entries[-1].at), estimated=True)
            entries.append(entry)
            return entry.at

        place = booking or dropoff
        if row.status != Status.CANCELLED and place is not None:
            leaves = self._collection(row, happened, booking, plan, stage)
            if leaves is not None:
                stage("dispatched", leaves + timedelta(seconds=desk.slots.consolidation_s))
                stage("received", desk.arrival_at_center(leaves, place.haul_m))
                day = place.processing_date
                inspected = stage("inspected", desk.local_time(day, INSPECTION_AT_S) if day else None)
                if inspected is not None:
                    stage("refunded", inspected + REFUND_AFTER)
        ceiling: datetime | None = None
        for k in range(len(entries) - 1, -1, -1):  # an estimate never lies after an actual stage behind it
            entry = entries[k]
            if not entry.estimated:
                ceiling = entry.at
            elif ceiling is not None and entry.at > ceiling:
                entries[k] = entry.model_copy(update={"at": ceiling})
        return entries

    def _collection(
        self,
        row: ReturnRow,
        happened: dict[str, ReturnEventRow],
        booking: BookingRow | None,
        plan: DayPlan | None,
        stage: Stager,
    ) -> datetime | None:
        """The stages from the door (or the point) to the depot; when the return leaves for its center."""
        desk = self.context.desk
        if booking is not None and "dropped_off" not in happened:
            served = back = None
            if booking.status in {"booked", "picked_up"}:
                plan = plan or self.context.current_plan(booking.day)
                placed = desk.planner.placed(plan, booking.id)
                if placed is not None:
                    served = desk.local_time(booking.day, placed[1])
                    back = desk.local_time(booking.day, desk.planner.back_at_depot(plan, placed[0]))
            picked = stage("picked_up", served)
            if picked is None:
                return None
            return stage("at_depot", back or picked)
        registered = utc(row.created_at)
        evening = desk.local_time(registered.astimezone(desk.zone).date(), DROP_OFF_COLLECTED_AT_S)
        dropped = stage("dropped_off", max(registered, evening))
        if dropped is None:
            return None
        return max(dropped, desk.local_time(dropped.astimezone(desk.zone).date(), DROP_OFF_COLLECTED_AT_S))

    # -- lists -------------------------------------------------------------------------------------
    def page(self, tenant: str, filters: ListFilters, cursor: str | None, limit: int) -> ReturnsPage:
        """The tenant's returns (an operator's: the region's), oldest first, `limit` at a time."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError("limit", f"between 1 and {MAX_PAGE}")
        query = select(ReturnRow).where(ReturnRow.region == self.context.region)
        if tenant not in self.context.settings.operators:
            query = query.where(ReturnRow.tenant == tenant)
        if filters.day is not None:
            query = query.where(ReturnRow.day == filters.day)
        if filters.status is not None:
            query = query.where(ReturnRow.status == filters.status)
        if filters.merchant_id is not None:
            query = query.where(ReturnRow.merchant_id == filters.merchant_id)
        if cursor is not None:
            created, return_id = _open_cursor(cursor)
            query = query.where(
                or_(
                    ReturnRow.created_at > created,
                    and_(ReturnRow.created_at == created, ReturnRow.return_id > return_id),
                )
            )
        query = query.order_by(ReturnRow.created_at, ReturnRow.return_id).limit(limit + 1)
        with self.context.store.read() as session:
            rows = list(session.execute(query).scalars())
        more = len(rows) > limit
        rows = rows[:limit]
        return ReturnsPage(
            items=[
                ReturnSummary(
                    return_id=r.return_id,
                    method=r.method,
                    status=r.status,
                    merchant_id=r.merchant_id,
                    pickup_id=r.pickup_id,
                    date=r.day,
                    created_at=utc(r.created_at),
                    updated_at=utc(r.updated_at),
                )
                for r in rows
            ],
            next_cursor=_cursor(rows[-1]) if more else None,
        )


def _inspection(event: ReturnEventRow) -> dict[str, Any]:
    return {k: event.detail[k] for k in ("grade", "disposition") if k in event.detail}


def _public_event(event: ReturnEventRow) -> EventPublic:
    return EventPublic(event_id=event.event_id, type=event.type, at=utc(event.at), **event.detail)


def _cursor(row: ReturnRow) -> str:
    """An opaque cursor after `row`: its creation time and id (the list's order)."""
    raw = json.dumps([utc(row.created_at).isoformat(), row.return_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _open_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, return_id = json.loads(raw)
        return utc(datetime.fromisoformat(created)), str(return_id)
    except (binascii.Error, ValueError, TypeError):
        raise ValidationError("cursor", "not a cursor this list gave") from None
