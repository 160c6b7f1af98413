"""Reads of the Alliance's reference data and commitments."""

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import EuMembership, Membership, MemberState


def _membership_on(day: date) -> Q:
    return Q(joined_on__lte=day) & (Q(left_on__isnull=True) | Q(left_on__gt=day))


def _eu_membership_on(day: date) -> Q:
    return (Q(started_on__isnull=True) | Q(started_on__lte=day)) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))


def member_states_on(*, day: date) -> QuerySet[MemberState]:
    """The states that belonged to the Alliance on `day`, each marked `is_eu_member` on that day."""
    current = Membership.objects.filter(_membership_on(day), member_state=OuterRef("pk"))
    in_eu = EuMembership.objects.filter(_eu_membership_on(day), member_state=OuterRef("pk"))
    return MemberState.objects.filter(Exists(current)).annotate(is_eu_member=Exists(in_eu))


def eu_member_states_on(*, day: date) -> QuerySet[MemberState]:
    """The member states that belonged to the European Union on `day`, as the sources show it."""
    current = EuMembership.objects.filter(_eu_membership_on(day), member_state=OuterRef("pk"))
    return MemberState.objects.filter(Exists(current))


def member_states_with_status(*, day: date) -> QuerySet[MemberState]:
    """All member states, annotated with whether they were Alliance and EU members on `day`."""
    return MemberState.objects.annotate(
        is_member=Exists(Membership.objects.filter(_membership_on(day), member_state=OuterRef("pk"))),
        is_eu_member=Exists(EuMembership.objects.filter(_eu_membership_on(day), member_state=OuterRef("pk"))),
    )
