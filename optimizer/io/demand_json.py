"""A file of real return requests for a scenario (`[demand] file = ...`), read strictly.

```json
{"returns": [{"id": "R1", "lat": 22.69, "lon": 114.33, "category": "apparel", "weight_g": 700,
              "volume_cm3": 3000, "reason": "size_or_fit", "method": "pickup", "preferred_slot": "19:00"}]}
```
`volume_cm3` defaults to 4 cm³ per gram, `reason` to `not_quality`, `preferred_slot` (the start of a
slot of the scenario's grid) to the first slot. Errors name the file, line and field.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.domain import Location, Return, SlotGrid, TimeWindow
from optimizer.errors import ValidationError
from optimizer.io.strict import JsonNode, as_clock, as_int, as_number, as_str, read_json_file

MAX_DEMAND_BYTES = 256 * 2**20


def requests_from_dict(data: object, grid: SlotGrid) -> tuple[Return, ...]:
    """Parse the returns; each preferred slot must start a slot of `grid`."""
    root = JsonNode(data, "")
    starts = {w.start_s: w for w in grid.slots}
    found = []
    for value, path in root.items("returns"):
        node = JsonNode(value, path)
        try:
            location = Location(node.get("lat", as_number), node.get("lon", as_number))
        except ValidationError as error:
            raise error.within(path) from None
        weight = node.get("weight_g", as_int)
        if not 1 <= weight <= 1_000_000:
            raise ValidationError(node.at("weight_g"), f"must be within [1, 1000000], got {weight}")
        method = node.get("method", as_str)
        if method not in ("pickup", "drop_off"):
            raise ValidationError(node.at("method"), f'must be "pickup" or "drop_off", got {method!r}')
        reason = node.get("reason", as_str, "not_quality")
        slot: TimeWindow | None = None
        if method == "pickup":
            start = as_clock(
                node.get("preferred_slot", as_str, f"{grid.opens_s // 3600:02d}:00"), node.at("preferred_slot")
            )
            if start not in starts:
                raise ValidationError(node.at("preferred_slot"), "is not the start of a slot of the scenario's grid")
            slot = starts[start]
        try:
            found.append(
                Return(
                    id=node.get("id", as_str),
                    location=location,
                    category=node.get("category", as_str),
                    weight_g=weight,
                    volume_cm3=node.get("volume_cm3", as_int, 4 * weight),
                    reason=reason,
                    method=method,
                    preferred_slot=slot,
                )
            )
        except ValidationError as error:
            raise error.within(path) from None
        node.done()
    root.done()
    return tuple(found)


def load_requests(path: Path, grid: SlotGrid) -> tuple[Return, ...]:
    """Read a returns file for a scenario; errors name the file, line and field."""
    return read_json_file(path, lambda data: requests_from_dict(data, grid), max_bytes=MAX_DEMAND_BYTES)
