"""The service layer, one module per resource: quotes, bookings, drop-offs, returns and events, plans, assignments.

`Service` wires them over one region and one store; routes call its resource services only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from api.config import Settings
from api.services.assignments import Assignments
from api.services.bookings import Bookings
from api.services.centers import CenterReservations
from api.services.context import ServiceContext
from api.services.day_routes import DayRoutes
from api.services.dropoffs import DropOffs
from api.services.events import Events
from api.services.fleet import FleetChanges
from api.services.idempotency import Idempotency
from api.services.merchant_rules import MerchantRules
from api.services.plans import JobRunner, PlanJobs
from api.services.quotes import Quotes
from api.services.returns import Returns
from api.services.shoppers import Shoppers
from api.services.webhooks import Webhooks
from api.store import Store

__all__ = ["Service"]


class Service(ServiceContext):
    """One region's returns service: the shared context and a service per resource."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        run_job: JobRunner | None = None,
        job_problem: Callable[[], str | None] | None = None,
    ) -> None:
        """Wire the resource services; `run_job` starts plan jobs, `job_problem` says why they cannot run."""
        super().__init__(settings, store)
        self._job_problem = job_problem
        self.centers = CenterReservations(self)
        self.rules = MerchantRules(self)
        self.shoppers = Shoppers(self)
        self.quotes = Quotes(self, store.secret("quote_signing"), self.centers, self.rules, self.shoppers)
        self.idempotency = Idempotency(store, settings.idempotency_retention_h)
        self.webhooks = Webhooks(self)
        self.returns = Returns(self, self.webhooks)
        self.events = Events(self, self.returns, self.quotes)
        self.bookings = Bookings(self, self.quotes, self.centers, self.idempotency, self.returns)
        self.dropoffs = DropOffs(self, self.quotes, self.centers, self.idempotency, self.returns)
        self.plan_jobs = PlanJobs(self, run_job)
        self.day_routes = DayRoutes(self, self.centers)
        self.assignments = Assignments(self)
        self.fleet = FleetChanges(self)

    def ready(self) -> str | None:
        """None when the database answers and plan jobs can run; else what is wrong (for `/readyz`)."""
        problem = self.store.unavailable()
        if problem is not None:
            return f"database unavailable: {problem}"
        jobs = self._job_problem() if self._job_problem else None
        return f"plan jobs cannot run: {jobs}" if jobs else None

    def housekeeping(self, now: datetime) -> None:
        """Purge what the retention windows no longer keep: finished plan jobs, idempotency keys."""
        self.plan_jobs.purge(now)
        self.idempotency.purge(now)
