"""A version of the Alliance's data that every write bumps: what API answers are cached under and
what their ETags are made of.

Every save or delete of a model of this app bumps it once the transaction commits (bumping before
would let a reader cache the old data under the new version). Bulk writes that send no signals
(the loaders and generators) call `data_changed()` themselves. The counter lives in the cache
(Redis in production); if it is lost, it starts again from the clock, never from a value used
before, so no earlier cached answer can be taken for a current one."""

import time
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

KEY = "alliance:data-version"


def _fresh() -> int:
    return time.time_ns()


def data_version() -> int:
    version = cache.get(KEY)
    if version is None:
        cache.add(KEY, _fresh(), timeout=None)
        version = cache.get(KEY)
    return int(version)


def bump_now() -> None:
    try:
        cache.incr(KEY)
    except ValueError:  # no counter yet (or the cache lost it)
        cache.add(KEY, _fresh(), timeout=None)


def data_changed() -> None:
    """Bump the version when the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(bump_now)


def _on_change(sender: Any, **_: Any) -> None:
    meta = getattr(sender, "_meta", None)
    if meta is not None and meta.app_label in _WATCHED:
        data_changed()


_WATCHED: set[str] = set()


def watch(app_label: str) -> None:
    """Bump on every save and delete of the app's models (and changes of their many-to-many)."""
    _WATCHED.add(app_label)
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_on_change, dispatch_uid=f"dataversion-{id(signal)}")
