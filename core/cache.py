"""A Redis cache that fails open: with Redis stopped or unreachable, reading finds nothing and
writing keeps nothing, and the page is served from the database as if the cache were cold.

Django's RedisCache raises redis' ConnectionError on every call when Redis is down, which would
turn every page (the portal's page cache, the request counters, the hotlines in the footer) into
a 500. Here each call logs the failure and answers what an empty cache would; /healthz's cache
check (core.health) notices that a value written is not read back and says "degraded". The
socket timeouts (OPTIONS, 1 s by default in settings) keep a Redis that hangs from holding pages
up. The report form's limits are counted in the database, so they hold meanwhile."""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
_WARN_EVERY_SECONDS = 60


class FailOpenRedisCache(RedisCache):
    _last_warning = 0.0

    def _failed(self, operation: str, error: Exception):
        now = time.monotonic()
        if now - FailOpenRedisCache._last_warning > _WARN_EVERY_SECONDS:  # once a minute, not per call
            FailOpenRedisCache._last_warning = now
            log.warning("cache %s failed, served without the cache: %s", operation, error)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            self._failed("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            self._failed("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as error:
            self._failed("has_key", error)
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            self._failed("add", error)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except RedisError as error:
            self._failed("set", error)
            return None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            self._failed("set_many", error)
            return list(data)  # the keys that were not stored

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            self._failed("touch", error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            self._failed("incr", error)
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)") from error

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            self._failed("delete", error)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except RedisError as error:
            self._failed("delete_many", error)

    def clear(self):
        try:
            return super().clear()
        except RedisError as error:
            self._failed("clear", error)
            return False
