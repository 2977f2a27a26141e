"""Backhaul's planning library: pickup routing, processing-center assignment, live plans and what-if days.

Everything a notebook needs is importable from here (the names are listed in `__init__.pyi`). Each
name loads its module on first use (`lazy_loader`), so ``import optimizer`` stays fast, and no web
framework, database or server is imported by this package.
"""

import lazy_loader

__version__ = "0.1.0"
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
