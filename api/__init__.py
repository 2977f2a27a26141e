"""Backhaul's HTTP service (FastAPI): quotes, pickup slots, bookings, day plans, assignments."""
