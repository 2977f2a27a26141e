"""Geography: travel matrices between locations (straight-line now, road networks later)."""
