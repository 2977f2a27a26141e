"""Sample problems, scenario files and their generators (a package: benchmarks reuse a generator)."""
