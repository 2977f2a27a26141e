"""Backhaul solver core: pickup routing for e-commerce returns (pure library, no web framework)."""

__version__ = "0.1.0"
