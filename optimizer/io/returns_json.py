"""The returns file that `backhaul assign` reads (docs/formats.md, "Returns document")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from optimizer.assignment.problem import DEFAULT_UNPLACED_PENALTY_CENTS
from optimizer.domain import Location, Return
from optimizer.errors import ValidationError
from optimizer.io.strict import JsonNode, as_int, as_number, as_str, read_json_file

MAX_RETURNS_BYTES = 512 * 2**20


@dataclass(frozen=True)
class ReturnsDocument:
    """Parsed returns file: the returns, and optionally the region and unplaced penalty it names."""

    returns: tuple[Return, ...]
    region: str | None
    unplaced_penalty_cents: int


def _item(value: object, path: str) -> Return:
    node = JsonNode(value, path)
    origin = node.optional("origin", as_str)
    location = None
    if "lat" in node.value or "lon" in node.value:
        lat, lon = node.get("lat", as_number), node.get("lon", as_number)
        try:
            location = Location(lat, lon)
        except ValidationError as error:
            raise error.within(path) from None
    item_id, category = node.get("id", as_str), node.get("category", as_str)
    weight = node.get("weight_g", as_int)
    method = node.optional("method", as_str)
    node.done()
    try:
        return Return(item_id, category, weight, origin_id=origin, location=location, method=method)
    except ValidationError as error:
        raise error.within(path) from None


def returns_from_dict(data: object) -> ReturnsDocument:
    """Parse a returns document strictly; errors name the field."""
    root = JsonNode(data, "")
    region = root.optional("region", as_str)
    penalty = root.get("unplaced_penalty_cents", as_int, DEFAULT_UNPLACED_PENALTY_CENTS)
    items = tuple(_item(value, path) for value, path in root.items("returns"))
    root.done()
    return ReturnsDocument(items, region, penalty)


def load_returns(path: Path) -> ReturnsDocument:
    """Read a returns file; errors name the file, line and field."""
    return read_json_file(path, returns_from_dict, max_bytes=MAX_RETURNS_BYTES)
