"""What was computed from an immutable object, kept by the object's identity (the oldest go first)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class IdentityCache(Generic[K, V]):
    """At most `size` results, each kept with its key object (so the key's id stays unique); thread-safe.

    Routes and plans are immutable and a change makes new objects, so identity is the right key:
    no hashing of their contents, and nothing stale is ever returned.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[int, tuple[K, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, compute: Callable[[K], V]) -> V:
        """The result for `key`, computed (outside the lock) the first time."""
        with self._lock:
            hit = self._kept.get(id(key))
        if hit is not None and hit[0] is key:
            return hit[1]
        found = compute(key)
        with self._lock:
            self._kept[id(key)] = (key, found)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return found
