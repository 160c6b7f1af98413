"""Versions of the Alliance's data, by scope: what API answers and pages are cached under and what
the API's ETags are made of.

There is a version of what everyone sees (the public one), one per member of what its insiders see
beyond it (its contacts and the secretariat: drafts, returned items, history), and one of what the
secretariat sees beyond the public. A write bumps the versions of the scope it changes
(`permissions.written_scope`): a public write the public version, which every answer is under; a
member's write that member's version and the secretariat's. An answer is under the versions its
viewer's scope reads (`permissions.viewer_scope`): the public, a member's contacts the public and
their member's, the secretariat the public and its own. So a draft's autosave leaves the public's
and the other members' answers cached, and every write is still seen on the next read by everyone
who can see it.

Every save or delete of a model of this app bumps once the transaction commits (bumping before
would let a reader cache the old data under the new version). Bulk writes that send no signals
(the loaders and generators) call `data_changed()` themselves, which bumps the public version:
everything. A counter lives in the cache (Redis in production); if it is lost, it starts again
from the clock, never from a value used before, so no earlier cached answer can be taken for a
current one.

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
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone, translation

from .permissions import PUBLIC, SECRETARIAT, Scope, written_scope

T = TypeVar("T")

KEY = "alliance:data-version"  # the public version
SECRETARIAT_KEY = "alliance:data-version:secretariat"


def member_key(member_state_id: int) -> str:
    return f"alliance:data-version:member-{member_state_id}"


def read_keys(scope: Scope) -> list[str]:
    """The counters of what a viewer of `scope` sees."""
    if scope.secretariat:
        return [KEY, SECRETARIAT_KEY]
    if scope.member_state_id is not None:
        return [KEY, member_key(scope.member_state_id)]
    return [KEY]


def bumped_keys(scope: Scope) -> list[str]:
    """The counters a write of `scope` changes: the public one is read by every viewer."""
    if scope.secretariat or scope.member_state_id is None:
        return [KEY]
    return [member_key(scope.member_state_id), SECRETARIAT_KEY]


def _fresh() -> int:
    return time.time_ns()


def known_versions(scope: Scope) -> str | None:
    """The versions a viewer of `scope` sees, as one word; None when the cache cannot be reached.
    One round trip to the cache (two when a counter has to start)."""
    keys = read_keys(scope)
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, _fresh(), timeout=None)
        found.update(cache.get_many(missing))
        if any(key not in found for key in keys):
            return None
    return ".".join(str(int(found[key])) for key in keys)


def versions(scope: Scope) -> str:
    """`known_versions`; one of this call alone while the cache cannot be reached."""
    version = known_versions(scope)
    return f"~{_fresh()}" if version is None else version


def known_version() -> int | None:
    """The public version, or None when the cache cannot be reached."""
    version = known_versions(PUBLIC)
    return None if version is None else int(version)


def data_version() -> int:
    """The public version; one of this call alone while the cache cannot be reached."""
    version = known_version()
    return _fresh() if version is None else version


def bump_now(scope: Scope = PUBLIC) -> None:
    """Bump what a write of `scope` changes; by default the public version: everything."""
    for key in bumped_keys(scope):
        try:
            cache.incr(key)
        except ValueError:  # no counter yet (or the cache lost it)
            cache.add(key, _fresh(), timeout=None)


def data_changed(scope: Scope = PUBLIC) -> None:
    """Bump when the current transaction commits (at once outside a transaction); by default
    everything, as bulk writes need."""
    transaction.on_commit(lambda: bump_now(scope))


def cached(name: str, *parts: object, build: Callable[[], T], scope: Scope = SECRETARIAT) -> T:
    """What `build()` returns for `name` and `parts`, kept in the cache until the data a viewer of
    `scope` sees changes (by default every change) or the day does (statuses such as "late" are as
    of today), for each language. Built every time with ANSWER_CACHE off or while the cache cannot be reached.

    The versions are read before anything is built: a write committed while building bumps them,
    so what was built then is never taken for what follows the write."""
    version = known_versions(scope) if settings.ANSWER_CACHE else None
    if version is None:
        return build()
    # In the language of the request: what is built holds labels, dates and numbers in it.
    words = [version, timezone.localdate().isoformat(), translation.get_language(), str(scope), name, *map(str, parts)]
    key = "alliance:versioned:" + hashlib.sha256("|".join(words).encode()).hexdigest()
    value: T | None = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, settings.ANSWER_CACHE_SECONDS)
    return value


def _on_save(instance: Model, update_fields: frozenset[str] | None = None, **_: Any) -> None:
    data_changed(written_scope(instance, update_fields))


def _on_delete(instance: Model, **_: Any) -> None:
    data_changed(written_scope(instance))


def _on_m2m(action: str, **_: Any) -> None:
    # The links of reference data (endorsements, a discrepancy's sources): public.
    if action.startswith("post_"):
        data_changed(PUBLIC)


def watch(app_label: str) -> None:
    """Bump on every save and delete of the app's models (and changes of their many-to-many).

    Connected per model: a receiver for every sender would cost every other model Django's fast
    deletes (rows are loaded to be signalled when anything listens)."""
    for model in apps.get_app_config(app_label).get_models():
        post_save.connect(_on_save, sender=model, dispatch_uid=f"dataversion-save-{model._meta.label}")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"dataversion-delete-{model._meta.label}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _on_m2m, sender=through, dispatch_uid=f"dataversion-m2m-{model._meta.label}-{field.name}"
            )
