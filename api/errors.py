"""Errors the service layer raises, each with its HTTP status and stable `code`.

No FastAPI here: `api.error_handlers` turns each into an RFC 9457 problem. The codes are part of the
contract (docs/api.md): a client branches on `code`, never on the human `detail`.
"""

from __future__ import annotations

from typing import ClassVar

CODES = (
    "slot_full",
    "quote_expired",
    "quote_already_booked",
    "rules_changed",
    "booking_closed",
    "no_center_capacity",
    "pickup_not_booked",
    "invalid_transition",
    "attempts_exhausted",
    "event_id_reused",
    "idempotency_key_reused",
    "idempotency_key_in_use",
    "bad_request",
    "unauthorized",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "payload_too_large",
    "validation_error",
    "rate_limited",
    "internal_error",
    "service_unavailable",
)
"""Every `code` an error body can carry (declared as an enum in the OpenAPI)."""


class ServiceError(Exception):
    """A refusal with an HTTP status, a stable code and, for a retry-able one, when to come back."""

    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "bad_request"

    def __init__(self, detail: str, code: str | None = None, retry_after_s: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        if self.code not in CODES:
            raise ValueError(f"undeclared error code {self.code!r}")
        self.retry_after_s = retry_after_s


class ConflictError(ServiceError):
    """The request is valid but the state does not allow it (409): a full slot, an expired quote."""

    status = 409
    default_code = "slot_full"


class NotFoundError(ServiceError):
    """No such resource for this tenant (404)."""

    status = 404
    default_code = "not_found"


class ForbiddenError(ServiceError):
    """The tenant's role does not allow this (403)."""

    status = 403
    default_code = "forbidden"


class UnprocessableError(ServiceError):
    """Well-formed but not acceptable as sent (422), e.g. an idempotency key reused for another body."""

    status = 422
    default_code = "validation_error"


class RateLimitedError(ServiceError):
    """Too much queued work for this tenant or this server (429, with `Retry-After`)."""

    status = 429
    default_code = "rate_limited"


class UnavailableError(ServiceError):
    """A dependency (the database, the job pool) cannot serve now (503, with `Retry-After`)."""

    status = 503
    default_code = "service_unavailable"


def replayed(status: int, code: str, detail: str) -> ServiceError:
    """The refusal a stored first response recorded, raised again for a retry with the same key."""
    kinds: tuple[type[ServiceError], ...] = (
        ConflictError,
        NotFoundError,
        ForbiddenError,
        UnprocessableError,
        RateLimitedError,
        UnavailableError,
    )
    kind = next((k for k in kinds if k.status == status), ServiceError)
    return kind(detail, code)
