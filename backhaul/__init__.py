"""The composition root: the `backhaul` command wires the planning library and the service together.

`optimizer` (the planning library) and `api` (the web service over it) never import this package.
"""
