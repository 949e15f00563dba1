"""An object built from database rows, kept per process and rebuilt when the rows change, as
seen by a cheap version (e.g. their count and highest id): the claim matcher, the gazetteer of
place names. Built under a lock, so threads of one worker build it once."""

import threading
from collections.abc import Callable


class Rebuilt:
    def __init__(self, version: Callable[[], object], build: Callable[[], object]):
        self._version, self._build = version, build
        self._lock = threading.Lock()
        self._current: tuple | None = None  # (version, object), swapped in one assignment

    def get(self):
        version = self._version()
        with self._lock:
            if self._current is None or self._current[0] != version:
                self._current = (version, self._build())
            return self._current[1]
