"""What-if scenarios: a whole return day simulated with the product's own code, against today's practice."""
