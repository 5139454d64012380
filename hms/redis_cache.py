"""The Redis cache of the split setups (settings.CACHES when REDIS_URL is set): django-redis with
its errors ignored (IGNORE_EXCEPTIONS), so that a stopped Redis makes cache reads misses and
writes no-ops instead of failing pages (docs/DEPLOYMENT.md, failure drills).

One difference from django-redis: `add()` on a Redis that does not answer says True ("the key
was new"), not None. Locks built on `add()` (django-allauth's rate limiter takes one before every
sign-in) would otherwise wait and refuse everyone with 429 until Redis is back; with Redis down
they all succeed, and the limits they guard are not applied (logged) until it returns.
"""

from django_redis.cache import RedisCache


class DegradingRedisCache(RedisCache):
    def add(self, *args, **kwargs) -> bool:
        added = super().add(*args, **kwargs)
        return True if added is None else added
