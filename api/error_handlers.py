"""How each service error becomes an HTTP answer (never a stack trace)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.errors import ConflictError, NotFoundError
from optimizer.errors import BackhaulError, ValidationError

log = logging.getLogger("backhaul.api")


def _field_loc(field: str) -> list[str | int]:
    loc: list[str | int] = ["body"]
    for part in field.replace("[", ".[").split("."):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            loc.append(int(part[1:-1]))
        elif part:
            loc.append(part)
    return loc


def install(app: FastAPI) -> None:
    """Register the handlers: domain validation -> 422 naming the field, ConflictError -> 409, NotFoundError -> 404."""

    @app.exception_handler(ValidationError)
    async def _invalid(_request: Request, error: ValidationError) -> JSONResponse:
        detail = [{"loc": _field_loc(error.field), "msg": error.reason, "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(BackhaulError)
    async def _rejected(_request: Request, error: BackhaulError) -> JSONResponse:
        return JSONResponse({"detail": [{"loc": ["body"], "msg": str(error), "type": "value_error"}]}, status_code=422)

    @app.exception_handler(ConflictError)
    async def _conflict(_request: Request, error: ConflictError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=409)

    @app.exception_handler(NotFoundError)
    async def _missing(_request: Request, error: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=404)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
        return JSONResponse({"detail": "internal error"}, status_code=500)
