"""Structured logs: one JSON object per line, each with the request id of the request it belongs to.

A request's id is its `X-Request-ID` header when it sends a usable one (1-100 of `A-Za-z0-9._:-`),
else a new one; the answer echoes it, and every line logged while the request is handled carries
it (`contextvars`: route threads inherit it). `RequestContext` also writes one access line per
request (method, route, status, milliseconds) instead of uvicorn's plain-text access log.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
HEADER = b"x-request-id"
_USABLE = re.compile(rb"^[A-Za-z0-9._:\-]{1,100}$")
access = logging.getLogger("backhaul.access")


class RequestIdFilter(logging.Filter):
    """Put the current request's id on every record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record; only label it."""
        record.request_id = REQUEST_ID.get()
        return True


def log_config(level: str = "info") -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn and the service: JSON lines on stderr, request ids on each."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",  # ISO 8601, UTC
                "reserved_attrs": [*RESERVED_ATTRS, "color_message"],  # uvicorn's ANSI copy of the message
            }
        },
        "handlers": {"default": handler},
        "loggers": {
            name: {"handlers": ["default"], "level": level.upper(), "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "backhaul")
        },
    }


class RequestContext:
    """Give each HTTP request its id (echoed in `X-Request-ID`) and log one access line when it ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request under its id."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers", [])).get(HEADER)
        request_id = sent.decode() if sent is not None and _USABLE.match(sent) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started, status = time.perf_counter(), {"code": 500}

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (HEADER, request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            access.info(
                "request",
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status["code"],
                    "ms": round(1000 * (time.perf_counter() - started), 2),
                },
            )
            REQUEST_ID.reset(token)
