"""The returns the nightly re-assignment may still move to another center or day, locked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.journey import Status
from api.services.context import utc
from api.tables import BookingRow, DropOffRow, ReturnRow

MOVABLE = (Status.PICKUP_BOOKED, Status.DROP_OFF_REGISTERED, Status.DROPPED_OFF)
"""Returns that may still be sent to another center or day (if not yet dispatched)."""


@dataclass(frozen=True)
class Movable:
    """A return that holds a center-day: its row, collection day, origin, place and weight."""

    row: BookingRow | DropOffRow
    collected: date
    origin: str
    center_id: str
    day: date
    weight_g: int


def movable_returns(session: Session, region: str, zone: ZoneInfo) -> list[Movable]:
    """The region's booked pickups and drop-offs not yet at a center that hold a center-day, locked.

    The returns are locked first (every writer of a return locks it before its booking), then
    their bookings and drop-offs: a return received or cancelled meanwhile is seen, never moved.
    """
    movable = (ReturnRow.region == region, ReturnRow.status.in_(MOVABLE))
    session.execute(select(ReturnRow.return_id).where(*movable).order_by(ReturnRow.return_id).with_for_update())
    bookings = session.execute(
        select(BookingRow)
        .join(ReturnRow, ReturnRow.return_id == BookingRow.return_id)
        .where(*movable, BookingRow.status == "booked")
        .order_by(BookingRow.id)
        .with_for_update(of=BookingRow)
    ).scalars()
    dropoffs = session.execute(
        select(DropOffRow)
        .join(ReturnRow, ReturnRow.return_id == DropOffRow.id)
        .where(*movable)
        .order_by(DropOffRow.id)
        .with_for_update(of=DropOffRow)
    ).scalars()
    held = [
        Movable(row, row.day, row.origin_id, row.center_id, row.processing_date, _weight(row.parcels))
        for row in bookings
        if row.origin_id and row.center_id and row.processing_date
    ]
    return held + [
        Movable(
            row,
            utc(row.created_at).astimezone(zone).date(),
            row.point_id,
            row.center_id,
            row.processing_date,
            _weight(row.parcels),
        )
        for row in dropoffs
    ]


def _weight(parcels: list[Any]) -> int:
    return sum(int(p["weight_g"]) * int(p.get("count", 1)) for p in parcels)
