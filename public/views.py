"""The public site: what the Alliance has published, open to everyone without signing in.

Each page's data (public.pages) is cached under the publication stamp (one query: it changes when a
report is published, withdrawn or published again), the public data version (bumped by every write
that anyone can see: a membership recorded in the admin shows at once; a draft's autosave does not),
the day and the language.
The page itself is rendered for each request, since its header depends on who is signed in.
Downloads are the published reports' own files, served by the reports app's file response.
"""

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from commitments import dataversion, permissions
from reports.downloads import report_file_response
from reports.selectors import published_reports

from . import pages, selectors
from .feeds import PublicationsFeed

T = TypeVar("T")

# The licence the Alliance's open data is offered under (a proposal: see docs/public.md).
LICENCE_NAME = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def _cached(name: str, *parts: object, build: Callable[[], T]) -> T:
    if not settings.ANSWER_CACHE:
        return build()
    stamp = selectors.publication_stamp()
    return dataversion.cached(f"public:{name}", stamp, get_language(), *parts, build=build, scope=permissions.PUBLIC)


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    page = _cached("dashboard", build=pages.dashboard)
    return render(request, "public/dashboard.html", {"page": page, "section": "dashboard"})


@require_safe
def world_map(request: HttpRequest) -> HttpResponse:
    page = _cached("map", build=partial(pages.world, today=timezone.localdate()))
    return render(request, "public/map.html", {"page": page, "section": "map"})


@require_safe
def member(request: HttpRequest, iso_code: str) -> HttpResponse:
    code = iso_code.upper()
    page = _cached("member", code, build=partial(pages.member, iso_code=code))
    return render(request, "public/member.html", {"page": page})


@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    reports = _cached("reports", build=pages.report_list)
    return render(request, "public/reports.html", {"reports": reports, "section": "reports"})


@require_safe
def report(request: HttpRequest, pk: int) -> HttpResponse:
    page = _cached("report", pk, build=partial(pages.report, pk=pk))
    return render(request, "public/report.html", {"page": page})


def _with_licence(response: FileResponse) -> FileResponse:
    response["Link"] = f'<{LICENCE_URL}>; rel="license"'
    return response


@require_safe
def report_file(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    """A format of a published report: the HTML shown in the browser, the others downloaded."""
    found = published_reports().filter(pk=pk).first()
    if found is None:
        raise Http404("No such published report.")
    return _with_licence(report_file_response(found, fmt, inline=fmt == "html"))


@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    reports = _cached("reports", build=pages.report_list)
    context = {"reports": reports, "licence_name": LICENCE_NAME, "licence_url": LICENCE_URL, "section": "data"}
    return render(request, "public/open_data.html", context)


@require_safe
def open_data_file(request: HttpRequest, cycle_id: int, fmt: str) -> FileResponse:
    """The open data of a cycle (its published report's CSV or JSON), at an address that stays the
    same when the cycle's report is withdrawn and another published."""
    if fmt not in selectors.OPEN_DATA_FORMATS:
        raise Http404("Open data is CSV or JSON.")
    found = published_reports().filter(cycle_id=cycle_id).first()
    if found is None:
        raise Http404("No report of this cycle is published.")
    return _with_licence(report_file_response(found, fmt))


@require_safe
def feed(request: HttpRequest) -> HttpResponse:
    """The Atom feed, cached as bytes (it holds absolute addresses: cached per host and scheme)."""
    where = f"{request.scheme}://{request.get_host()}"

    def build() -> tuple[bytes, str]:
        response = PublicationsFeed()(request)
        return response.content, response["Content-Type"]

    content, content_type = _cached("feed", where, build=build)
    return HttpResponse(content, content_type=content_type)
