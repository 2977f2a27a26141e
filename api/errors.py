"""Errors the service layer raises; `api.error_handlers` maps each to an HTTP status."""

from __future__ import annotations


class ConflictError(Exception):
    """The request is valid but the state does not allow it (409): a full slot, an expired quote."""


class NotFoundError(Exception):
    """No such resource for this tenant (404)."""
