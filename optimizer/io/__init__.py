"""File formats: problems, solutions, returns, demand and assignment reports; strict reading."""
