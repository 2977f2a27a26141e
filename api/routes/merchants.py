"""`/v1/merchants/{merchant_id}/rules`: a merchant's return rules, saved as versioned TOML rule files."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool

from api.deps import NowDep, ServiceDep, TenantDep
from api.error_handlers import COMMON_ERRORS, errors
from api.schemas import RulesPublic
from optimizer.errors import ValidationError

router = APIRouter(prefix="/v1", tags=["merchants"], responses=errors(*COMMON_ERRORS, 403))
MerchantId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$")]
_TOML_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            media: {"schema": {"type": "string", "minLength": 1, "maxLength": 65536}}
            for media in ("application/toml", "text/plain")
        },
    }
}


@router.put(
    "/merchants/{merchant_id}/rules",
    operation_id="put_merchant_rules",
    response_model=RulesPublic,
    responses=errors(409),
    openapi_extra=_TOML_BODY,
)
async def put_rules(
    merchant_id: MerchantId, request: Request, service: ServiceDep, tenant: TenantDep, now: NowDep
) -> RulesPublic:
    """Save a rule file as the merchant's next version (operators, or the merchant's own key).

    The body is the TOML rule file; a bad one is a `422` naming the key and its line.
    """
    try:
        text = (await request.body()).decode()
    except UnicodeDecodeError:
        raise ValidationError("rules", "a rule file is UTF-8 text") from None
    if not text:
        raise ValidationError("rules", "the body is the rule file (to save the defaults, send a comment line)")
    return RulesPublic(**await run_in_threadpool(service.rules.save, tenant, merchant_id, text, now))


@router.get("/merchants/{merchant_id}/rules", operation_id="get_merchant_rules", response_model=RulesPublic)
def get_rules(merchant_id: MerchantId, service: ServiceDep, tenant: TenantDep) -> RulesPublic:
    """The merchant's newest rule file (version 0 and an empty file when none was saved: the defaults apply)."""
    return RulesPublic(**service.rules.newest(tenant, merchant_id))
