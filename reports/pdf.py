"""What keeps a long report's PDF linear: the cost of a page must not grow with the document.

Measured on a report of 1,080 members (1,942 pages) against one of 54 (122 pages), with 16 times
the pages: the layout took 16.6 times as long with the cyclic garbage collector paused and about
a hundred times as long with it running; the PDF's writing 50 times as long, two thirds of it in
pydyf's `PDF.page_references`, which WeasyPrint's PDF/UA tagging reads for every tagged element and
which builds the tuple of every page's reference each time it is read. docs/performance.md has the
figures.
"""

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_CACHE_ATTRIBUTE = "_page_references_by_count"


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a PDF is laid out and written.

    The layout holds millions of objects alive until the PDF is written; each pass of the collector
    goes over all of them and finds nothing to free, so with the collector running a page costs
    more the longer the document. Reference counting still frees what it can meanwhile; the
    cycles left are collected once, at the end. The collector is the process's: a compile runs
    alone in its worker process."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()


def cache_page_references() -> None:
    """Make pydyf's `PDF.page_references` build its tuple once per number of pages (idempotent).

    Pages are only ever appended to a PDF's `Kids` (three items each), so the tuple made for a
    count stays right until the count changes. Nothing is done if pydyf no longer has the
    property as a plain property (a later pydyf that changed it is left alone)."""
    import pydyf  # type: ignore[import-untyped]

    original = pydyf.PDF.__dict__.get("page_references")
    if not isinstance(original, property) or original.fget is None or getattr(original.fget, "cached", False):
        return
    build: Callable[[Any], tuple[bytes, ...]] = original.fget

    def page_references(pdf: Any) -> tuple[bytes, ...]:
        count = len(pdf.pages["Kids"])
        cached: tuple[int, tuple[bytes, ...]] | None = pdf.__dict__.get(_CACHE_ATTRIBUTE)
        if cached is None or cached[0] != count:
            cached = (count, build(pdf))
            pdf.__dict__[_CACHE_ATTRIBUTE] = cached
        return cached[1]

    page_references.cached = True  # type: ignore[attr-defined]
    pydyf.PDF.page_references = property(page_references, doc=original.__doc__)
