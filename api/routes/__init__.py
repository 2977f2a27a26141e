"""One router per resource; `created_headers` is the headers of a (possibly replayed) creation they share."""

from __future__ import annotations

from api.services.idempotency import StoredResponse


def created_headers(first: StoredResponse, prefix: str, replayed: bool) -> dict[str, str]:
    """`Location` of what a 201 created (its id under `prefix`), and `Idempotent-Replayed` on a replay."""
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    if first.status == 201:
        created = first.body.get("id") or first.body.get("return_id")
        headers["Location"] = f"{prefix}{created}"
    return headers
