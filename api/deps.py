"""Dependencies shared by the routes: the service, the calling tenant, the clock, the CPU gate.

All are `async`: they only read the app's state, so they run on the event loop, not on a thread each.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from api.cpu_gate import CpuGate
from api.errors import ForbiddenError
from api.services import Service


async def get_service(request: Request) -> Service:
    """The worker's service (made in the lifespan)."""
    service: Service = request.app.state.service
    return service


async def get_tenant(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> str:
    """The tenant the API key belongs to; 401 without a valid key (development mode: the `dev` tenant)."""
    tenant: str | None = request.app.state.settings.tenant_of(x_api_key)
    if tenant is None:
        raise HTTPException(401, "missing or unknown X-API-Key", headers={"WWW-Authenticate": "ApiKey"})
    return tenant


async def get_operator(request: Request, tenant: Annotated[str, Depends(get_tenant)]) -> str:
    """The calling tenant if it is an operator (`BACKHAUL_OPERATOR_TENANTS`); 403 for a client."""
    if tenant not in request.app.state.settings.operators:
        raise ForbiddenError("this operation is for operators only")
    return tenant


async def get_now() -> datetime:
    """The request's time (UTC); a dependency so tests can set the clock."""
    return datetime.now(UTC)


async def get_gate(request: Request) -> CpuGate:
    """The worker's gate for quotes and slot lists (made in the lifespan)."""
    gate: CpuGate = request.app.state.gate
    return gate


ServiceDep = Annotated[Service, Depends(get_service)]
TenantDep = Annotated[str, Depends(get_tenant)]
OperatorDep = Annotated[str, Depends(get_operator)]
NowDep = Annotated[datetime, Depends(get_now)]
GateDep = Annotated[CpuGate, Depends(get_gate)]
