"""Atomic writes for the on-disk caches (travel matrices, contraction orders)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def write_atomically(path: Path, save: Callable[[IO[bytes]], None]) -> None:
    """Write through `save` into a temporary file, then rename it: a crash never leaves half a file.

    A cache that cannot be written only costs time, so an OSError is swallowed.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        prefix, suffix = f".{path.stem}.", path.suffix
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=prefix, suffix=suffix, delete=False) as f:
            save(f)
        os.replace(f.name, path)
    except OSError:
        return
