"""The Redis cache fails soft (alliance.cache): unreachable, it answers misses at once, and what it
missed meanwhile is deleted from it when it is back, so that nothing stale is read afterwards."""

import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.conf import LazySettings
from django.core.cache import caches

from alliance.cache import FailSoftRedisCache, cache_status, forget_stale_keys
from commitments import dataversion
from commitments.permissions import PUBLIC, SECRETARIAT, Scope
from jobs.models import StaleCacheKey
from tests.redis_server import RedisServer, hung_server


def fail_soft(location: str, **options: object) -> FailSoftRedisCache:
    return FailSoftRedisCache(
        location,
        {"KEY_PREFIX": "cache-test", "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2, **options}},
    )


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.close()


@pytest.fixture
def hung() -> Iterator[str]:
    with hung_server() as url:
        yield url


def test_a_hung_redis_costs_one_short_timeout_then_nothing(db: None, hung: str) -> None:
    cache = fail_soft(hung, retry_seconds=60)
    started = time.monotonic()
    assert cache.get("anything", "default") == "default"
    first = time.monotonic() - started
    assert first < 1  # redis-py alone would wait 5 s
    started = time.monotonic()
    for _ in range(100):
        assert cache.get("anything") is None
        cache.set("written", 1)
        assert cache.add("added", 1) is False
        assert cache.delete("deleted") is False
        with pytest.raises(ValueError, match="not reachable"):
            cache.incr("counter")
    assert time.monotonic() - started < 0.2  # the breaker: no more waiting until the retry time
    noted = set(StaleCacheKey.objects.values_list("key", flat=True))
    assert noted == {cache.make_key(key) for key in ("written", "added", "deleted", "counter")}


def test_what_redis_missed_while_away_is_deleted_when_it_is_back(db: None, redis_server: RedisServer) -> None:
    cache = fail_soft(redis_server.url, retry_seconds=0)
    cache.set("session", "signed in")
    cache.set("profile", "before")
    cache.set("untouched", "kept")
    redis_server.stop(keep=True)

    assert cache.delete("session") is False  # a sign-out, say: kept in PostgreSQL only
    cache.set("profile", "during")
    assert cache.get("profile") is None
    assert cache_status() == "ok"  # the tests' own cache, which is up
    redis_server.start()
    assert redis_server.client().exists(cache.make_key("session"))  # Redis kept what it had

    assert cache.get("session") is None  # not signed in again
    assert cache.get("profile") is None  # not the value from before the outage
    assert cache.get("untouched") == "kept"  # and no more than that was forgotten
    assert not redis_server.client().exists(cache.make_key("session"), cache.make_key("profile"))
    assert not StaleCacheKey.objects.exists()


def test_the_relay_deletes_what_other_processes_missed(db: None) -> None:
    """A process that never saw an outage has nothing to recover from: the relay job deletes the
    keys other processes noted in PostgreSQL."""
    cache = caches["default"]
    assert isinstance(cache, FailSoftRedisCache)
    cache.set("seen-elsewhere", "stale")
    StaleCacheKey.objects.create(key=cache.make_key("seen-elsewhere"))
    assert forget_stale_keys() == 1
    assert cache.get("seen-elsewhere") is None
    assert not StaleCacheKey.objects.exists()


def test_no_answer_cached_before_a_missed_bump_is_served_when_redis_is_back(
    db: None, redis_server: RedisServer, settings: LazySettings
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "alliance.cache.FailSoftRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2, "retry_seconds": 0},
        }
    }
    before = dataversion.data_version()
    assert dataversion.cached("answer", build=lambda: "old") == "old"
    assert dataversion.cached("answer", build=lambda: "rebuilt") == "old"
    redis_server.stop(keep=True)

    dataversion.bump_now()  # a write committed while Redis is away: the bump cannot reach it
    during = {dataversion.data_version() for _ in range(3)}
    assert before not in during
    assert len(during) == 3  # a version per call: nothing matches it, nothing is cached under it
    assert dataversion.cached("answer", build=lambda: "new") == "new"
    redis_server.start()

    assert dataversion.data_version() != before
    assert dataversion.cached("answer", build=lambda: "newer") == "newer"


def test_a_missed_bump_of_one_members_data_is_made_up_for_its_viewers_only(
    db: None, redis_server: RedisServer, settings: LazySettings
) -> None:
    """A draft saved while Redis is away: once it is back, the member's contacts and the secretariat
    get new answers, and the public's, which the write did not change, are still cached."""
    settings.CACHES = {
        "default": {
            "BACKEND": "alliance.cache.FailSoftRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2, "retry_seconds": 0},
        }
    }
    member = Scope(member_state_id=1)
    scopes = (PUBLIC, member, SECRETARIAT)
    for scope in scopes:
        assert dataversion.cached("answer", build=lambda: "old", scope=scope) == "old"
    redis_server.stop(keep=True)

    dataversion.bump_now(member)  # the commit of a draft's autosave
    redis_server.start()

    after = {scope: dataversion.cached("answer", build=lambda: "new", scope=scope) for scope in scopes}
    assert after == {PUBLIC: "old", member: "new", SECRETARIAT: "new"}


def test_clearing_the_cache_leaves_other_prefixes_alone(redis_server: RedisServer) -> None:
    """Deployments and test runs sharing a Redis database each clear only their own entries
    (Django's RedisCache would flush the whole database)."""
    ours = fail_soft(redis_server.url)
    theirs = FailSoftRedisCache(redis_server.url, {"KEY_PREFIX": "other-site"})
    starred = FailSoftRedisCache(redis_server.url, {"KEY_PREFIX": "cache-*"})
    for number in range(2500):  # more than one batch of the scan
        ours.set(f"ours-{number}", number)
    theirs.set("theirs", 1)
    starred.set("starred", 1)
    ours.clear()
    assert ours.get("ours-0") is None
    assert ours.get("ours-2499") is None
    assert theirs.get("theirs") == 1
    assert starred.get("starred") == 1
    starred.clear()
    assert starred.get("starred") is None
    assert theirs.get("theirs") == 1


def test_operations_share_one_redis_client(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Django's Redis cache makes a redis-py client for every operation (~0.2 ms each, several per
    cached answer); ours makes one per connection pool and keeps it, across an outage too."""
    made = []
    original = redis.Redis.__init__

    def counted(self: redis.Redis, *args: Any, **kwargs: Any) -> None:
        if "connection_pool" in kwargs:  # the cache's, not the test server's own clients
            made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counted)
    cache = fail_soft(redis_server.url, retry_seconds=0)
    for number in range(20):
        cache.set(f"key-{number}", number)
        assert cache.get(f"key-{number}") == number
    cache.delete_many([f"key-{number}" for number in range(20)])
    assert len(made) == 1
    redis_server.stop(keep=True)
    assert cache.get("key-1") is None
    redis_server.start()
    cache.set("after", 1)
    assert cache.get("after") == 1  # the same client, reconnected by its pool
    assert len(made) == 1
