"""Every API endpoint, method and role, against data where visibility makes a difference.

The data: France's draft (two updates, and a pledge of this cycle with no update yet), Germany's
accepted submission with one public, one members-level and one secretariat-only update, a German
pledge made before the tracker with no update, a second open cycle nobody has started, and five
compiled reports (public and done but a draft, secretariat edition, public but still queued, a
published public edition, and a final public edition not yet published).

The table MATRIX says, for each request and each role, the expected status and, for reads, the
rows the role sees (named as in `World`). Every route of `alliance.api_router` must appear in the
table, so a new endpoint cannot be silently left out. Refused writes must leave the workflow
tables exactly as they were; allowed writes must change them.

A write on an existing versioned object (a progress update, a submission's submit, accept or
return) is made as a careful client makes it: read the object first and send its ETag in
If-Match, when the role may read it. The same write without If-Match is 428, changing nothing.
"""

import csv
import io
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from accounts.models import User
from alliance import api_router
from commitments import selectors, services
from commitments.models import (
    Commitment,
    Declaration,
    HistoryEntry,
    Milestone,
    PolicyTarget,
    ProgressUpdate,
    ReportingCycle,
    ReviewComment,
    Submission,
    SubmissionSnapshot,
)
from reports.models import CompiledReport
from tests.api.conftest import key_for
from tests.factories import CommitmentFactory, ReportingCycleFactory

# --- Roles ---------------------------------------------------------------------------------

ANON = "anonymous"
READ_ONLY = "read-only-key"  # issued to the reviewer: reads published data only
FR = "contact-FR"  # contact of member A
DE = "contact-DE"  # contact of member B
REVIEWER = "reviewer"
ADMIN = "admin"
ROLES = (ANON, READ_ONLY, FR, DE, REVIEWER, ADMIN)

# --- The data --------------------------------------------------------------------------------


@dataclass
class World:
    """Named objects (`s_` submissions, `c_` commitments, `u_` updates, `r_` reports, plus cycles
    and a declaration key) and the Authorization header of each role."""

    ids: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def name(self, kind: str, pk: int) -> str:
        """The name of a row of a response; rows the data does not name show as e.g. `s#42`."""
        for name, value in self.ids.items():
            if name.startswith(f"{kind}_") and value == pk:
                return name
        return f"{kind}#{pk}"

    def fill(self, template: str) -> str:
        return template.format(**self.ids)

    def resolve_body(self, body: Any) -> Any:
        """Placeholders `"{name}"` in a body become the named object's id."""
        if isinstance(body, dict):
            return {key: self.resolve_body(value) for key, value in body.items()}
        if isinstance(body, list):
            return [self.resolve_body(value) for value in body]
        if isinstance(body, str) and (match := re.fullmatch(r"\{(\w+)\}", body)):
            return self.ids[match.group(1)]
        return body


def _save_update(submission: Submission, commitment: Commitment, actor: User, confidentiality: str) -> ProgressUpdate:
    return services.progress_update_save(
        submission=submission,
        commitment=commitment,
        actor=actor,
        values={
            "status": "on_track",
            "completion_percent": 40,
            "narrative": f"Progress ({confidentiality}).",
            "confidentiality": confidentiality,
        },
        milestones=[services.MilestoneData(due_on=timezone.localdate(), title="First step")],
        expected_version=0,
    )


@pytest.fixture
def world(
    contact: User,
    foreign_contact: User,
    reviewer: User,
    secretariat_admin: User,
    cycle: ReportingCycle,
    french_commitments: list[Commitment],
    draft: Submission,
) -> World:
    today = timezone.localdate()
    target = PolicyTarget.objects.get(code="prosecution")
    france, germany = contact.member_state, foreign_contact.member_state
    assert france is not None
    assert germany is not None

    # France: a draft with two updates; a pledge of this cycle, unpublished, with no update yet.
    c_fr1, c_fr2 = french_commitments
    c_fr3 = services.commitment_pledge(
        member_state=france, cycle=cycle, actor=contact, values={"target": target, "title": "Train prosecutors"}
    )
    u_fr1 = _save_update(draft, c_fr1, contact, "public")
    u_fr2 = _save_update(draft, c_fr2, contact, "members")

    # Germany: three pledges of this cycle, reported at each confidentiality, accepted.
    de_sub = services.submission_start(member_state=germany, cycle=cycle, actor=foreign_contact)
    pledges = {
        level: services.commitment_pledge(
            member_state=germany, cycle=cycle, actor=foreign_contact, values={"target": target, "title": f"DE {level}"}
        )
        for level in ("public", "members", "secretariat")
    }
    updates = {level: _save_update(de_sub, c, foreign_contact, level) for level, c in pledges.items()}
    services.submission_submit(submission=de_sub, actor=foreign_contact)
    de_sub.refresh_from_db()
    services.submission_accept(submission=de_sub, actor=reviewer, seen_version=de_sub.version)
    # A German pledge from before the tracker, never reported on.
    c_de_new = CommitmentFactory.create(member_state=germany, target=target, title="DE older pledge")

    # A second open cycle in which no one has started a submission.
    cycle2 = ReportingCycleFactory.create(
        name="Second open cycle (test)",
        period_start=today - timedelta(days=100),
        period_end=today + timedelta(days=90),
        opens_on=today - timedelta(days=10),
        due_on=today + timedelta(days=90),
    )
    done = {"status": CompiledReport.Status.DONE, "progress": 100, "finished_at": timezone.now()}
    r_public = CompiledReport.objects.create(cycle=cycle, edition=CompiledReport.Edition.PUBLIC, **done)
    r_secretariat = CompiledReport.objects.create(cycle=cycle, edition=CompiledReport.Edition.SECRETARIAT, **done)
    r_queued = CompiledReport.objects.create(cycle=cycle, edition=CompiledReport.Edition.PUBLIC)
    final = {**done, "edition": CompiledReport.Edition.PUBLIC, "is_final": True}
    r_published = CompiledReport.objects.create(
        cycle=cycle, **final, published_at=timezone.now(), published_by=secretariat_admin
    )
    r_final = CompiledReport.objects.create(cycle=cycle, **final)

    result = World()
    result.ids = {
        "cycle": cycle.pk,
        "cycle2": cycle2.pk,
        "declaration": Declaration.objects.order_by("adopted_on").values_list("key", flat=True).first(),
        "s_fr": draft.pk,
        "s_de": de_sub.pk,
        "c_fr1": c_fr1.pk,
        "c_fr2": c_fr2.pk,
        "c_fr3": c_fr3.pk,
        "c_de_pub": pledges["public"].pk,
        "c_de_mem": pledges["members"].pk,
        "c_de_sec": pledges["secretariat"].pk,
        "c_de_new": c_de_new.pk,
        "u_fr1": u_fr1.pk,
        "u_fr2": u_fr2.pk,
        "u_de_pub": updates["public"].pk,
        "u_de_mem": updates["members"].pk,
        "u_de_sec": updates["secretariat"].pk,
        "r_public": r_public.pk,
        "r_secretariat": r_secretariat.pk,
        "r_queued": r_queued.pk,
        "r_published": r_published.pk,
        "r_final": r_final.pk,
    }
    result.users = {FR: contact, DE: foreign_contact, REVIEWER: reviewer, ADMIN: secretariat_admin}
    keys = {
        READ_ONLY: key_for(reviewer, read_only=True, name="matrix"),
        FR: key_for(contact, name="matrix"),
        DE: key_for(foreign_contact, name="matrix"),
        REVIEWER: key_for(reviewer, name="matrix"),
        ADMIN: key_for(secretariat_admin, name="matrix"),
    }
    result.headers = {ANON: {}, **{role: {"authorization": f"Token {key}"} for role, key in keys.items()}}
    # The sanity of the data the table relies on.
    assert not Commitment.objects.exclude(pk__in=[v for k, v in result.ids.items() if k.startswith("c_")]).exists()
    assert Submission.objects.count() == 2
    return result


# Preparations some writes need (run as the data's own people, before the snapshot).


def _complete_french_draft(world: World) -> None:
    submission = Submission.objects.get(pk=world.ids["s_fr"])
    commitment = Commitment.objects.get(pk=world.ids["c_fr3"])
    _save_update(submission, commitment, world.users[FR], "members")


def _submit_french_draft(world: World) -> None:
    _complete_french_draft(world)
    services.submission_submit(submission=Submission.objects.get(pk=world.ids["s_fr"]), actor=world.users[FR])


PREPARE: dict[str, Callable[[World], None]] = {
    "french draft complete": _complete_french_draft,
    "french draft submitted": _submit_french_draft,
}

# --- What a response shows -------------------------------------------------------------------


def _rows(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, dict) and "results" in payload:
        return list(payload["results"])
    return list(payload) if isinstance(payload, list) else [payload]


def _with_updates(kind: str) -> Callable[[Any, World], set[str]]:
    """Rows of `kind` (list, page or single object) and the updates nested in them."""

    def shown(response: Any, world: World) -> set[str]:
        names = set()
        for row in _rows(response.json()):
            names.add(world.name(kind, row["id"]))
            names |= {world.name("u", u["id"]) for u in row.get("updates", [])}
        return names

    return shown


def _member_detail(response: Any, world: World) -> set[str]:
    data = response.json()
    names = set()
    for kind, key in (("c", "commitments"), ("s", "submissions")):
        for row in data[key]:
            names.add(world.name(kind, row["id"]))
            names |= {world.name("u", u["id"]) for u in row["updates"]}
    return names


def _member_totals(response: Any, world: World) -> set[str]:
    """How many commitments of France and Germany the member list counts for the client."""
    return {
        f"{row['iso_code']}:{row['status']['commitments']['total']}"
        for row in response.json()["results"]
        if row["iso_code"] in ("FR", "DE")
    }


def _member_codes(response: Any, world: World) -> set[str]:
    return {row["iso_code"] for row in response.json()["results"]}


def _csv_totals(response: Any, world: World) -> set[str]:
    rows = csv.DictReader(io.StringIO(response.content.decode()))
    return {f"{row['iso_code']}:{row['commitments']}" for row in rows if row["iso_code"] in ("FR", "DE")}


# What a page's `count` counts among the rows shown: names starting with this (None: members).
COUNTED = {"submissions": "s_", "commitments": "c_", "reports": "r_", "member codes": "", "member totals": None}

SHOWN: dict[str, Callable[[Any, World], set[str]]] = {
    "submissions": _with_updates("s"),
    "commitments": _with_updates("c"),
    "updates": _with_updates("u"),
    "reports": _with_updates("r"),
    "member": _member_detail,
    "member totals": _member_totals,
    "member codes": _member_codes,
    "csv totals": _csv_totals,
}

# --- The table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    route: str  # the URL name in alliance.api_router
    method: str
    path: str  # with {names} of World
    body: Any = None  # JSON, with "{name}" placeholders for ids
    shown: str | None = None  # which SHOWN function names the rows of a read
    prepare: str | None = None  # a PREPARE step run before the request
    csv: bool = False
    # A write on an existing versioned object: the path the client reads first, sending the ETag
    # it got (if it may read it) in If-Match, as every such write must (428 without).
    if_match: str | None = None


# An expectation: a status (or set of statuses), or for a read (status, the rows shown).
Expected = int | frozenset[int] | tuple[int, frozenset[str]]


def rows(*names: str) -> frozenset[str]:
    return frozenset(names)


def same_for_all(expected: Expected) -> dict[str, Expected]:
    return dict.fromkeys(ROLES, expected)


# Rows of Germany's accepted submission each role sees, and France's draft.
DE_PUBLIC = rows("s_de", "u_de_pub")
DE_MEMBERS = DE_PUBLIC | {"u_de_mem"}
DE_ALL = DE_MEMBERS | {"u_de_sec"}
FR_DRAFT = rows("s_fr", "u_fr1", "u_fr2")
DE_PLEDGES = rows("c_de_pub", "c_de_mem", "c_de_sec", "c_de_new")
FR_PUBLISHED_PLEDGES = rows("c_fr1", "c_fr2")
FR_ALL_PLEDGES = FR_PUBLISHED_PLEDGES | {"c_fr3", "u_fr1", "u_fr2"}

# Pledges with an update in the cycle, with those updates, as the secretariat sees them.
REPORTED_IN_CYCLE = FR_PUBLISHED_PLEDGES | {"u_fr1", "u_fr2"} | (DE_PLEDGES - {"c_de_new"}) | (DE_ALL - {"s_de"})

# Writes: anonymous clients must authenticate (401), read-only keys are refused (403).
REFUSED_WRITER: dict[str, Expected] = {ANON: 401, READ_ONLY: 403}
# A write France's contact may do on France's draft; Germany's contact may not even see it.
FRENCH_EDIT: dict[str, Expected] = {**REFUSED_WRITER, FR: 200, DE: 404, REVIEWER: 403, ADMIN: 403}
# A review decision on France's submitted report.
REVIEW_FRENCH: dict[str, Expected] = {**REFUSED_WRITER, FR: 403, DE: 404, REVIEWER: 200, ADMIN: 200}
# Any change of Germany's accepted submission: visible to all, changeable by none.
CHANGE_GERMAN: dict[str, Expected] = {**REFUSED_WRITER, FR: 403, DE: 409, REVIEWER: 403, ADMIN: 403}
REVIEW_GERMAN: dict[str, Expected] = {**REFUSED_WRITER, FR: 403, DE: 403, REVIEWER: 409, ADMIN: 409}
NOT_A_METHOD: dict[str, Expected] = {**REFUSED_WRITER, FR: 405, DE: 405, REVIEWER: 405, ADMIN: 405}

UPDATE_BODY = {"status": "delayed", "completion_percent": 20, "narrative": "Slower than planned.", "milestones": []}

V1 = "/api/v1"
MATRIX: dict[str, tuple[Call, dict[str, Expected]]] = {
    # Members: the same rows for all, but commitment totals count only the visible pledges.
    "members list": (
        Call("member-list", "GET", f"{V1}/members/?page_size=500", shown="member totals"),
        {
            ANON: (200, rows("FR:2", "DE:4")),
            READ_ONLY: (200, rows("FR:2", "DE:4")),
            FR: (200, rows("FR:3", "DE:4")),
            DE: (200, rows("FR:2", "DE:4")),
            REVIEWER: (200, rows("FR:3", "DE:4")),
            ADMIN: (200, rows("FR:3", "DE:4")),
        },
    ),
    "members csv": (
        Call("members-csv", "GET", f"{V1}/members.csv", shown="csv totals", csv=True),
        {
            ANON: (200, rows("FR:2", "DE:4")),
            READ_ONLY: (200, rows("FR:2", "DE:4")),
            FR: (200, rows("FR:3", "DE:4")),
            DE: (200, rows("FR:2", "DE:4")),
            REVIEWER: (200, rows("FR:3", "DE:4")),
            ADMIN: (200, rows("FR:3", "DE:4")),
        },
    ),
    "members filtered by target": (
        Call("member-list", "GET", f"{V1}/members/?target=prosecution", shown="member codes"),
        {
            ANON: (200, rows("DE")),
            READ_ONLY: (200, rows("DE")),
            FR: (200, rows("FR", "DE")),
            DE: (200, rows("DE")),
            REVIEWER: (200, rows("FR", "DE")),
            ADMIN: (200, rows("FR", "DE")),
        },
    ),
    "member detail FR": (
        Call("member-detail", "GET", f"{V1}/members/FR/", shown="member"),
        {
            ANON: (200, FR_PUBLISHED_PLEDGES),
            READ_ONLY: (200, FR_PUBLISHED_PLEDGES),
            FR: (200, FR_ALL_PLEDGES | FR_DRAFT),
            DE: (200, FR_PUBLISHED_PLEDGES),
            REVIEWER: (200, FR_ALL_PLEDGES | FR_DRAFT),
            ADMIN: (200, FR_ALL_PLEDGES | FR_DRAFT),
        },
    ),
    "member detail DE": (
        Call("member-detail", "GET", f"{V1}/members/de/", shown="member"),
        {
            ANON: (200, DE_PLEDGES | DE_PUBLIC),
            READ_ONLY: (200, DE_PLEDGES | DE_PUBLIC),
            FR: (200, DE_PLEDGES | DE_MEMBERS),
            DE: (200, DE_PLEDGES | DE_ALL),
            REVIEWER: (200, DE_PLEDGES | DE_ALL),
            ADMIN: (200, DE_PLEDGES | DE_ALL),
        },
    ),
    "member detail unknown": (Call("member-detail", "GET", f"{V1}/members/ZZ/"), same_for_all(404)),
    # Reference data: public.
    "targets list": (Call("target-list", "GET", f"{V1}/targets/"), same_for_all(200)),
    "target detail": (Call("target-detail", "GET", f"{V1}/targets/victims/"), same_for_all(200)),
    "goals list": (Call("goal-list", "GET", f"{V1}/goals/"), same_for_all(200)),
    "goal detail": (Call("goal-detail", "GET", f"{V1}/goals/icse-identified-victims/"), same_for_all(200)),
    "declarations list": (Call("declaration-list", "GET", f"{V1}/declarations/"), same_for_all(200)),
    "declaration detail": (Call("declaration-detail", "GET", f"{V1}/declarations/{{declaration}}/"), same_for_all(200)),
    "cycles list": (Call("cycle-list", "GET", f"{V1}/cycles/"), same_for_all(200)),
    "cycle detail": (Call("cycle-detail", "GET", f"{V1}/cycles/{{cycle}}/"), same_for_all(200)),
    # Commitments: pledges before the tracker and of accepted cycles are published.
    "commitments list": (
        Call("commitment-list", "GET", f"{V1}/commitments/?page_size=500", shown="commitments"),
        {
            ANON: (200, FR_PUBLISHED_PLEDGES | DE_PLEDGES | {"u_de_pub"}),
            READ_ONLY: (200, FR_PUBLISHED_PLEDGES | DE_PLEDGES | {"u_de_pub"}),
            FR: (200, FR_ALL_PLEDGES | DE_PLEDGES | {"u_de_pub", "u_de_mem"}),
            DE: (200, FR_PUBLISHED_PLEDGES | DE_PLEDGES | {"u_de_pub", "u_de_mem", "u_de_sec"}),
            REVIEWER: (200, FR_ALL_PLEDGES | DE_PLEDGES | {"u_de_pub", "u_de_mem", "u_de_sec"}),
            ADMIN: (200, FR_ALL_PLEDGES | DE_PLEDGES | {"u_de_pub", "u_de_mem", "u_de_sec"}),
        },
    ),
    "commitments reported in the cycle": (
        Call("commitment-list", "GET", f"{V1}/commitments/?cycle={{cycle}}", shown="commitments"),
        {
            ANON: (200, rows("c_de_pub", "u_de_pub")),
            READ_ONLY: (200, rows("c_de_pub", "u_de_pub")),
            FR: (200, FR_PUBLISHED_PLEDGES | {"u_fr1", "u_fr2", "c_de_pub", "u_de_pub", "c_de_mem", "u_de_mem"}),
            DE: (200, (DE_PLEDGES - {"c_de_new"}) | {"u_de_pub", "u_de_mem", "u_de_sec"}),
            REVIEWER: (200, REPORTED_IN_CYCLE),
            ADMIN: (200, REPORTED_IN_CYCLE),
        },
    ),
    "commitment detail FR unpublished": (
        Call("commitment-detail", "GET", f"{V1}/commitments/{{c_fr3}}/", shown="commitments"),
        {
            ANON: 404,
            READ_ONLY: 404,
            FR: (200, rows("c_fr3")),
            DE: 404,
            REVIEWER: (200, rows("c_fr3")),
            ADMIN: (200, rows("c_fr3")),
        },
    ),
    "commitment detail FR published, draft update": (
        Call("commitment-detail", "GET", f"{V1}/commitments/{{c_fr1}}/", shown="commitments"),
        {
            ANON: (200, rows("c_fr1")),
            READ_ONLY: (200, rows("c_fr1")),
            FR: (200, rows("c_fr1", "u_fr1")),
            DE: (200, rows("c_fr1")),
            REVIEWER: (200, rows("c_fr1", "u_fr1")),
            ADMIN: (200, rows("c_fr1", "u_fr1")),
        },
    ),
    "commitment detail DE secretariat update": (
        Call("commitment-detail", "GET", f"{V1}/commitments/{{c_de_sec}}/", shown="commitments"),
        {
            ANON: (200, rows("c_de_sec")),
            READ_ONLY: (200, rows("c_de_sec")),
            FR: (200, rows("c_de_sec")),
            DE: (200, rows("c_de_sec", "u_de_sec")),
            REVIEWER: (200, rows("c_de_sec", "u_de_sec")),
            ADMIN: (200, rows("c_de_sec", "u_de_sec")),
        },
    ),
    "commitment write": (Call("commitment-list", "POST", f"{V1}/commitments/", body={"title": "x"}), NOT_A_METHOD),
    # Submissions.
    "submissions list": (
        Call("submission-list", "GET", f"{V1}/submissions/?page_size=500", shown="submissions"),
        {
            ANON: (200, DE_PUBLIC),
            READ_ONLY: (200, DE_PUBLIC),
            FR: (200, FR_DRAFT | DE_MEMBERS),
            DE: (200, DE_ALL),
            REVIEWER: (200, FR_DRAFT | DE_ALL),
            ADMIN: (200, FR_DRAFT | DE_ALL),
        },
    ),
    "submissions of France": (
        Call("submission-list", "GET", f"{V1}/submissions/?member=fr", shown="submissions"),
        {
            ANON: (200, rows()),
            READ_ONLY: (200, rows()),
            FR: (200, FR_DRAFT),
            DE: (200, rows()),
            REVIEWER: (200, FR_DRAFT),
            ADMIN: (200, FR_DRAFT),
        },
    ),
    "submission detail FR draft": (
        Call("submission-detail", "GET", f"{V1}/submissions/{{s_fr}}/", shown="submissions"),
        {ANON: 404, READ_ONLY: 404, FR: (200, FR_DRAFT), DE: 404, REVIEWER: (200, FR_DRAFT), ADMIN: (200, FR_DRAFT)},
    ),
    "submission detail DE accepted": (
        Call("submission-detail", "GET", f"{V1}/submissions/{{s_de}}/", shown="submissions"),
        {
            ANON: (200, DE_PUBLIC),
            READ_ONLY: (200, DE_PUBLIC),
            FR: (200, DE_MEMBERS),
            DE: (200, DE_ALL),
            REVIEWER: (200, DE_ALL),
            ADMIN: (200, DE_ALL),
        },
    ),
    "submission detail unknown": (Call("submission-detail", "GET", f"{V1}/submissions/999999/"), same_for_all(404)),
    "submission delete": (Call("submission-detail", "DELETE", f"{V1}/submissions/{{s_fr}}/"), NOT_A_METHOD),
    "submission create": (
        Call("submission-list", "POST", f"{V1}/submissions/", body={"cycle": "{cycle2}"}),
        {**REFUSED_WRITER, FR: 201, DE: 201, REVIEWER: 403, ADMIN: 403},
    ),
    # Updates of a submission.
    "updates of FR draft": (
        Call("submission-updates", "GET", f"{V1}/submissions/{{s_fr}}/updates/", shown="updates"),
        {
            ANON: 404,
            READ_ONLY: 404,
            FR: (200, rows("u_fr1", "u_fr2")),
            DE: 404,
            REVIEWER: (200, rows("u_fr1", "u_fr2")),
            ADMIN: (200, rows("u_fr1", "u_fr2")),
        },
    ),
    "updates of DE accepted": (
        Call("submission-updates", "GET", f"{V1}/submissions/{{s_de}}/updates/", shown="updates"),
        {
            ANON: (200, rows("u_de_pub")),
            READ_ONLY: (200, rows("u_de_pub")),
            FR: (200, rows("u_de_pub", "u_de_mem")),
            DE: (200, rows("u_de_pub", "u_de_mem", "u_de_sec")),
            REVIEWER: (200, rows("u_de_pub", "u_de_mem", "u_de_sec")),
            ADMIN: (200, rows("u_de_pub", "u_de_mem", "u_de_sec")),
        },
    ),
    "add update to FR draft": (
        Call(
            "submission-updates",
            "POST",
            f"{V1}/submissions/{{s_fr}}/updates/",
            body={"commitment": "{c_fr3}", **UPDATE_BODY},
        ),
        {**FRENCH_EDIT, FR: 201},
    ),
    "add update to DE accepted": (
        Call(
            "submission-updates",
            "POST",
            f"{V1}/submissions/{{s_de}}/updates/",
            body={"commitment": "{c_de_new}", **UPDATE_BODY},
        ),
        CHANGE_GERMAN,
    ),
    "update of FR draft": (
        Call("submission-update-detail", "GET", f"{V1}/submissions/{{s_fr}}/updates/{{c_fr1}}/", shown="updates"),
        {
            ANON: 404,
            READ_ONLY: 404,
            FR: (200, rows("u_fr1")),
            DE: 404,
            REVIEWER: (200, rows("u_fr1")),
            ADMIN: (200, rows("u_fr1")),
        },
    ),
    "public update of DE": (
        Call("submission-update-detail", "GET", f"{V1}/submissions/{{s_de}}/updates/{{c_de_pub}}/", shown="updates"),
        same_for_all((200, rows("u_de_pub"))),
    ),
    "members update of DE": (
        Call("submission-update-detail", "GET", f"{V1}/submissions/{{s_de}}/updates/{{c_de_mem}}/", shown="updates"),
        {
            ANON: 404,
            READ_ONLY: 404,
            FR: (200, rows("u_de_mem")),
            DE: (200, rows("u_de_mem")),
            REVIEWER: (200, rows("u_de_mem")),
            ADMIN: (200, rows("u_de_mem")),
        },
    ),
    "secretariat update of DE": (
        Call("submission-update-detail", "GET", f"{V1}/submissions/{{s_de}}/updates/{{c_de_sec}}/", shown="updates"),
        {
            ANON: 404,
            READ_ONLY: 404,
            FR: 404,
            DE: (200, rows("u_de_sec")),
            REVIEWER: (200, rows("u_de_sec")),
            ADMIN: (200, rows("u_de_sec")),
        },
    ),
    "put update of FR draft": (
        Call(
            "submission-update-detail",
            "PUT",
            f"{V1}/submissions/{{s_fr}}/updates/{{c_fr1}}/",
            body=UPDATE_BODY,
            if_match=f"{V1}/submissions/{{s_fr}}/updates/{{c_fr1}}/",
        ),
        FRENCH_EDIT,
    ),
    "put new update of FR draft": (
        Call("submission-update-detail", "PUT", f"{V1}/submissions/{{s_fr}}/updates/{{c_fr3}}/", body=UPDATE_BODY),
        {**FRENCH_EDIT, FR: 201},
    ),
    "patch update of FR draft": (
        Call(
            "submission-update-detail",
            "PATCH",
            f"{V1}/submissions/{{s_fr}}/updates/{{c_fr2}}/",
            body={"narrative": "Revised."},
            if_match=f"{V1}/submissions/{{s_fr}}/updates/{{c_fr2}}/",
        ),
        FRENCH_EDIT,
    ),
    "patch public update of DE": (
        Call(
            "submission-update-detail",
            "PATCH",
            f"{V1}/submissions/{{s_de}}/updates/{{c_de_pub}}/",
            body={"narrative": "Changed."},
            if_match=f"{V1}/submissions/{{s_de}}/updates/{{c_de_pub}}/",
        ),
        CHANGE_GERMAN,
    ),
    "patch secretariat update of DE": (
        Call(
            "submission-update-detail",
            "PATCH",
            f"{V1}/submissions/{{s_de}}/updates/{{c_de_sec}}/",
            body={"narrative": "Changed."},
            if_match=f"{V1}/submissions/{{s_de}}/updates/{{c_de_sec}}/",
        ),
        CHANGE_GERMAN,
    ),
    # The workflow.
    "submit FR": (
        Call(
            "submission-submit",
            "POST",
            f"{V1}/submissions/{{s_fr}}/submit/",
            prepare="french draft complete",
            if_match=f"{V1}/submissions/{{s_fr}}/",
        ),
        FRENCH_EDIT,
    ),
    "submit DE": (
        Call("submission-submit", "POST", f"{V1}/submissions/{{s_de}}/submit/", if_match=f"{V1}/submissions/{{s_de}}/"),
        CHANGE_GERMAN,
    ),
    "accept FR": (
        Call(
            "submission-accept",
            "POST",
            f"{V1}/submissions/{{s_fr}}/accept/",
            prepare="french draft submitted",
            if_match=f"{V1}/submissions/{{s_fr}}/",
        ),
        REVIEW_FRENCH,
    ),
    "accept DE": (
        Call("submission-accept", "POST", f"{V1}/submissions/{{s_de}}/accept/", if_match=f"{V1}/submissions/{{s_de}}/"),
        REVIEW_GERMAN,
    ),
    "return FR": (
        Call(
            "submission-return-",
            "POST",
            f"{V1}/submissions/{{s_fr}}/return/",
            body={"updates": [{"update_id": "{u_fr1}", "comment": "Give the figures."}]},
            prepare="french draft submitted",
            if_match=f"{V1}/submissions/{{s_fr}}/",
        ),
        REVIEW_FRENCH,
    ),
    "return DE": (
        Call(
            "submission-return-",
            "POST",
            f"{V1}/submissions/{{s_de}}/return/",
            body={"updates": [{"update_id": "{u_de_pub}", "comment": "Give the figures."}]},
            if_match=f"{V1}/submissions/{{s_de}}/",
        ),
        REVIEW_GERMAN,
    ),
    # Compiled reports: the published report for everyone; the secretariat sees all, drafts included.
    "reports list": (
        Call("report-list", "GET", f"{V1}/reports/", shown="reports"),
        {
            ANON: (200, rows("r_published")),
            READ_ONLY: (200, rows("r_published")),
            FR: (200, rows("r_published")),
            DE: (200, rows("r_published")),
            REVIEWER: (200, rows("r_public", "r_secretariat", "r_queued", "r_published", "r_final")),
            ADMIN: (200, rows("r_public", "r_secretariat", "r_queued", "r_published", "r_final")),
        },
    ),
    "published report": (
        Call("report-detail", "GET", f"{V1}/reports/{{r_published}}/", shown="reports"),
        same_for_all((200, rows("r_published"))),
    ),
    # A public edition, done but never published: a draft, which only the secretariat sees.
    "draft public report": (
        Call("report-detail", "GET", f"{V1}/reports/{{r_public}}/", shown="reports"),
        {
            ANON: 404,
            READ_ONLY: 404,
            FR: 404,
            DE: 404,
            REVIEWER: (200, rows("r_public")),
            ADMIN: (200, rows("r_public")),
        },
    ),
    "secretariat report": (
        Call("report-detail", "GET", f"{V1}/reports/{{r_secretariat}}/", shown="reports"),
        {
            ANON: 404,
            READ_ONLY: 404,
            FR: 404,
            DE: 404,
            REVIEWER: (200, rows("r_secretariat")),
            ADMIN: (200, rows("r_secretariat")),
        },
    ),
    "queued public report": (
        Call("report-detail", "GET", f"{V1}/reports/{{r_queued}}/", shown="reports"),
        {
            ANON: 404,
            READ_ONLY: 404,
            FR: 404,
            DE: 404,
            REVIEWER: (200, rows("r_queued")),
            ADMIN: (200, rows("r_queued")),
        },
    ),
    "start a compile": (
        # The secretariat edition: the public one is queued already, and a request for it is
        # answered with the queued compile.
        Call("report-list", "POST", f"{V1}/reports/", body={"cycle": "{cycle}", "edition": "secretariat"}),
        {ANON: 401, READ_ONLY: 403, FR: 403, DE: 403, REVIEWER: 202, ADMIN: 202},
    ),
    # The final edition replaces the published one (with the reason a replacement needs).
    "publish a report": (
        Call("report-publish", "POST", f"{V1}/reports/{{r_final}}/publish/", body={"reason": "Late reports added."}),
        {**REFUSED_WRITER, FR: 404, DE: 404, REVIEWER: 200, ADMIN: 200},
    ),
    "withdraw a report": (
        Call("report-withdraw", "POST", f"{V1}/reports/{{r_published}}/withdraw/", body={"reason": "A wrong figure."}),
        {**REFUSED_WRITER, FR: 403, DE: 403, REVIEWER: 200, ADMIN: 200},
    ),
    # The reports of the data above were never compiled, so no one finds a file to download.
    "download a report file": (
        Call("report-download", "GET", f"{V1}/reports/{{r_public}}/files/csv/"),
        same_for_all(404),
    ),
}

# Routes of alliance.api_router that serve no data (the OpenAPI document, its viewer, the API's root).
DOCUMENTATION = {"schema", "api-docs", "api-root"}


# --- The checks ------------------------------------------------------------------------------


def declared_routes() -> set[tuple[str, str]]:
    """(URL name, method) of every route of the API, from the router and api_router's own paths."""
    routes = set()
    patterns: list[Any] = [*api_router.router.urls, *(p for p in api_router.urlpatterns if getattr(p, "name", None))]
    for pattern in patterns:
        name = getattr(pattern, "name", None)
        if name in DOCUMENTATION:
            continue
        actions = getattr(pattern.callback, "actions", None)
        assert actions, f"route {name} is not a viewset route; say in the table what it serves"
        # HEAD is answered by the GET handler (DRF adds it for every route with GET).
        routes |= {(str(name), method.upper()) for method in actions if method != "head"}
    return routes


def test_every_route_and_method_is_in_the_table() -> None:
    covered = {(call.route, call.method) for call, _ in MATRIX.values()}
    missing = declared_routes() - covered
    assert not missing, f"routes with no row in MATRIX: {sorted(missing)}"
    for case, (_call, expected) in MATRIX.items():
        assert set(expected) == set(ROLES), f"{case}: every role needs an expectation"


@pytest.mark.django_db
def test_every_path_of_the_table_resolves_to_its_route(world: World) -> None:
    for case, (call, _) in MATRIX.items():
        path = world.fill(call.path).split("?")[0]
        assert resolve(path).url_name == call.route, f"{case}: {path} is not route {call.route}"


WORKFLOW_TABLES: tuple[type[Model], ...] = (
    Submission,
    ProgressUpdate,
    Milestone,
    ReviewComment,
    Commitment,
    SubmissionSnapshot,
    HistoryEntry,
    CompiledReport,
)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {model.__name__: list(model._default_manager.order_by("pk").values()) for model in WORKFLOW_TABLES}


def changed_tables(before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def _statuses(expected: Expected) -> tuple[frozenset[int], frozenset[str] | None]:
    if isinstance(expected, tuple):
        return frozenset([expected[0]]), expected[1]
    if isinstance(expected, int):
        return frozenset([expected]), None
    return expected, None


CASES = [pytest.param(case, role, id=f"{case}-{role}") for case in MATRIX for role in ROLES]


@pytest.mark.parametrize(("case", "role"), CASES)
def test_matrix(client: Client, world: World, case: str, role: str) -> None:
    call, expectations = MATRIX[case]
    statuses, expected_rows = _statuses(expectations[role])
    if call.prepare:
        PREPARE[call.prepare](world)
    path = world.fill(call.path)
    body = "" if call.body is None else json.dumps(world.resolve_body(call.body))
    # Each test its own address, so that the anonymous rate limit (shared in Redis) never answers.
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"  # noqa: S311
    client.raise_request_exception = False  # a crash is a 500 answer, reported as a wrong status
    headers = dict(world.headers[role])
    if call.if_match:
        read = client.get(world.fill(call.if_match), headers=headers, REMOTE_ADDR=address)
        if read.status_code == 200:
            headers["If-Match"] = read["ETag"]
    before = snapshot()

    response = client.generic(
        call.method, path, body, content_type="application/json", headers=headers, REMOTE_ADDR=address
    )

    shown = response.content.decode(errors="replace")[:1000]
    request = f"{role} {call.method} {path} {body}"
    assert response.status_code in statuses, (
        f"{request}: expected {sorted(statuses)}, got {response.status_code}: {shown}"
    )
    content_type = response["Content-Type"]
    if call.csv and response.status_code == 200:
        assert content_type.startswith("text/csv"), f"{request}: {content_type}"
    else:
        json_type = "application/problem+json" if response.status_code >= 400 else "application/json"
        assert content_type.startswith(json_type), f"{request}: not {json_type} ({content_type}): {shown}"
    if response.status_code >= 400:
        assert "detail" in response.json(), f"{request}: no detail in {shown}"
    if response.status_code == 401:
        assert response.get("WWW-Authenticate") == "Token", f"{request}: 401 without WWW-Authenticate"

    if expected_rows is not None:
        assert call.shown is not None
        assert SHOWN[call.shown](response, world) == set(expected_rows), f"{request}: rows shown"
        payload = response.json() if not call.csv else None
        if isinstance(payload, dict) and "count" in payload:
            prefix = COUNTED[call.shown]
            if prefix is None:
                top = selectors.members_as_of(day=timezone.localdate()).count()
            else:
                top = len({name for name in expected_rows if name.startswith(prefix)})
            assert payload["count"] == len(payload["results"]) == top, f"{request}: count {payload['count']}"

    if call.method not in ("GET", "HEAD", "OPTIONS"):
        changes = changed_tables(before, snapshot())
        if response.status_code >= 400:
            assert not changes, f"{request}: refused ({response.status_code}) but changed {changes}"
        else:
            assert changes, f"{request}: answered {response.status_code} but changed nothing"


def _allowed(expected: Expected) -> bool:
    return all(200 <= status < 300 for status in _statuses(expected)[0])


CONDITIONAL_CASES = [
    pytest.param(case, role, id=f"{case}-{role}")
    for case, (call, expected) in MATRIX.items()
    if call.if_match
    for role in ROLES
    if _allowed(expected[role])
]


@pytest.mark.parametrize(("case", "role"), CONDITIONAL_CASES)
def test_an_allowed_write_without_if_match_is_428_and_changes_nothing(
    client: Client, world: World, case: str, role: str
) -> None:
    call, _ = MATRIX[case]
    if call.prepare:
        PREPARE[call.prepare](world)
    path = world.fill(call.path)
    body = "" if call.body is None else json.dumps(world.resolve_body(call.body))
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"  # noqa: S311
    before = snapshot()

    response = client.generic(
        call.method, path, body, content_type="application/json", headers=world.headers[role], REMOTE_ADDR=address
    )

    assert response.status_code == 428, f"{role} {call.method} {path}: {response.content[:500]!r}"
    assert "If-Match" in response.json()["detail"]
    assert not changed_tables(before, snapshot())
