"""The overview page and the secretariat's admin over the reference data."""

import re

from django.test import Client
from pytest_django import DjangoAssertNumQueries

from commitments.models import MemberState
from tests.factories import SecretariatFactory


def test_the_overview_lists_todays_members_targets_and_declarations(
    alliance: None, client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_max_num_queries(6):
        response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r"<tr><td>", html)) == 54
    assert "Identify and assist victims" in html
    assert "by at least 10 percent yearly" in html
    assert "Ministerial Declaration of the Global Alliance (Washington)" in html


def test_the_admin_lists_54_member_states(alliance: None, client: Client) -> None:
    client.force_login(SecretariatFactory.create())
    response = client.get("/admin/commitments/memberstate/")
    assert response.status_code == 200
    assert "54 member states" in response.content.decode()


def test_the_admin_shows_a_member_state_with_its_history(alliance: None, client: Client) -> None:
    client.force_login(SecretariatFactory.create())
    croatia = MemberState.objects.get(iso_code="HR")
    response = client.get(f"/admin/commitments/memberstate/{croatia.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "2012-12-05" in html  # joined the Alliance at the launch
    assert "2014-09-30" in html  # in the EU by the second conference
    assert "Declaration on the Launch of the Global Alliance and Guiding Principles" in html


def test_every_admin_changelist_answers(alliance: None, client: Client) -> None:
    client.force_login(SecretariatFactory.create())
    for model in (
        "memberstate", "membership", "eumembership", "sourcedocument", "conference", "declaration",
        "endorsement", "policytarget", "operationalgoal", "potentialaction", "secretariattenure",
        "sourcediscrepancy", "reportingcycle", "commitment",
    ):  # fmt: skip
        response = client.get(f"/admin/commitments/{model}/")
        assert response.status_code == 200, model
        search = client.get(f"/admin/commitments/{model}/", {"q": "Fr"})
        assert search.status_code == 200, model
    assert client.get("/admin/accounts/user/").status_code == 200


def test_the_admin_is_closed_to_national_contacts(alliance: None, client: Client) -> None:
    from tests.factories import UserFactory

    client.force_login(UserFactory.create())
    response = client.get("/admin/commitments/memberstate/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_commitment_edits_in_the_admin_are_recorded(alliance: None, client: Client) -> None:
    from commitments.models import Commitment, HistoryEntry, PolicyTarget
    from tests.factories import CommitmentFactory

    admin_user = SecretariatFactory.create()
    client.force_login(admin_user)
    commitment = CommitmentFactory.create(title="Before")
    response = client.post(
        f"/admin/commitments/commitment/{commitment.pk}/change/",
        {
            "member_state": commitment.member_state_id,
            "target": PolicyTarget.objects.get(number=1).pk,
            "title": "After",
            "description": "",
            "status": "on_track",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = HistoryEntry.objects.get(subject_type="commitment", subject_id=commitment.pk)
    assert entry.actor == admin_user
    assert entry.changes["title"] == ["Before", "After"]
    client.post(f"/admin/commitments/commitment/{commitment.pk}/delete/", {"post": "yes"})
    assert not Commitment.objects.filter(pk=commitment.pk).exists()
    assert HistoryEntry.objects.filter(subject_id=commitment.pk, action="deleted in admin").exists()
