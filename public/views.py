"""The public site: what the Alliance has published, open to everyone without signing in.

Each page's data (public.pages) is cached under the publication stamp (one query: it changes when a
report is published, withdrawn or published again), the public data version (bumped by every write
that anyone can see: a membership recorded in the admin shows at once; a draft's autosave does not),
the day and the language (dataversion.cached). For anonymous visitors with no message waiting, who
all see the same page, the rendered page is cached too, under the same key parts; a signed-in visitor's page is rendered
for each request, since its header shows who they are.
Downloads are the published reports' own files, served by the reports app's file response.
"""

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from commitments import dataversion, permissions
from reports.downloads import report_file_response
from reports.selectors import published_reports

from . import pages, selectors
from .feeds import PublicationsFeed

T = TypeVar("T")

# The licence the Alliance's open data is offered under (a proposal: see docs/public.md).
# Translators: the licence's name as Creative Commons words it in your language (its legal code's title).
LICENCE_NAME = _("Creative Commons Attribution 4.0 International (CC BY 4.0)")
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def _cached(name: str, *parts: object, build: Callable[[], T], stamp: str | None = None) -> T:
    if not settings.ANSWER_CACHE:
        return build()
    stamp = stamp or selectors.publication_stamp()
    return dataversion.cached(f"public:{name}", stamp, *parts, build=build, scope=permissions.PUBLIC)


def _same_for_everyone(request: HttpRequest) -> bool:
    """Whether this visitor gets the page every anonymous visitor gets: not signed in (the header
    names whoever is) and no message waiting (shown once, to them only)."""
    return not request.user.is_authenticated and not len(messages.get_messages(request))


def _page(
    request: HttpRequest,
    template: str,
    name: str,
    *parts: object,
    build: Callable[[], object],
    key: str = "page",
    **context: object,
) -> HttpResponse:
    """The public page `template`, with the data `build` makes (cached) under `key`."""

    if not (settings.ANSWER_CACHE and _same_for_everyone(request)):
        return render(request, template, {key: _cached(name, *parts, build=build), **context})
    stamp = selectors.publication_stamp()  # once for both keys

    def html() -> str:
        data = _cached(name, *parts, build=build, stamp=stamp)
        return render_to_string(template, {key: data, **context}, request=request)

    return HttpResponse(_cached(f"{name}:html", *parts, build=html, stamp=stamp))


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    return _page(request, "public/dashboard.html", "dashboard", build=pages.dashboard, section="dashboard")


@require_safe
def world_map(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return _page(request, "public/map.html", "map", build=partial(pages.world, today=today), section="map")


@require_safe
def member(request: HttpRequest, iso_code: str) -> HttpResponse:
    code = iso_code.upper()
    return _page(request, "public/member.html", "member", code, build=partial(pages.member, iso_code=code))


@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    return _page(request, "public/reports.html", "reports", build=pages.report_list, key="reports", section="reports")


@require_safe
def report(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, "public/report.html", "report", pk, build=partial(pages.report, pk=pk))


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
    licence = {"licence_name": LICENCE_NAME, "licence_url": LICENCE_URL}
    return _page(
        request, "public/open_data.html", "open-data", build=pages.report_list, key="reports", section="data", **licence
    )


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
