"""How every error becomes an RFC 9457 problem (never a stack trace), and how the OpenAPI declares them."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError, TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from api.errors import ServiceError
from api.schemas import FieldProblem, Problem
from optimizer.errors import BackhaulError, ValidationError

log = logging.getLogger("backhaul.api")
MEDIA_TYPE = "application/problem+json"
DATABASE_RETRY_AFTER_S = 5
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}
COMMON_ERRORS = (400, 401, 405, 413, 422, 429, 500, 503)
"""Statuses any authenticated operation can answer; each router adds its own (403, 404, 409)."""


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str | None = None,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The problem+json response for an error."""
    body = Problem(
        type=f"urn:backhaul:problem:{code}",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        code=code,
        instance=instance,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers, media_type=MEDIA_TYPE
    )


def _field_loc(field: str) -> list[str | int]:
    loc: list[str | int] = ["body"]
    for part in field.replace("[", ".[").split("."):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            loc.append(int(part[1:-1]))
        elif part:
            loc.append(part)
    return loc


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (Starlette names only the first matching route's)."""
    scope = {**request.scope, "type": "http"}
    allowed = [
        method
        for method in ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in request.app.router.routes)
    ]
    return ", ".join(allowed)


def install(app: FastAPI) -> None:
    """Register the handlers: every error answers problem+json with a stable `code`."""

    @app.exception_handler(ServiceError)
    async def _refused(request: Request, error: ServiceError) -> JSONResponse:
        headers = {"Retry-After": str(error.retry_after_s)} if error.retry_after_s is not None else None
        return problem(error.status, error.code, error.detail, instance=request.url.path, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _malformed(request: Request, error: RequestValidationError) -> JSONResponse:
        fields = [
            FieldProblem(loc=list(e.get("loc", ())), msg=str(e.get("msg", "")), type=str(e.get("type", "")))
            for e in error.errors()
        ]
        detail = "; ".join(f"{'.'.join(map(str, f.loc))}: {f.msg}" for f in fields[:5])
        return problem(422, "validation_error", detail, instance=request.url.path, errors=fields)

    @app.exception_handler(ValidationError)
    async def _invalid(request: Request, error: ValidationError) -> JSONResponse:
        field = FieldProblem(loc=_field_loc(error.field), msg=error.reason, type="value_error")
        return problem(422, "validation_error", str(error), instance=request.url.path, errors=[field])

    @app.exception_handler(BackhaulError)
    async def _rejected(request: Request, error: BackhaulError) -> JSONResponse:
        return problem(422, "validation_error", str(error), instance=request.url.path)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> JSONResponse:
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        code = _HTTP_CODES.get(error.status_code, "bad_request" if error.status_code < 500 else "internal_error")
        return problem(error.status_code, code, str(error.detail), instance=request.url.path, headers=headers)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeoutError)
    async def _database_down(request: Request, error: Exception) -> JSONResponse:
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(error).__name__)
        return problem(
            503,
            "service_unavailable",
            "the database does not answer; retry shortly",
            instance=request.url.path,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
        return problem(500, "internal_error", "internal error", instance=request.url.path)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` a router declares for `statuses`, each a problem+json (see `document`)."""
    return {status: {"description": HTTPStatus(status).phrase, "model": Problem} for status in statuses}


LINKS = {
    ("create_pickup", "201"): {
        f"{verb}Pickup": {"operationId": operation, "parameters": {"pickup_id": "$response.body#/id"}}
        for verb, operation in (("Get", "get_pickup"), ("Cancel", "cancel_pickup"), ("Reschedule", "reschedule_pickup"))
    },
    ("create_dropoff", "201"): {
        "GetDropOff": {"operationId": "get_dropoff", "parameters": {"return_id": "$response.body#/return_id"}}
    },
    ("create_plan", "202"): {"GetPlan": {"operationId": "get_plan", "parameters": {"plan_id": "$response.body#/id"}}},
}
"""OpenAPI links: where the id a creating operation returns is used next (clients and stateful tests follow them)."""


def document(app: FastAPI) -> None:
    """The OpenAPI: every error response is problem+json; `X-API-Key` is the security scheme; links.

    Operations outside `open_paths` require the key; their error responses say `application/problem+json`.
    """
    open_paths = {"/healthz", "/readyz"}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        components = schema.setdefault("components", {})
        components.setdefault("securitySchemes", {})["ApiKey"] = {"type": "apiKey", "in": "header", "name": "X-API-Key"}
        components.get("schemas", {}).pop("HTTPValidationError", None)
        components.get("schemas", {}).pop("ValidationError", None)
        problem_ref = {"$ref": "#/components/schemas/Problem"}
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                if path not in open_paths:
                    operation["security"] = [{"ApiKey": []}]
                for status, response in operation.get("responses", {}).items():
                    if int(status) >= 400:
                        response["content"] = {MEDIA_TYPE: {"schema": problem_ref}}
                    if (operation.get("operationId"), status) in LINKS:
                        response["links"] = LINKS[operation["operationId"], status]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
