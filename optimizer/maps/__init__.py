"""Interactive route maps that open offline: the region's roads as base layer, routes along them."""
