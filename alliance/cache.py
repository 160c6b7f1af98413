"""A Redis cache that fails soft: Redis holds copies only (cached answers, the data version, copies of
sessions whose record is in PostgreSQL), so a Redis that cannot be reached makes the site slower,
never broken.

On a connection error or a timeout an operation answers as a miss would (get: the default; add,
touch, delete: False; incr: ValueError, as for a missing key; set: nothing), and this process then
leaves that Redis alone for `retry_seconds` (a circuit breaker): a stopped Redis costs a refused
connection and a hung one a short socket timeout (both in OPTIONS) once per process and period,
not once per request.

A write that did not reach Redis is not forgotten. A Redis that was only unreachable comes back
with the entries it had, and some are then stale: a session signed out meanwhile, the data version
from before a write. So the key of every missed write is noted, in this process and in PostgreSQL
(jobs.StaleCacheKey), and the first process to reach Redis again deletes every noted key before it
reads anything; the relay job (jobs.tasks.relay_outbox) does the same for processes that never saw
the outage. Reads are never noted: a miss leaves nothing behind.

Throttles count in this cache too: while Redis is away they count nothing and let every request
through. That is a choice: refusing everyone would turn a cache outage into a site outage, and the
sign-in limits that matter most (django-axes, the per-address limit) count in PostgreSQL."""

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import transaction
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Connection refused or lost, timeouts, and a server still loading its data (BusyLoadingError is a
# ConnectionError): Redis unreachable. Other errors (a wrong command, out of memory) still raise.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
# Keys deleted (and rows read) per round trip when Redis is back.
CHUNK = 500


def _text(key: Any) -> str:
    return key.decode() if isinstance(key, bytes | bytearray) else str(key)


class _Outage:
    """What this process knows of one Redis server: down since when, when to try it again, and the
    keys whose writes it missed."""

    def __init__(self, name: str, retry_seconds: float) -> None:
        self.name = name
        self.retry_seconds = retry_seconds
        self.lock = threading.RLock()
        self.down_since: float | None = None
        self.retry_at = 0.0
        self.missed: set[str] = set()


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_of(server: str, retry_seconds: float) -> _Outage:
    # Per process, not per backend instance: Django makes one cache instance per thread.
    name = re.sub(r"//[^/@]*@", "//", server)  # never a password in the logs
    with _outages_lock:
        return _outages.setdefault(name, _Outage(name, retry_seconds))


def _note_missed(outage: _Outage, keys: Iterable[Any]) -> None:
    with outage.lock:
        new = {_text(key) for key in keys} - outage.missed
        if not new:
            return
        outage.missed |= new
    from jobs.models import StaleCacheKey

    try:
        # A savepoint inside a caller's transaction: a failure here must not break it.
        with transaction.atomic():
            StaleCacheKey.objects.bulk_create([StaleCacheKey(key=key) for key in new], ignore_conflicts=True)
    except Exception:
        # Kept in this process at least: it deletes them itself when Redis is back.
        logger.warning("Could not note %d stale cache key(s) in the database", len(new), exc_info=True)


def _forget_missed(client: Redis, outage: _Outage) -> int:
    """Delete from Redis every key whose write was missed, by this process or any other (the caller
    holds outage.lock); how many keys."""
    from jobs.models import StaleCacheKey

    keys = set(outage.missed)
    rows: list[tuple[int, str]] = []
    try:
        rows = list(StaleCacheKey.objects.order_by("pk").values_list("pk", "key"))
    except Exception:
        logger.warning("Could not read the stale cache keys from the database", exc_info=True)
    keys |= {key for _, key in rows}
    ordered = sorted(keys)
    for start in range(0, len(ordered), CHUNK):
        client.delete(*ordered[start : start + CHUNK])
    outage.missed -= keys
    ids = [pk for pk, _ in rows]
    try:
        for start in range(0, len(ids), CHUNK):
            StaleCacheKey.objects.filter(pk__in=ids[start : start + CHUNK]).delete()
    except Exception:
        # Deleted from Redis already; the rows only make the next recovery delete them again.
        logger.warning("Could not clear the stale cache keys in the database", exc_info=True)
    return len(keys)


def _glob_escaped(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


class FailSoftRedisCacheClient(RedisCacheClient):
    """Django's Redis client whose operations answer as misses while Redis is unreachable."""

    def __init__(self, servers: list[str], retry_seconds: float = 5, **options: Any) -> None:
        super().__init__(servers, **options)
        self._outage = _outage_of(servers[0], float(retry_seconds))
        self._clients: dict[int, Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Redis:
        """One redis-py client per connection pool, made once: Django's makes a new one for every
        operation, a fifth of a millisecond each (a client is thread-safe over its pool)."""
        index: int = self._get_connection_pool_index(write)  # type: ignore[attr-defined]  # Django's, not in the stubs
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client

    # --- the breaker -----------------------------------------------------------------------

    def _failed(self, error: Exception) -> None:
        outage = self._outage
        with outage.lock:
            outage.retry_at = time.monotonic() + outage.retry_seconds
            if outage.down_since is None:
                outage.down_since = time.monotonic()
                # Once per outage, not once per request.
                logger.warning(
                    "Redis cache at %s unreachable (%s): answering without it, trying again every %s s",
                    outage.name,
                    error,
                    outage.retry_seconds,
                )

    def reachable(self, *, now: bool = False) -> bool:
        """Whether to use Redis for this operation. After a failure, no until the retry time (or
        `now`); then a PING, and if Redis answers, the keys missed meanwhile are deleted first."""
        outage = self._outage
        if outage.down_since is None:
            return True
        if not now and time.monotonic() < outage.retry_at:
            return False
        with outage.lock:
            if outage.down_since is None:
                return True  # another thread brought it back meanwhile
            try:
                client = self.get_client(write=True)
                client.ping()
                forgotten = _forget_missed(client, outage)
            except UNREACHABLE as error:
                outage.retry_at = time.monotonic() + outage.retry_seconds
                logger.debug("Redis cache at %s still unreachable: %s", outage.name, error)
                return False
            logger.warning(
                "Redis cache at %s reachable again after %.0f s; %d stale key(s) deleted",
                outage.name,
                time.monotonic() - outage.down_since,
                forgotten,
            )
            outage.down_since = None
            return True

    def ping(self) -> bool:
        """Whether Redis answers now (for /healthz): tried whatever the breaker says."""
        if not self.reachable(now=True):
            return False
        try:
            return bool(self.get_client(write=True).ping())
        except UNREACHABLE as error:
            self._failed(error)
            return False

    def forget_stale_keys(self) -> int:
        """Delete the keys whose writes were missed (by any process) if Redis answers."""
        if not self.reachable():
            return 0
        with self._outage.lock:
            try:
                return _forget_missed(self.get_client(write=True), self._outage)
            except UNREACHABLE as error:
                self._failed(error)
                return 0

    def _read(self, fallback: T, operation: Callable[[], T]) -> T:
        if not self.reachable():
            return fallback
        try:
            return operation()
        except UNREACHABLE as error:
            self._failed(error)
            return fallback

    def _write(self, keys: Iterable[Any], fallback: T, operation: Callable[[], T]) -> T:
        keys = list(keys)
        if self.reachable():
            try:
                return operation()
            except UNREACHABLE as error:
                self._failed(error)
        _note_missed(self._outage, keys)
        return fallback

    # --- the operations --------------------------------------------------------------------

    def get(self, key: Any, default: Any) -> Any:
        return self._read(default, partial(super().get, key, default))

    def get_many(self, keys: Iterable[Any]) -> dict[Any, Any]:
        return self._read({}, partial(super().get_many, keys))

    def has_key(self, key: Any) -> bool:
        return self._read(False, partial(super().has_key, key))

    def add(self, key: Any, value: Any, timeout: Any) -> bool:
        return self._write([key], False, partial(super().add, key, value, timeout))

    def set(self, key: Any, value: Any, timeout: Any) -> None:
        self._write([key], None, partial(super().set, key, value, timeout))

    def touch(self, key: Any, timeout: Any) -> bool:
        return self._write([key], False, partial(super().touch, key, timeout))

    def delete(self, key: Any) -> bool:
        return self._write([key], False, partial(super().delete, key))

    def incr(self, key: Any, delta: int) -> Any:
        missed = object()
        value = self._write([key], missed, partial(super().incr, key, delta))
        if value is missed:
            # What callers already handle: the counter is not there (and will not be when Redis is
            # back, since its key was noted as missed).
            raise ValueError(f"Key '{_text(key)}' not reachable.")
        return value

    def set_many(self, data: Mapping[Any, Any], timeout: Any) -> None:
        self._write(list(data), None, partial(super().set_many, data, timeout))

    def delete_many(self, keys: Iterable[Any]) -> None:
        keys = list(keys)
        self._write(keys, None, partial(super().delete_many, keys))

    def clear(self) -> bool:
        raise NotImplementedError("FailSoftRedisCache.clear deletes its own keys: see delete_matching.")

    def delete_matching(self, pattern: str) -> bool:
        """Delete the keys matching a Redis glob pattern, a batch at a time (SCAN, never KEYS)."""

        def delete() -> bool:
            client = self.get_client(write=True)
            batch: list[Any] = []
            for key in client.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) == 1000:
                    client.delete(*batch)
                    batch.clear()
            if batch:
                client.delete(*batch)
            return True

        # Nothing to note: a missed clear cannot be made up key by key. Logged by the breaker.
        return self._read(False, delete)


class FailSoftRedisCache(RedisCache):
    """Django's RedisCache on FailSoftRedisCacheClient. OPTIONS: `retry_seconds` (the breaker's
    wait), and redis-py's own, e.g. `socket_connect_timeout` and `socket_timeout`."""

    _cache: RedisCacheClient  # made by RedisCache from _class (the stubs do not declare it)

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = FailSoftRedisCacheClient

    def clear(self) -> None:
        """Delete this cache's entries only (those under its KEY_PREFIX), not the whole Redis
        database as Django's RedisCache does: other deployments and test runs sharing the
        database keep theirs."""
        self.client.delete_matching(_glob_escaped(self.key_prefix) + ":*")

    @property
    def client(self) -> FailSoftRedisCacheClient:
        cache_client = self._cache
        assert isinstance(cache_client, FailSoftRedisCacheClient)
        return cache_client


def cache_status(alias: str = "default") -> str:
    """For /healthz: "ok" or "unreachable" (a cache in this process's memory is always "ok")."""
    backend = caches[alias]
    if isinstance(backend, FailSoftRedisCache):
        return "ok" if backend.client.ping() else "unreachable"
    return "ok"


def forget_stale_keys(alias: str = "default") -> int:
    """For the relay job: delete from Redis the keys whose writes any process missed."""
    backend = caches[alias]
    if isinstance(backend, FailSoftRedisCache):
        return backend.client.forget_stale_keys()
    return 0
