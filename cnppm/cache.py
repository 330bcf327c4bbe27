"""The Redis cache, with a per-process memory cache standing in while Redis is unreachable.

django-redis's IGNORE_EXCEPTIONS turns an outage into "nothing stored": reads miss, `add` answers
False. That is harmless for a cache of answers that all have a database source (sessions are
cached_db, the consent check asks the database), but not for code that takes a lock with `add`:
allauth's rate limits then refuse every login ("too many attempts") for as long as Redis is down.
Here a failed call is answered by a local-memory cache instead, so locks and counters keep working
per process, and Redis is not asked again for a few seconds (a hung Redis costs one timeout, not one
per call). The login limit itself does not rely on this: it counts in the database (auth_limits)."""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
_FAILURES = (ConnectionInterrupted, RedisError, OSError)


def _with_fallback(name: str):
    def method(self, *args, **kwargs):
        if time.monotonic() >= self._down_until:
            try:
                return getattr(RedisCache, name)(self, *args, **kwargs)
            except _FAILURES:
                self._down_until = time.monotonic() + RETRY_SECONDS
                logger.warning(
                    "Redis is unreachable: the cache works in process memory for now", exc_info=True
                )
        kwargs.pop("client", None)
        nx = kwargs.pop("nx", False)
        kwargs.pop("xx", None)
        if name == "set" and nx:
            return self._local.add(*args, **kwargs)
        return getattr(self._local, name)(*args, **kwargs)

    method.__name__ = name
    return method


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        options = {**params.get("OPTIONS", {}), "IGNORE_EXCEPTIONS": False}
        super().__init__(server, {**params, "OPTIONS": options})
        self._local = LocMemCache(
            f"cnppm-fallback-{server}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "KEY_PREFIX": params.get("KEY_PREFIX", "")},
        )
        self._down_until = 0.0

    get = _with_fallback("get")
    set = _with_fallback("set")
    add = _with_fallback("add")
    delete = _with_fallback("delete")
    get_many = _with_fallback("get_many")
    set_many = _with_fallback("set_many")
    delete_many = _with_fallback("delete_many")
    incr = _with_fallback("incr")
    decr = _with_fallback("decr")
    has_key = _with_fallback("has_key")
    touch = _with_fallback("touch")
    clear = _with_fallback("clear")
