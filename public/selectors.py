"""Reads for the public site: the reports the Alliance has published, and its members as recorded.

Progress comes from the published reports' own JSON files (the bytes whose SHA-256 the reports
page shows), never from the live tables: the public sees exactly what was published, and nothing
that was reported, accepted or changed since. Membership comes from the Membership rows and their
sources. Every read here runs a fixed number of queries, whatever the number of members, pledges
or cycles.
"""

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django.db.models import Count, Max
from django.http import Http404

from commitments.models import Conference, DateBasis, Membership, MembershipChange, MemberState
from commitments.models.wording import OFFICIAL_LANGUAGE, Wording
from commitments.selectors import member_states_on
from reports.models import CompiledReport, ReportFile
from reports.selectors import published_reports
from reports.storage import report_storage

from .labels import NO_PUBLICATION, NOT_IN_CYCLE

logger = logging.getLogger(__name__)

# The order the downloads are offered in.
FORMATS = ("pdf", "html", "xlsx", "csv", "json")
# The formats that make up the open data of a cycle.
OPEN_DATA_FORMATS = ("csv", "json")
# Parsed JSON of this many published files is kept per process (a file never changes once built).
PARSED_FILES_KEPT = 8


class PublishedFileChanged(Exception):
    """A published file's bytes no longer match the SHA-256 recorded when it was built."""


# --- Publications ---------------------------------------------------------------------------


def publication_stamp() -> str:
    """A value that changes whenever a report is published, withdrawn or published again: what
    the public pages are cached under, with the data version. One query."""
    row = CompiledReport.objects.filter(published_at__isnull=False).aggregate(
        count=Count("pk"), published=Max("published_at"), withdrawn=Max("withdrawn_at")
    )
    published = row["published"].isoformat() if row["published"] else "-"
    withdrawn = row["withdrawn"].isoformat() if row["withdrawn"] else "-"
    return f"{row['count']}|{published}|{withdrawn}"


@dataclass(frozen=True)
class Download:
    format: str
    size: int
    sha256: str
    name: str  # where the file is in the reports' storage


@dataclass(frozen=True)
class Publication:
    """A published report, as the public pages show it."""

    pk: int
    cycle_id: int
    cycle_name: str
    period_start: date
    period_end: date
    due_on: date
    published_at: datetime
    downloads: tuple[Download, ...]

    def download(self, fmt: str) -> Download | None:
        return next((entry for entry in self.downloads if entry.format == fmt), None)

    @property
    def open_data(self) -> tuple[Download, ...]:
        return tuple(entry for entry in self.downloads if entry.format in OPEN_DATA_FORMATS)


def publications() -> list[Publication]:
    """The reports published and not withdrawn, latest cycle first, with their files. Two queries."""
    reports = list(published_reports())
    files: dict[int, list[ReportFile]] = defaultdict(list)
    for entry in ReportFile.objects.filter(report_id__in={report.built.pk for report in reports}).order_by("pk"):
        files[entry.report_id].append(entry)
    found = []
    for report in reports:
        built = files[report.built.pk] if report.built.status == CompiledReport.Status.DONE else []
        by_format = {entry.format: entry for entry in built}
        assert report.published_at is not None  # published_reports() has only published ones
        found.append(
            Publication(
                pk=report.pk,
                cycle_id=report.cycle_id,
                cycle_name=report.cycle.name,
                period_start=report.cycle.period_start,
                period_end=report.cycle.period_end,
                due_on=report.cycle.due_on,
                published_at=report.published_at,
                downloads=tuple(
                    Download(fmt, by_format[fmt].size, by_format[fmt].sha256, by_format[fmt].file.name)
                    for fmt in FORMATS
                    if fmt in by_format
                ),
            )
        )
    return found


def publication(*, pk: int) -> Publication:
    """One published report, or 404 (a draft, a secretariat edition or a withdrawn one)."""
    found = next((item for item in publications() if item.pk == pk), None)
    if found is None:
        raise Http404("No such published report.")
    return found


def published_data(item: Publication) -> dict[str, Any] | None:
    """The content of a published report, as its JSON file holds it (None if it has none).

    Shared by the callers of this process: read it, never change it."""
    entry = item.download("json")
    return None if entry is None else _read_json(entry.name, entry.sha256)


@lru_cache(maxsize=PARSED_FILES_KEPT)
def _read_json(name: str, sha256: str) -> dict[str, Any]:
    with report_storage().open(name, "rb") as handle:
        content = handle.read()
    if hashlib.sha256(content).hexdigest() != sha256:
        logger.error("Published report file %s does not match its SHA-256 %s", name, sha256)
        raise PublishedFileChanged(name)
    data: dict[str, Any] = json.loads(content)
    return data


def published_wording(entry: dict[str, Any], field: str, default: str = "") -> Wording:
    """A reference text of a published report (a target's title, a goal's text) as the report
    words it: in the report's language, an unofficial translation or the official English wording
    (a report built before the language was recorded: the official English). No query."""
    text = str(entry.get(field, default))
    official = bool(entry.get(f"{field}_official", True))
    return Wording(
        text=text,
        language=str(entry.get(f"{field}_language") or OFFICIAL_LANGUAGE),
        official=official,
        official_text=text if official else "",
    )


# --- Members over time ----------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """A source as the pages cite it: its title and publisher are quoted as the source has them,
    in English; an inferred title is flagged in the reader's language."""

    title: str
    publisher: str
    published_on: date | None
    title_inferred: bool = False


@dataclass(frozen=True)
class MembershipStep:
    """A day on which the Alliance's membership changed, as the sources record it."""

    day: date
    basis: str  # a DateBasis value: how the day is known (the least certain of the day's records)
    basis_label: str
    members: int  # after the day's changes
    joined: tuple[str, ...]
    left: tuple[str, ...]
    conference: str | None  # the ministerial conference held that day, with its city
    sources: tuple[Citation, ...]


def _joined_source(period: Membership) -> Citation:
    source = period.source
    return Citation(source.title, source.publisher, source.published_on, source.title_inferred)


def _left_source(period: Membership) -> Citation:
    """The source of a departure: the change the secretariat recorded with it, where there is one."""
    change: MembershipChange | None = getattr(period, "end", None)
    if change is None:
        return _joined_source(period)
    return Citation(change.source_reference or change.source_url, "", change.source_published_on)


# From the most to the least certain: a day's step says the least certain of its records.
_BASIS_ORDER = [basis.value for basis in DateBasis]


def members_over_time() -> list[MembershipStep]:
    """Each day the membership changed, with the count after it and the sources (of a departure, the
    change recorded with it). Two queries."""
    joins: dict[date, list[Membership]] = defaultdict(list)
    leaves: dict[date, list[Membership]] = defaultdict(list)
    periods = Membership.objects.select_related("member_state", "source", "end").order_by("joined_on", "pk")
    for period in periods:
        joins[period.joined_on].append(period)
        if period.left_on is not None:
            leaves[period.left_on].append(period)
    conferences = {c.held_on: f"{c.name}, {c.city}" for c in Conference.objects.order_by("held_on")}
    steps = []
    members = 0
    for day in sorted(set(joins) | set(leaves)):
        joined, left = joins.get(day, []), leaves.get(day, [])
        members += len(joined) - len(left)
        basis = max((period.joined_on_basis for period in joined), key=_BASIS_ORDER.index, default="exact")
        sources = {
            (source.title, source.publisher, source.published_on, source.title_inferred): source
            for source in [*(_joined_source(period) for period in joined), *(_left_source(period) for period in left)]
        }
        steps.append(
            MembershipStep(
                day=day,
                basis=basis,
                basis_label=str(DateBasis(basis).label),
                members=members,
                joined=tuple(sorted(p.member_state.name for p in joined)),
                left=tuple(sorted(p.member_state.name for p in left)),
                conference=conferences.get(day),
                sources=tuple(sorted(sources.values(), key=lambda c: (c.published_on or date.min, c.title))),
            )
        )
    return steps


# --- The map --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberStanding:
    iso_code: str
    name: str
    state: str  # a key of labels.REPORT_STATES
    late: bool


def member_standings(*, latest: Publication | None, today: date) -> list[MemberStanding]:
    """The members of the Alliance today (as recorded) and those of the latest published cycle,
    each with where its report stands in that cycle, by name. One query and the report's file."""
    data = published_data(latest) if latest is not None else None
    in_cycle = {member["iso_code"]: member for member in (data or {}).get("members", [])}
    current = dict(member_states_on(day=today).values_list("iso_code", "name"))
    standings = []
    for code in set(current) | set(in_cycle):
        member = in_cycle.get(code)
        if member is not None:
            state, late = member["submission"], bool(member["late"])
        else:
            state, late = (NOT_IN_CYCLE if latest is not None else NO_PUBLICATION), False
        name = current.get(code) or (member["name"] if member is not None else code)
        standings.append(MemberStanding(code, name, state, late))
    return sorted(standings, key=lambda s: (s.name, s.iso_code))


# --- A member's page ------------------------------------------------------------------------


def member_state(*, iso_code: str) -> MemberState:
    member = MemberState.objects.filter(iso_code=iso_code.upper()).first()
    if member is None:
        raise Http404("No such member state.")
    return member


def member_in(data: dict[str, Any] | None, iso_code: str) -> dict[str, Any] | None:
    """A member's part of a published report's data (None if it was not a member then)."""
    if data is None:
        return None
    return next((member for member in data["members"] if member["iso_code"] == iso_code), None)
