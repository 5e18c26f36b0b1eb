"""One bounded LRU for every cache and memo table of the service.

Bounded by entries and, when ``weigh`` is given, by bytes (in all, and per item): a client that
sends many distinct large requests can fill a memo table only up to its byte budget. Used by the
pages' query results and finished responses (``web``), the dataset description (``publish``), the
result cache and the endpoint's memo tables (``sparql``), and the prepared queries (``store``).
Thread-safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class LRU(Generic[V]):
    """A thread-safe LRU of at most ``entries`` items (0 = off) and, when ``weigh`` is given,
    at most ``max_bytes`` in all and ``item_bytes`` per item (heavier items are not kept).
    ``weigh(key, value)`` is the item's size in bytes: count the key too when clients choose it."""

    def __init__(
        self,
        entries: int,
        *,
        max_bytes: int | None = None,
        item_bytes: int | None = None,
        weigh: Callable[[Hashable, V], int] | None = None,
    ) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self.item_bytes = item_bytes
        self.weigh = weigh or (lambda key, value: 0)
        self.size = 0
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable, default: Any = None) -> V | Any:
        with self._lock:
            value = self._items.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> bool:
        """Keep ``value`` (evicting the least recently used); False if it is not kept."""
        weight = self.weigh(key, value)
        if self.entries <= 0 or (self.item_bytes is not None and weight > self.item_bytes):
            return False
        with self._lock:
            if key in self._items:
                self.size -= self.weigh(key, self._items.pop(key))
            self._items[key] = value
            self.size += weight
            while self._items and (
                len(self._items) > self.entries or (self.max_bytes is not None and self.size > self.max_bytes)
            ):
                old, dropped = self._items.popitem(last=False)
                self.size -= self.weigh(old, dropped)
        return True

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0


_MISSING: Any = object()


def key_bytes(key: Hashable) -> int:
    """About the bytes a key holds: its strings and bytes, in tuples too (for byte budgets)."""
    if isinstance(key, str | bytes):
        return len(key)
    if isinstance(key, tuple):
        return sum(key_bytes(part) for part in key)
    return 8


#: the budget of each memo table the endpoint keeps (parsed requests, checked queries)
MEMO_BYTES = 16 << 20
