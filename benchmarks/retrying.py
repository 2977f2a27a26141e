"""A client that waits out `429 Too Many Requests` as the service asks (its `Retry-After`), as a platform would."""

from __future__ import annotations

import time
from typing import Any

import httpx

MAX_ATTEMPTS = 50


def post_retrying(client: httpx.Client, path: str, **kwargs: Any) -> httpx.Response:
    """POST `path`; on 429 sleep the `Retry-After` seconds and send again (at most `MAX_ATTEMPTS` times)."""
    for _ in range(MAX_ATTEMPTS - 1):
        response = client.post(path, **kwargs)
        if response.status_code != 429:
            return response
        time.sleep(float(response.headers.get("Retry-After", "1")))
    return client.post(path, **kwargs)
