from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .models import Declaration, PolicyTarget
from .selectors import member_states_on


def alliance_overview(request: HttpRequest) -> HttpResponse:
    """The public face of the reference data: members today, declarations, targets and goals."""
    today = timezone.localdate()
    states = member_states_on(day=today).order_by("name")
    return render(
        request,
        "commitments/overview.html",
        {
            "today": today,
            "member_states": states,
            "declarations": Declaration.objects.select_related("conference").prefetch_related("potential_actions"),
            "targets": PolicyTarget.objects.prefetch_related("goals"),
        },
    )
