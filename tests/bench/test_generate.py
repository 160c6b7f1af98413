"""`manage.py generate_bench_data`: a made-up Alliance at scale 1 and 2, reproducible and valid; copies
with two-letter codes of their own, then more commitments per member once the codes run out."""

import hashlib
import io
import json
from collections import Counter
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.db import models
from django.db.models import Count
from django.forms import modelform_factory
from django.test import Client

import bench.generate
from accounts.models import User
from bench.generate import ASSIGNED_CODES, BENCH_DOMAIN, COPY_CODES, COPY_NAME, BenchDataError, generate, layout
from commitments import reference as ref
from commitments.admin import MemberStateForm
from commitments.models import (
    Commitment,
    EuMembership,
    HistoryEntry,
    Membership,
    MemberState,
    Milestone,
    ProgressUpdate,
    ReportingCycle,
    ReviewComment,
    Submission,
    SubmissionSnapshot,
)
from commitments.reference.load import load_reference_data
from commitments.selectors import member_states_on

TARGETS = {"victims", "prosecution", "awareness", "availability"}


def commitments_per_member() -> dict[str, int]:
    return dict(Commitment.objects.values_list("member_state__iso_code").annotate(n=Count("pk")))


def assert_alliance_shape(members: int) -> None:
    """`members` states with about 15 commitments each over the four targets, reporting over 12 cycles."""
    per_member = commitments_per_member()
    assert len(per_member) == members
    assert all(10 <= n <= 20 for n in per_member.values()), per_member
    assert 14 <= sum(per_member.values()) / members <= 16
    targets = Commitment.objects.values("member_state").annotate(n=Count("target", distinct=True))
    assert {row["n"] for row in targets} == {4}

    cycles = ReportingCycle.objects.filter(submissions__isnull=False).distinct().order_by("due_on")
    assert cycles.count() == 12
    assert [c.due_on.year for c in cycles] == list(range(2013, 2025))
    for cycle in cycles:
        reporting = Submission.objects.filter(cycle=cycle).values("member_state").distinct().count()
        on_due_date = member_states_on(day=cycle.due_on).count()
        assert 0.85 * on_due_date <= reporting <= on_due_date  # a few members never report
        assert ProgressUpdate.objects.filter(submission__cycle=cycle).exists()


def test_scale_one_is_the_54_real_members_with_twelve_cycles_of_reporting(alliance: None) -> None:
    out = io.StringIO()
    call_command("generate_bench_data", "--scale", "1", stdout=out)

    assert_alliance_shape(54)
    assert set(commitments_per_member()) == {member.iso_code for member in ref.MEMBERS}
    assert "member states: 54" in out.getvalue()
    assert "generated in" in out.getvalue()

    latest = ReportingCycle.objects.get(name="Progress report 2024")
    statuses = Counter(Submission.objects.filter(cycle=latest).values_list("status", flat=True))
    assert set(statuses) == set(Submission.Status.values)
    assert statuses[Submission.Status.ACCEPTED] < 40  # a mix, not all accepted
    assert sum(statuses.values()) < 54  # some never started
    older = Counter(Submission.objects.exclude(cycle=latest).values_list("status", flat=True))
    assert older[Submission.Status.ACCEPTED] > 0.9 * sum(older.values())
    late = Submission.objects.filter(first_submitted_at__date__gt=models.F("cycle__due_on"))
    assert late.exists()

    # Every submitted report covers every commitment the member had pledged by then.
    for submission in Submission.objects.exclude(status=Submission.Status.DRAFT).select_related("cycle")[:200]:
        pledged = Commitment.objects.filter(member_state=submission.member_state_id).exclude(
            pledged_in__due_on__gt=submission.cycle.due_on
        )
        assert submission.updates.count() == pledged.count(), submission

    updates = ProgressUpdate.objects.all()
    assert updates.filter(icse_victims_identified__isnull=False, commitment__goal__code="icse-identified-victims")
    assert updates.filter(takedown_median_hours__isnull=False, commitment__goal__code="notice-and-takedown-speed")
    assert set(updates.values_list("confidentiality", flat=True)) == {"public", "members", "secretariat"}
    assert ReviewComment.objects.filter(update__submission__status=Submission.Status.RETURNED).exists()
    assert updates.filter(needs_revision=True, submission__status=Submission.Status.RETURNED).exists()
    assert Milestone.objects.exists()
    accepted = Submission.objects.filter(status=Submission.Status.ACCEPTED)
    with_snapshot = accepted.filter(snapshots__event=SubmissionSnapshot.Event.ACCEPTED)
    assert with_snapshot.count() == accepted.count()
    assert HistoryEntry.objects.filter(action="accepted").count() == accepted.count()
    assert HistoryEntry.objects.filter(action="created", subject_type="progressupdate").count() == updates.count()


def test_scale_two_adds_a_copy_of_each_member_with_the_same_shape(alliance: None) -> None:
    counts = generate(scale=2)

    assert counts["member_states"] == 108
    assert counts["bench_copies"] == 54
    assert_alliance_shape(108)
    copies = MemberState.objects.filter(name__regex=COPY_NAME)
    assert copies.count() == 54
    codes = set(copies.values_list("iso_code", flat=True))
    assert codes == set(COPY_CODES[:54])
    assert not codes & (ASSIGNED_CODES | {member.iso_code for member in ref.MEMBERS})
    france = MemberState.objects.get(name="France (bench copy 1)")
    assert len(france.iso_code) == 2
    for day in (date(2012, 12, 5), date(2014, 9, 30)):
        real = set(member_states_on(day=day).exclude(pk__in=copies).values_list("name", flat=True))
        copied = {
            name.removesuffix(" (bench copy 1)")
            for name in member_states_on(day=day).filter(pk__in=copies).values_list("name", flat=True)
        }
        assert copied == real
    assert EuMembership.objects.filter(member_state=france).exists()
    assert Membership.objects.filter(member_state=france, note__contains="not a reference fact").exists()
    assert User.objects.get(email=f"contact.{france.iso_code.lower()}@{BENCH_DOMAIN}").member_state == france
    assert counts["commitments"] == Commitment.objects.count()
    assert counts["submissions"] == Submission.objects.count()
    assert counts["progress_updates"] == ProgressUpdate.objects.count()


def test_a_copy_passes_validation_and_the_api_serves_it(alliance: None, client: Client) -> None:
    generate(scale=2)
    copy = MemberState.objects.get(name="Germany (bench copy 1)")
    copy.full_clean()

    for code in (copy.iso_code, copy.iso_code.lower()):
        response = client.get(f"/api/v1/members/{code}/")
        assert response.status_code == 200, response.content[:300]
        assert response.json()["iso_code"] == copy.iso_code
        assert response.json()["status"]["commitments"]["total"] > 0
    listed = client.get("/api/v1/commitments/", {"member": copy.iso_code})
    assert listed.status_code == 200
    assert listed.json()["count"] > 0
    assert client.get(f"/api/v1/members/{copy.iso_code}01/").status_code == 404


def test_copies_take_free_codes_while_they_last_then_members_carry_more_commitments() -> None:
    assert len(COPY_CODES) == 676 - len(ASSIGNED_CODES) - 1  # Kosovo's XK is the reference's
    assert len(ASSIGNED_CODES) == 249
    assert layout(1) == bench.generate.Layout(copies=0, portfolios=(1,))
    assert layout(8) == bench.generate.Layout(copies=7, portfolios=(1,) * 8)
    at_20 = layout(20)
    assert at_20.copies == 7
    assert at_20.portfolios == (3, 3, 3, 3, 2, 2, 2, 2)
    assert sum(at_20.portfolios) == 20
    for scale in range(1, 101):
        plan = layout(scale)
        assert sum(plan.portfolios) == scale
        assert plan.copies * len(ref.MEMBERS) <= len(COPY_CODES)


def test_without_free_codes_scale_two_doubles_the_commitments_of_each_member(
    alliance: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = generate(scale=1)
    monkeypatch.setattr(bench.generate, "COPY_CODES", ())
    two = generate(scale=2)

    assert two["member_states"] == 54
    assert two["bench_copies"] == 0
    assert 0.95 * one["submissions"] <= two["submissions"] <= 1.05 * one["submissions"]  # the same states
    for kind in ("commitments", "progress_updates", "milestones"):
        assert 1.8 * one[kind] <= two[kind] <= 2.2 * one[kind], kind
    france = Commitment.objects.filter(member_state__iso_code="FR")
    assert france.filter(title__endswith=" (part 2)").exists()
    # Each submitted report still covers every commitment the member had pledged by then.
    submission = Submission.objects.filter(member_state__iso_code="FR", status=Submission.Status.ACCEPTED).last()
    assert submission is not None
    pledged = france.exclude(pledged_in__due_on__gt=submission.cycle.due_on)
    assert submission.updates.count() == pledged.count()
    snapshot = submission.snapshots.get(event=SubmissionSnapshot.Event.ACCEPTED)
    assert len(snapshot.data["updates"]) == pledged.count()


def _digest() -> str:
    """The content of every table the generator writes, with surrogate keys replaced by natural ones."""
    states = dict(MemberState.objects.values_list("pk", "iso_code"))
    users = dict(User.objects.values_list("pk", "email"))
    cycles = dict(ReportingCycle.objects.values_list("pk", "name"))
    commitments = {pk: f"{states[s]}/{t}" for pk, s, t in Commitment.objects.values_list("pk", "member_state", "title")}
    submissions = {
        pk: f"{states[s]}/{cycles[c]}" for pk, s, c in Submission.objects.values_list("pk", "member_state", "cycle")
    }
    updates = {
        pk: f"{submissions[s]}/{commitments[c]}"
        for pk, s, c in ProgressUpdate.objects.values_list("pk", "submission", "commitment")
    }
    subjects = {"commitment": commitments, "submission": submissions, "progressupdate": updates}
    keys: dict[str, dict[int, str]] = {
        "member_state_id": states,
        "cycle_id": cycles,
        "pledged_in_id": cycles,
        "commitment_id": commitments,
        "submission_id": submissions,
        "update_id": updates,
        **{f"{name}_id": users for name in ("actor", "author", "created_by", "updated_by", "accepted_by")},
    }
    digest = hashlib.sha256()
    tables: tuple[type[models.Model], ...] = (
        MemberState, Membership, EuMembership, User, ReportingCycle, Commitment, Submission, ProgressUpdate,
        Milestone, ReviewComment, SubmissionSnapshot, HistoryEntry,
    )  # fmt: skip
    for model in tables:
        rows = []
        for values in model._default_manager.values():
            values.pop("id")
            row: dict[str, Any] = {
                name: keys[name].get(value, value) if name in keys else value for name, value in values.items()
            }
            if model is HistoryEntry:
                row["subject_id"] = subjects.get(row["subject_type"], {}).get(row["subject_id"], row["subject_id"])
            if model is SubmissionSnapshot:
                data: dict[str, Any] = row["data"]
                row["data"] = {commitments[int(pk)]: value for pk, value in data["updates"].items()}
            rows.append(json.dumps(row, sort_keys=True, default=str))
        digest.update("\n".join(sorted(rows)).encode())
    return digest.hexdigest()


def test_two_runs_write_the_same_content(alliance: None) -> None:
    first = generate(scale=1)
    before = _digest()
    second = generate(scale=1)

    assert second == first
    assert _digest() == before


def test_a_run_at_a_smaller_scale_removes_the_copies_of_the_larger_one(alliance: None) -> None:
    generate(scale=2)
    generate(scale=1)

    assert MemberState.objects.count() == len(ref.MEMBERS)
    assert not MemberState.objects.filter(name__regex=COPY_NAME).exists()
    assert len(commitments_per_member()) == 54
    assert not User.objects.filter(member_state__isnull=False, member_state__iso_code__in=COPY_CODES).exists()


def test_it_refuses_a_state_of_its_own_holding_a_code_that_copies_take(alliance: None) -> None:
    MemberState.objects.create(
        name="Atlantis",
        iso_code=COPY_CODES[0],
        listed_as="Atlantis",
        name_source=MemberState.objects.get(iso_code="FR").name_source,
    )
    with pytest.raises(BenchDataError, match="1 other member states with codes that copies take"):
        generate(scale=2)


def test_it_refuses_a_database_with_other_reporting_data(french_commitments: list[Commitment]) -> None:
    with pytest.raises(BenchDataError, match="2 commitments and 0 submissions of real member states, 0 accounts"):
        generate(scale=1)
    assert Commitment.objects.count() == 2


def test_scale_is_at_most_100(alliance: None) -> None:
    with pytest.raises(ValueError, match="from 1 to 100"):
        generate(scale=101)


def test_reference_members_keep_two_letter_codes(alliance: None, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = ref.Member("FR07", "France", "France", "EU", True, True)
    monkeypatch.setattr(ref, "MEMBERS", (*ref.MEMBERS, bad))
    with pytest.raises(ValueError, match="two capital letters"):
        load_reference_data()


def test_the_admin_takes_two_letter_codes_only(alliance: None) -> None:
    form_class = modelform_factory(MemberState, form=MemberStateForm, fields=["name", "iso_code", "listed_as"])
    data = {"name": "Atlantis", "listed_as": "Atlantis"}
    assert "iso_code" in form_class(data={**data, "iso_code": "AT07"}).errors
    assert "iso_code" not in form_class(data={**data, "iso_code": "QZ"}).errors
