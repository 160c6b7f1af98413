"""Pages anyone may read: the Alliance as its records show it, and a member state with the reports of
it one may read."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import permissions
from ..models import (
    Declaration,
    MemberState,
    PolicyTarget,
)
from ..selectors import member_states_on, membership_changes_of, membership_recorded_on


def alliance_overview(request: HttpRequest) -> HttpResponse:
    """The public face of the reference data: the members and their EU membership as recorded (on
    the date of the latest source, which is what the sources vouch for, not today), declarations,
    targets and goals."""
    recorded_on = membership_recorded_on()
    states = member_states_on(day=recorded_on or timezone.localdate()).order_by("name")
    return render(
        request,
        "commitments/overview.html",
        {
            "recorded_on": recorded_on,
            "member_states": states,
            "declarations": Declaration.objects.select_related("conference").prefetch_related("potential_actions"),
            "targets": PolicyTarget.objects.prefetch_related("goals"),
        },
    )


@require_GET
def member_detail(request: HttpRequest, iso_code: str) -> HttpResponse:
    """A member state and the reports of it that the viewer may read (published ones for everyone)."""
    member = get_object_or_404(MemberState, iso_code=iso_code.upper())
    submissions = (
        permissions.submissions_visible_to(request.user)
        .filter(member_state=member)
        .select_related("cycle")
        .order_by("-cycle__due_on")
    )
    return render(
        request,
        "commitments/member.html",
        {
            "member": member,
            "submissions": submissions,
            "memberships": member.memberships.order_by("joined_on"),
            "eu_memberships": member.eu_memberships.order_by("started_on"),
            "changes": membership_changes_of(member),
            "recorded_on": membership_recorded_on(),
        },
    )
