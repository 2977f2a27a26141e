"""Merchant return rules: saved as versioned rule files, read by quotes and bookings (the newest applies).

A saved version never changes, so a parsed rule set is cached per worker by (merchant, version),
and the newest version number for `NEWEST_TTL_S` (a save reaches this worker's next quote at once,
the other workers' within that time; a quote signs the version it applied, so nothing is mixed).
Saving takes the next version inside the write that inserts it; two saves racing for the same
number end in one `409 rules_changed`, never in a lost or overwritten version.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from api.errors import ConflictError, ForbiddenError
from api.services.context import ServiceContext, utc
from api.tables import MerchantRulesRow
from optimizer.rules import RuleSet, rules_from_text

NEWEST_TTL_S = 2.0


class MerchantRules:
    """Save, read and apply merchants' return rules."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self._parsed: dict[tuple[str, int], RuleSet] = {}
        self._newest: dict[str, tuple[float, int]] = {}

    def check_owner(self, tenant: str, merchant_id: str) -> None:
        """Rules are managed by an operator or by the merchant's own key (403 otherwise)."""
        settings = self.context.settings
        if tenant not in settings.operators and settings.merchant_of_tenant.get(tenant) != merchant_id:
            raise ForbiddenError(f"rules of {merchant_id} are managed by an operator or that merchant's key")

    def save(self, tenant: str, merchant_id: str, text: str, now: datetime) -> dict[str, Any]:
        """Check the rule file (422 naming the key and line), then save it as the merchant's next version."""
        self.check_owner(tenant, merchant_id)
        rules_from_text(text)
        try:
            with self.context.store.write() as session:
                newest = session.scalar(
                    select(func.max(MerchantRulesRow.version)).where(MerchantRulesRow.merchant_id == merchant_id)
                )
                row = MerchantRulesRow(
                    merchant_id=merchant_id, version=(newest or 0) + 1, text=text, saved_by=tenant, saved_at=now
                )
                session.add(row)
                session.flush()
            self._newest.pop(merchant_id, None)
        except IntegrityError:
            raise ConflictError(
                f"rules of {merchant_id} were saved by someone else meanwhile: read them and save again",
                code="rules_changed",
            ) from None
        return self.public(row)

    def newest(self, tenant: str, merchant_id: str) -> dict[str, Any]:
        """The newest saved version (version 0 with an empty file: the defaults apply)."""
        self.check_owner(tenant, merchant_id)
        with self.context.store.read() as session:
            row = session.scalars(
                select(MerchantRulesRow)
                .where(MerchantRulesRow.merchant_id == merchant_id)
                .order_by(MerchantRulesRow.version.desc())
                .limit(1)
            ).first()
        if row is None:
            return {"merchant_id": merchant_id, "version": 0, "text": "", "saved_by": None, "saved_at": None}
        return self.public(row)

    @staticmethod
    def public(row: MerchantRulesRow) -> dict[str, Any]:
        """A saved version as the API shows it."""
        return {
            "merchant_id": row.merchant_id,
            "version": row.version,
            "text": row.text,
            "saved_by": row.saved_by,
            "saved_at": utc(row.saved_at),
        }

    def rules_for(self, merchant_id: str, version: int | None = None) -> RuleSet:
        """The merchant's rule set: `version` (as a quote signed it), else the newest; the policy's without any."""
        if version is None:
            version = self._newest_version(merchant_id)
        if not version:
            return self.context.desk.policies.for_merchant(merchant_id).rules()
        key = (merchant_id, version)
        if key not in self._parsed:
            with self.context.store.read() as session:
                row = session.get(MerchantRulesRow, key)
            if row is None:
                raise ConflictError(f"rules version {version} of {merchant_id} does not exist", code="rules_changed")
            self._parsed[key] = rules_from_text(row.text, version)
        return self._parsed[key]

    def _newest_version(self, merchant_id: str) -> int:
        """The merchant's newest saved version (0: none), read at most every `NEWEST_TTL_S` per worker."""
        known = self._newest.get(merchant_id)
        if known is not None and time.monotonic() - known[0] < NEWEST_TTL_S:
            return known[1]
        with self.context.store.read() as session:
            newest = session.scalar(
                select(func.max(MerchantRulesRow.version)).where(MerchantRulesRow.merchant_id == merchant_id)
            )
        self._newest[merchant_id] = (time.monotonic(), newest or 0)
        return newest or 0
