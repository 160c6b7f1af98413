"""A version of the Alliance's data that every write bumps: what API answers and pages are cached
under and what the API's ETags are made of.

Every save or delete of a model of this app bumps it once the transaction commits (bumping before
would let a reader cache the old data under the new version). Bulk writes that send no signals
(the loaders and generators) call `data_changed()` themselves. The counter lives in the cache
(Redis in production); if it is lost, it starts again from the clock, never from a value used
before, so no earlier cached answer can be taken for a current one.

While the cache cannot be reached, each call gets a version of its own (from the clock: nothing
matches it, nothing is cached under it), and a bump that could not be made is noted by the cache
(alliance.cache), which deletes the counter once Redis is back: a Redis that kept its entries
through the outage never serves the answers cached before a write it missed."""

import hashlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

T = TypeVar("T")

KEY = "alliance:data-version"


def _fresh() -> int:
    return time.time_ns()


def known_version() -> int | None:
    """The current version, or None when the cache cannot be reached."""
    version = cache.get(KEY)
    if version is None:
        cache.add(KEY, _fresh(), timeout=None)
        version = cache.get(KEY)
    return None if version is None else int(version)


def data_version() -> int:
    """The current version; one of this call alone while the cache cannot be reached."""
    version = known_version()
    return _fresh() if version is None else version


def bump_now() -> None:
    try:
        cache.incr(KEY)
    except ValueError:  # no counter yet (or the cache lost it)
        cache.add(KEY, _fresh(), timeout=None)


def data_changed() -> None:
    """Bump the version when the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(bump_now)


def cached(name: str, *parts: object, build: Callable[[], T]) -> T:
    """What `build()` returns for `name` and `parts`, kept in the cache until the data changes or
    the day does (statuses such as "late" are as of today). Built every time with ANSWER_CACHE off or
    while the cache cannot be reached.

    The version is read before anything is built: a write committed while building bumps it, so
    what was built then is never taken for what follows the write."""
    version = known_version() if settings.ANSWER_CACHE else None
    if version is None:
        return build()
    words = [str(version), timezone.localdate().isoformat(), name, *map(str, parts)]
    key = "alliance:versioned:" + hashlib.sha256("|".join(words).encode()).hexdigest()
    value: T | None = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, settings.ANSWER_CACHE_SECONDS)
    return value


def _on_change(**_: Any) -> None:
    data_changed()


def watch(app_label: str) -> None:
    """Bump on every save and delete of the app's models (and changes of their many-to-many).

    Connected per model: a receiver for every sender would cost every other model Django's fast
    deletes (rows are loaded to be signalled when anything listens)."""
    for model in apps.get_app_config(app_label).get_models():
        post_save.connect(_on_change, sender=model, dispatch_uid=f"dataversion-save-{model._meta.label}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"dataversion-delete-{model._meta.label}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _on_change, sender=through, dispatch_uid=f"dataversion-m2m-{model._meta.label}-{field.name}"
            )
