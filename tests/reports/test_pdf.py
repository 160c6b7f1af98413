"""What keeps a long report's PDF linear (reports/pdf.py): pydyf's page references built once per
page count, the garbage collector paused for the layout and back afterwards. The figures are in
docs/performance.md and bench/results.md (`make bench`)."""

import gc
import subprocess
from pathlib import Path

import pydyf  # type: ignore[import-untyped]
import pytest

from reports.pdf import cache_page_references, collector_paused
from reports.render import render_pdf


def _pdf_with_pages(count: int) -> pydyf.PDF:
    pdf = pydyf.PDF()
    for _ in range(count):
        page = pydyf.Dictionary({"Type": "/Page", "Parent": pdf.pages.reference})
        pdf.add_page(page)
    return pdf


def test_page_references_are_built_once_per_page_count_and_stay_right() -> None:
    cache_page_references()
    cache_page_references()  # idempotent: not wrapped twice
    pdf = _pdf_with_pages(3)
    first = pdf.page_references
    assert pdf.page_references is first  # not rebuilt for every tagged element
    expected = tuple(f"{number} 0 R".encode("ascii") for number in pdf.pages["Kids"][::3])
    assert first == expected
    assert len(first) == 3
    pdf.add_page(pydyf.Dictionary({"Type": "/Page", "Parent": pdf.pages.reference}))
    assert len(pdf.page_references) == 4  # a page added: built again
    assert pdf.page_references[-1] == f"{pdf.pages['Kids'][-3]} 0 R".encode("ascii")
    other = _pdf_with_pages(1)
    assert len(other.page_references) == 1  # each PDF its own


def test_the_collector_is_paused_for_the_layout_and_back_afterwards() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a failed layout")
    assert gc.isenabled()  # back after a failure too
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_a_long_tagged_pdf_links_its_contents_to_the_right_pages(tmp_path: Path) -> None:
    """Sixty sections, each on its own page, reached from a contents page: the links and the
    tags that read the page references land on the right pages."""
    sections = "".join(
        f'<section style="break-before: page"><h2 id="s{number}">Section {number}</h2><p>Text {number}.</p></section>'
        for number in range(1, 61)
    )
    contents = "".join(f'<li><a href="#s{number}">Section {number}</a></li>' for number in range(1, 61))
    html = f'<!doctype html><html lang="en"><title>Long</title><body><ol>{contents}</ol>{sections}</body></html>'
    path = tmp_path / "long.pdf"
    path.write_bytes(render_pdf(html))
    assert gc.isenabled()
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info
    assert "Pages:           62" in info  # two pages of contents, then a page per section
    destinations = subprocess.run(["pdfinfo", "-dests", str(path)], capture_output=True, text=True, check=True)
    pages = {
        line.rsplit(None, 1)[-1].strip('"'): int(line.split()[0])
        for line in destinations.stdout.splitlines()[1:]
        if line.strip()
    }
    assert pages == {f"s{number}": number + 2 for number in range(1, 61)}
