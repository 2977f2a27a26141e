"""Benchmark scripts: each prints its figures with the command that measures them."""
