"""Each rule about what a progress update may hold lives in one place (the model's `clean`, called
by the services) and every door refuses the same bad write the same way: the page's form (with and
without its script), the service, the REST API and the administration. Nothing is saved."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import User
from commitments import services
from commitments.models import Commitment, OperationalGoal, ProgressUpdate, Submission
from tests.api.conftest import ApiClient, key_for
from tests.conftest import VerifiedClient
from tests.reporting.test_pages import form_data

ICSE = "Connect the victim identification unit to ICSE"
AWARENESS = "Run a school awareness campaign"

# (the commitment written on, the values written, the field the refusal names)
RULES: dict[str, tuple[str, dict[str, Any], str]] = {
    "a figure the commitment's goal does not measure": (
        AWARENESS,
        {"icse_victims_identified": 999999},
        "icse_victims_identified",
    ),
    "a figure source without a figure to source": (AWARENESS, {"figures_source": "Police"}, "figures_source"),
    "a takedown time on an ICSE commitment": (ICSE, {"takedown_median_hours": "4.0"}, "takedown_median_hours"),
    "completion over 100 percent": (ICSE, {"completion_percent": 140}, "completion_percent"),
    "completed but not 100 percent": (ICSE, {"status": "completed", "completion_percent": 60}, "completion_percent"),
}


def commitment_titled(title: str) -> Commitment:
    return Commitment.objects.get(member_state__iso_code="FR", title=title)


def nothing_saved(draft: Submission) -> None:
    assert not ProgressUpdate.objects.filter(submission=draft).exists()


@pytest.mark.parametrize("rule", list(RULES))
def test_the_form_refuses_it_with_and_without_its_script(
    rule: str, client: Client, contact: User, draft: Submission, french_commitments
) -> None:
    title, values, field = RULES[rule]
    commitment = commitment_titled(title)
    client.force_login(contact)
    url = reverse("commitments:update_save", args=[draft.pk, commitment.pk])
    page = client.post(url, form_data(commitment, 0, **values))
    assert page.status_code == 400
    # The error summary names and links the field, whether or not the page shows it.
    assert f'href="#id_c{commitment.pk}-{field}"' in page.content.decode()
    script = client.post(url, form_data(commitment, 0, **values), headers={"X-Requested-With": "fetch"})
    assert script.status_code == 400
    assert f"c{commitment.pk}-{field}" in script.json()["errors"]
    nothing_saved(draft)


@pytest.mark.parametrize("rule", list(RULES))
def test_the_service_refuses_it(rule: str, contact: User, draft: Submission, french_commitments) -> None:
    title, values, field = RULES[rule]
    with pytest.raises(ValidationError) as refused:
        services.progress_update_save(
            submission=draft, commitment=commitment_titled(title), actor=contact, values=values, expected_version=0
        )
    assert field in refused.value.message_dict
    nothing_saved(draft)


@pytest.mark.parametrize("rule", list(RULES))
def test_the_api_refuses_it_naming_the_field(rule: str, contact: User, draft: Submission, french_commitments) -> None:
    title, values, field = RULES[rule]
    commitment = commitment_titled(title)
    api = ApiClient(key_for(contact))
    created = api.post(
        f"/api/v1/submissions/{draft.pk}/updates/",
        {"commitment": commitment.pk, **values},
        content_type="application/json",
    )
    assert created.status_code == 400, created.content
    assert field in created.json()["errors"]
    patched = api.patch(
        f"/api/v1/submissions/{draft.pk}/updates/{commitment.pk}/", values, content_type="application/json"
    )
    assert patched.status_code == 400
    assert field in patched.json()["errors"]
    nothing_saved(draft)


def test_the_admin_refuses_to_edit_reported_content_and_a_goal_that_would_orphan_figures(
    secretariat_admin: User, contact: User, draft: Submission, french_commitments
) -> None:
    icse = commitment_titled(ICSE)
    update = services.progress_update_save(
        submission=draft, commitment=icse, actor=contact, values={"icse_victims_identified": 37}, expected_version=0
    )
    admin = VerifiedClient()
    admin.force_login(secretariat_admin)
    # Reported content changes only through the workflow: the administration shows it read-only.
    change = reverse("admin:commitments_progressupdate_change", args=[update.pk])
    assert admin.get(change).status_code == 200
    refused = admin.post(change, {"icse_victims_identified": 999999, "narrative": "edited in the admin"})
    assert refused.status_code == 403
    # A commitment whose updates carry ICSE figures cannot be moved to a goal that measures none.
    other_goal = OperationalGoal.objects.exclude(code=icse.goal.code).filter(target=icse.target).first()  # type: ignore[union-attr]
    if other_goal is None:
        other_goal = OperationalGoal.objects.exclude(code=icse.goal.code).first()  # type: ignore[union-attr]
        assert other_goal is not None
    data: dict[str, Any] = {
        "member_state": icse.member_state_id,
        "target": other_goal.target_id,
        "goal": other_goal.pk,
        "title": icse.title,
        "status": icse.status,
        "description": "",
    }
    page = admin.post(reverse("admin:commitments_commitment_change", args=[icse.pk]), data)
    assert page.status_code == 200
    assert "report figures that this operational goal does not measure" in page.content.decode()
    icse.refresh_from_db()
    assert icse.goal is not None
    assert icse.goal.code == "icse-identified-victims"
    update.refresh_from_db()
    assert update.icse_victims_identified == 37
    assert update.narrative == ""


def test_the_page_asks_only_for_the_figures_the_goal_measures(
    client: Client, contact: User, draft: Submission, french_commitments
) -> None:
    client.force_login(contact)
    html = client.get(reverse("commitments:submission", args=[draft.pk])).content.decode()
    icse, awareness = commitment_titled(ICSE), commitment_titled(AWARENESS)
    assert f'name="c{icse.pk}-icse_victims_identified"' in html
    assert f'name="c{icse.pk}-takedown_median_hours"' not in html
    assert f'name="c{awareness.pk}-icse_victims_identified"' not in html
    assert f'name="c{awareness.pk}-figures_source"' not in html
