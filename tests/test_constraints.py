"""Invariants held by the database itself, whatever code writes the rows."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from commitments import models as m


def test_a_duplicate_iso_code_is_rejected(alliance: None) -> None:
    source = m.SourceDocument.objects.earliest("pk")
    with pytest.raises(IntegrityError), transaction.atomic():
        m.MemberState.objects.create(name="Another France", iso_code="FR", name_source=source, listed_as="x")


def test_a_malformed_iso_code_is_rejected(alliance: None) -> None:
    source = m.SourceDocument.objects.earliest("pk")
    with pytest.raises(IntegrityError), transaction.atomic():
        m.MemberState.objects.create(name="Atlantis", iso_code="a1", name_source=source, listed_as="x")


@pytest.mark.parametrize("code", ["FR07", "F7", "fr", "F"])
def test_an_iso_code_other_than_two_capital_letters_fails_validation(alliance: None, code: str) -> None:
    source = m.SourceDocument.objects.earliest("pk")
    state = m.MemberState(name="Atlantis", iso_code=code, name_source=source, listed_as="x")
    with pytest.raises(ValidationError) as raised:
        state.full_clean()
    assert "iso_code" in raised.value.message_dict or "The ISO code is two capital letters." in raised.value.messages


def test_two_letters_and_two_digits_are_refused_by_the_database(alliance: None) -> None:
    source = m.SourceDocument.objects.earliest("pk")
    # The column holds two characters; the check refuses anything but two capital letters.
    with pytest.raises(DataError), transaction.atomic():
        m.MemberState.objects.create(name="Atlantis", iso_code="FR07", name_source=source, listed_as="x")
    with pytest.raises(IntegrityError, match="iso_code_format"), transaction.atomic():
        m.MemberState.objects.create(name="Atlantis", iso_code="F7", name_source=source, listed_as="x")


def test_a_two_letter_iso_code_passes_validation_and_is_stored(alliance: None) -> None:
    source = m.SourceDocument.objects.earliest("pk")
    state = m.MemberState(name="Atlantis", iso_code="QZ", name_source=source, listed_as="x")
    state.full_clean()
    state.save()
    assert m.MemberState.objects.get(iso_code="QZ").name == "Atlantis"


def test_a_membership_ending_before_it_starts_is_rejected(alliance: None) -> None:
    state = m.MemberState.objects.get(iso_code="FR")
    with pytest.raises(IntegrityError), transaction.atomic():
        m.Membership.objects.create(
            member_state=state,
            joined_on=date(2010, 1, 1),
            left_on=date(2009, 1, 1),
            source=m.SourceDocument.objects.earliest("pk"),
        )


def test_a_second_open_membership_is_rejected(alliance: None) -> None:
    state = m.MemberState.objects.get(iso_code="FR")
    with pytest.raises(IntegrityError), transaction.atomic():
        m.Membership.objects.create(
            member_state=state, joined_on=date(2020, 1, 1), source=m.SourceDocument.objects.earliest("pk")
        )


def test_an_overlapping_closed_membership_fails_validation(alliance: None) -> None:
    state = m.MemberState.objects.get(iso_code="FR")
    overlapping = m.Membership(
        member_state=state,
        joined_on=date(2011, 1, 1),
        left_on=date(2013, 1, 1),
        source=m.SourceDocument.objects.earliest("pk"),
    )
    with pytest.raises(ValidationError, match="overlaps"):
        overlapping.full_clean()


def test_a_cycle_due_before_it_opens_is_rejected(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        m.ReportingCycle.objects.create(
            name="Backwards",
            period_start=date(2020, 1, 1),
            period_end=date(2020, 12, 31),
            opens_on=date(2021, 2, 1),
            due_on=date(2021, 1, 1),
        )


def test_a_cycle_period_ending_before_it_starts_is_rejected(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        m.ReportingCycle.objects.create(
            name="Backwards period",
            period_start=date(2020, 12, 31),
            period_end=date(2020, 1, 1),
            opens_on=date(2021, 1, 1),
            due_on=date(2021, 2, 1),
        )


def test_a_commitment_planned_to_end_before_it_starts_is_rejected(alliance: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        m.Commitment.objects.create(
            member_state=m.MemberState.objects.get(iso_code="FR"),
            target=m.PolicyTarget.objects.get(number=1),
            title="Backwards plan",
            planned_start=date(2015, 1, 1),
            planned_end=date(2014, 1, 1),
        )


def test_a_commitment_goal_must_belong_to_its_target(alliance: None) -> None:
    commitment = m.Commitment(
        member_state=m.MemberState.objects.get(iso_code="FR"),
        target=m.PolicyTarget.objects.get(code="victims"),
        goal=m.OperationalGoal.objects.get(code="notice-and-takedown-speed"),
        title="Mismatched goal",
    )
    with pytest.raises(ValidationError) as error:
        commitment.full_clean()
    assert "goal" in error.value.message_dict


def test_a_national_contact_needs_a_member_state(db: None) -> None:
    from accounts.models import User

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("stateless@example.org", "x" * 16, role=User.Role.NATIONAL_CONTACT)


def test_secretariat_staff_belong_to_no_member_state(alliance: None) -> None:
    from accounts.models import User

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(
            "staff@example.org",
            "x" * 16,
            role=User.Role.SECRETARIAT_REVIEWER,
            member_state=m.MemberState.objects.get(iso_code="FR"),
        )
