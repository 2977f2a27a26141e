"""Returns -> processing centers: the optimal capacity-respecting assignment and today's nearest-center rule."""
