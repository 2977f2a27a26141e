"""The service layer, one module per resource: quotes and slots, bookings, plan jobs, assignments.

`Service` wires them over one region and one store; routes call its resource services only.
"""

from __future__ import annotations

from api.config import Settings
from api.services.assignments import Assignments
from api.services.bookings import Bookings
from api.services.context import ServiceContext
from api.services.fleet import FleetChanges
from api.services.plans import JobRunner, PlanJobs
from api.services.quotes import Quotes
from api.store import Store

__all__ = ["Service"]


class Service(ServiceContext):
    """One region's returns service: the shared context and a service per resource."""

    def __init__(self, settings: Settings, store: Store, run_job: JobRunner | None = None) -> None:
        super().__init__(settings, store)
        self.quotes = Quotes(self, store.secret("quote_signing"))
        self.bookings = Bookings(self, self.quotes)
        self.plan_jobs = PlanJobs(self, run_job)
        self.assignments = Assignments(self)
        self.fleet = FleetChanges(self)

    def ready(self) -> str | None:
        """None when the database answers; else the kind of error (for `/readyz`)."""
        return self.store.unavailable()
