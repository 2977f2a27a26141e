"""One router per resource, and what they share: the headers of a (possibly replayed) creation, fast JSON."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel

from api.services.idempotency import StoredResponse


def json_response(model: BaseModel) -> Response:
    """The model as JSON, serialised once by pydantic's compiled serializer.

    A model the service built is already valid: returning it to FastAPI would validate it again and
    encode it through `jsonable_encoder` (the route's `response_model` still documents the schema).
    """
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")


def created_headers(first: StoredResponse, prefix: str, replayed: bool) -> dict[str, str]:
    """`Location` of what a 201 created (its id under `prefix`), and `Idempotent-Replayed` on a replay."""
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    if first.status == 201:
        created = first.body.get("id") or first.body.get("return_id")
        headers["Location"] = f"{prefix}{created}"
    return headers
