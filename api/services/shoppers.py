"""Shopper history for abuse screening: delivered orders the platform reports, returns the service registered.

Screening a quote reads only the shopper's own neighbourhood of the history: the accounts seen at
its addresses in the last 180 days (at most `MAX_LINKED`) and their orders and returns, so its cost
grows with the shopper's history, not with the platform's. The one platform-wide figure, each
category's share of quality claims, is a grouped count kept for ten minutes per worker.
Inspection grades come from the return's `inspected` events. A flag never refuses a return: it
sets the action and withholds keep-it.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from api.schemas import OrdersReport, OrdersStored, ScreeningPublic, ShopperIn, SignalPublic
from api.services.context import ServiceContext, utc
from api.tables import ReturnEventRow, ShopperOrderRow, ShopperReturnRow
from optimizer.domain import QUALITY_REASONS
from optimizer.rules import RuleSet
from optimizer.screening import History, PastReturn, Purchase, RiskAssessment, assess
from optimizer.screening.history import claims_norm

LOOKBACK = timedelta(days=180)
MAX_LINKED = 50
"""Accounts read around one shopper; a ring larger than this is flagged on what is read."""
MAX_ROWS = 5_000
NORM_TTL_S = 600.0
QUALITY_CODES = ("quality", *QUALITY_REASONS)


class Shoppers:
    """Take delivered orders, screen shoppers, and record the returns screened shoppers registered."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self._norms: dict[str, tuple[float, dict[str, float]]] = {}

    def quality_norm(self, session: Session, tenant: str) -> dict[str, float]:
        """The tenant's share of quality claims per category over every shopper's recorded returns.

        One grouped count, kept for `NORM_TTL_S` per worker (a norm moves slowly).
        """
        cached = self._norms.get(tenant)
        if cached is not None and time.monotonic() - cached[0] < NORM_TTL_S:
            return cached[1]
        claimed = ShopperReturnRow.reason.in_(QUALITY_CODES)
        rows = session.execute(
            select(ShopperReturnRow.category, func.count(), func.sum(case((claimed, 1), else_=0)))
            .where(ShopperReturnRow.tenant == tenant)
            .group_by(ShopperReturnRow.category)
        ).all()
        norm = claims_norm({str(category): (int(quality or 0), int(n)) for category, n, quality in rows})
        self._norms[tenant] = (time.monotonic(), norm)
        return norm

    def report_orders(self, tenant: str, report: OrdersReport) -> OrdersStored:
        """Store the order lines not reported before (a line is known by its order id and position)."""
        lines = [
            {
                "tenant": tenant,
                "order_id": order.order_id,
                "line": k,
                "account_id": order.account_id,
                "address_id": order.address_id,
                "category": item.category,
                "value_cents": item.value_cents,
                "delivered_at": order.delivered_at,
            }
            for order in report.orders
            for k, item in enumerate(order.items)
        ]
        store = self.context.store
        with store.write() as session:
            stored = sum(store.insert(session, ShopperOrderRow, line) for line in lines)
        return OrdersStored(stored=stored, already_known=len(lines) - stored)

    def history(self, session: Session, tenant: str, shopper: ShopperIn, now: datetime) -> History:
        """The orders and returns of the shopper and of the accounts seen at its addresses, in the last 180 days."""
        since = now - LOOKBACK
        places = {shopper.address_id}
        for table in (ShopperOrderRow, ShopperReturnRow):
            places |= set(
                session.scalars(
                    select(table.address_id)
                    .where(table.tenant == tenant, table.account_id == shopper.account_id)
                    .distinct()
                    .limit(MAX_LINKED)
                ).all()
            )
        linked = {shopper.account_id}
        for table in (ShopperOrderRow, ShopperReturnRow):
            linked |= set(
                session.scalars(
                    select(table.account_id)
                    .where(table.tenant == tenant, table.address_id.in_(places))
                    .distinct()
                    .limit(MAX_LINKED)
                ).all()
            )
        orders = session.scalars(
            select(ShopperOrderRow)
            .where(
                ShopperOrderRow.tenant == tenant,
                ShopperOrderRow.account_id.in_(linked),
                ShopperOrderRow.delivered_at >= since,
            )
            .limit(MAX_ROWS)
        ).all()
        returns = session.scalars(
            select(ShopperReturnRow)
            .where(
                ShopperReturnRow.tenant == tenant,
                ShopperReturnRow.account_id.in_(linked),
                ShopperReturnRow.requested_at >= since,
            )
            .limit(MAX_ROWS)
        ).all()
        grades = {
            event.return_id: event
            for event in session.scalars(
                select(ReturnEventRow).where(
                    ReturnEventRow.return_id.in_({r.return_id for r in returns}), ReturnEventRow.type == "inspected"
                )
            )
        }
        return History(
            quality_norm=self.quality_norm(session, tenant),
            purchases=[
                Purchase(o.account_id, o.address_id, o.category, o.value_cents, utc(o.delivered_at)) for o in orders
            ],
            returns=[
                PastReturn(
                    r.account_id,
                    r.address_id,
                    r.category,
                    r.value_cents,
                    r.reason,
                    utc(r.delivered_at),
                    utc(r.requested_at),
                    grades[r.return_id].detail.get("grade") if r.return_id in grades else None,
                    utc(grades[r.return_id].at) if r.return_id in grades else None,
                )
                for r in returns
            ],
        )

    def screen(self, tenant: str, shopper: ShopperIn, rules: RuleSet, now: datetime) -> RiskAssessment:
        """The shopper's risk on the history before `now`, with the merchant's thresholds."""
        with self.context.store.read() as session:
            history = self.history(session, tenant, shopper, now)
        return assess(history, shopper.account_id, shopper.address_id, now, rules.screening)

    @staticmethod
    def public(risk: RiskAssessment) -> ScreeningPublic:
        """A risk assessment as the quote shows it."""
        return ScreeningPublic(
            score=risk.score,
            action=risk.action,
            signals=[
                SignalPublic(name=s.name, observed=s.observed, strength=round(s.strength, 4), text=s.text)
                for s in risk.signals
            ],
        )

    @staticmethod
    def record(session: Session, tenant: str, return_id: str, screened: dict[str, Any] | None, now: datetime) -> None:
        """Store the items of a return registered from a quote that named its shopper (what the quote signed)."""
        if not screened:
            return
        for k, (category, value) in enumerate(screened["items"]):
            session.add(
                ShopperReturnRow(
                    return_id=return_id,
                    line=k,
                    tenant=tenant,
                    account_id=screened["account_id"],
                    address_id=screened["address_id"],
                    category=category,
                    value_cents=value,
                    reason=screened["reason"],
                    delivered_at=datetime.fromisoformat(screened["delivered_at"]),
                    requested_at=now,
                    screening_action=screened["action"],
                )
            )
