"""Membership and EU facts shown as recorded, with the date of their latest source; later changes
(a member leaving, an EU exit) recorded by the secretariat with their source."""

import re
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from accounts.models import User
from commitments.models import EuMembership, HistoryEntry, Membership, MembershipChange, MemberState, SourceDocument
from commitments.reference.load import load_reference_data
from commitments.selectors import membership_recorded_on
from commitments.services import membership_change_record

ADD = "/admin/commitments/membershipchange/add/"


def _text(html: str) -> str:
    """The page's words, without tags and with spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _overview(client: Client) -> str:
    return _text(client.get("/").content.decode())


def _eu_marked(client: Client, iso_code: str) -> bool:
    html = client.get("/").content.decode()
    row = re.search(rf'<tr><td><a href="/members/{iso_code}/">.*?</tr>', html)
    assert row is not None, iso_code
    return ">EU<" in row.group(0)


def _change(member: str, kind: str, **values: Any) -> MembershipChange:
    fields: dict[str, Any] = {
        "member_state": MemberState.objects.get(iso_code=member),
        "kind": kind,
        "ended_on": date(2020, 1, 31),
        "source_reference": "Council of the EU, press release 58/20",
        "source_url": "https://www.consilium.europa.eu/en/press/press-releases/2020/01/30/",
        "source_published_on": date(2020, 1, 30),
        **values,
    }
    return MembershipChange(**fields)


def test_the_facts_are_recorded_on_the_date_of_their_latest_source(alliance: None) -> None:
    sources = [
        *Membership.objects.values_list("source", flat=True),
        *EuMembership.objects.values_list("source", flat=True),
    ]
    used = SourceDocument.objects.filter(pk__in=sources)
    assert membership_recorded_on() == max(s.published_on for s in used if s.published_on) == date(2014, 9, 30)


def test_the_overview_shows_the_members_as_recorded_not_as_of_today(client: Client, alliance: None) -> None:
    text = _overview(client)
    assert "54 member states as recorded on 30 September 2014" in text
    today = timezone.localdate()
    assert f"on {today.day} {today:%B %Y}" not in text
    assert _eu_marked(client, "GB")  # as the 2014 sources have it


def test_the_member_page_says_when_its_facts_were_recorded(client: Client, alliance: None) -> None:
    text = _text(client.get("/members/GB/").content.decode())
    assert "as recorded on 30 September 2014" in text
    assert "European Union" in text


def test_the_secretariat_records_a_member_leaving_in_the_admin(client: Client, secretariat_admin: User) -> None:
    norway = MemberState.objects.get(iso_code="NO")
    client.force_login(secretariat_admin)
    form = client.get(ADD)
    assert form.status_code == 200
    done = client.post(
        ADD,
        {
            "member_state": norway.pk,
            "kind": MembershipChange.Kind.LEFT_ALLIANCE,
            "ended_on": "2021-06-30",
            "source_reference": "Ministry of Justice of Norway, statement of 1 July 2021",
            "source_url": "https://example.org/norway-statement",
            "source_published_on": "2021-07-01",
            "excerpt": "Norway has left the Global Alliance.",
            "_save": "Save",
        },
    )
    assert done.status_code == 302, _text(done.content.decode())[:2000]
    membership = Membership.objects.get(member_state=norway)
    assert membership.left_on == date(2021, 6, 30)

    overview = _overview(client)
    assert "53 member states as recorded on 1 July 2021" in overview
    assert 'href="/members/NO/"' not in client.get("/").content.decode()
    member = _text(client.get("/members/NO/").content.decode())
    assert "to 30 June 2021" in member
    assert "Left the Alliance on 30 June 2021" in member
    assert "Ministry of Justice of Norway, statement of 1 July 2021" in member
    assert 'href="https://example.org/norway-statement"' in client.get("/members/NO/").content.decode()

    entry = HistoryEntry.objects.get(member_state=norway, action="left the Alliance")
    assert entry.actor == secretariat_admin
    assert entry.changes["left_on"] == [None, "2021-06-30"]
    # Kept as recorded: listed, shown, neither changed nor deleted in the admin.
    change = MembershipChange.objects.get()
    assert change.recorded_by == secretariat_admin
    assert change.membership == membership
    assert "Ministry of Justice of Norway" in client.get("/admin/commitments/membershipchange/").content.decode()
    shown = client.get(f"/admin/commitments/membershipchange/{change.pk}/change/")
    assert shown.status_code == 200
    assert 'name="source_reference"' not in shown.content.decode()
    assert client.post(f"/admin/commitments/membershipchange/{change.pk}/delete/", {"post": "yes"}).status_code == 403
    assert MembershipChange.objects.exists()


def test_an_eu_exit_recorded_in_the_admin_removes_the_eu_mark(client: Client, secretariat_admin: User) -> None:
    client.force_login(secretariat_admin)
    uk = MemberState.objects.get(iso_code="GB")
    done = client.post(
        ADD,
        {
            "member_state": uk.pk,
            "kind": MembershipChange.Kind.LEFT_EU,
            "ended_on": "2020-01-31",
            "source_reference": "Council of the EU, press release 58/20",
            "source_url": "",
            "source_published_on": "2020-02-01",
            "_save": "Save",
        },
    )
    assert done.status_code == 302, _text(done.content.decode())[:2000]
    assert EuMembership.objects.get(member_state=uk).ended_on == date(2020, 1, 31)
    assert "54 member states as recorded on 1 February 2020" in _overview(client)
    assert not _eu_marked(client, "GB")
    assert _eu_marked(client, "FR")
    member = _text(client.get("/members/GB/").content.decode())
    assert "Left the European Union on 31 January 2020" in member
    assert "Council of the EU, press release 58/20" in member


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"source_reference": "", "source_url": ""}, "source_reference", "Name the document"),
        ({"source_published_on": None}, "source_published_on", "This field cannot be null."),
        ({"ended_on": date(2011, 1, 1)}, "ended_on", "cannot end before it starts"),
        ({"source_published_on": date(2099, 1, 1)}, "source_published_on", "in the future"),
    ],
)
def test_a_change_needs_a_source_and_an_end_after_the_start(
    secretariat_admin: User, values: dict[str, Any], field: str, message: str
) -> None:
    change = _change("NO", MembershipChange.Kind.LEFT_ALLIANCE, **values)
    with pytest.raises(ValidationError) as refused:
        membership_change_record(change=change, actor=secretariat_admin)
    assert field in refused.value.message_dict
    assert message in " ".join(refused.value.message_dict[field])
    assert not MembershipChange.objects.exists()
    assert Membership.objects.get(member_state__iso_code="NO").left_on is None


def test_the_admin_shows_a_missing_source_next_to_its_field(client: Client, secretariat_admin: User) -> None:
    client.force_login(secretariat_admin)
    refused = client.post(
        ADD,
        {
            "member_state": MemberState.objects.get(iso_code="GB").pk,
            "kind": MembershipChange.Kind.LEFT_EU,
            "ended_on": "2020-01-31",
            "source_reference": "",
            "source_url": "",
            "source_published_on": "",
            "_save": "Save",
        },
    )
    assert refused.status_code == 200  # the admin shows the form again with its errors
    text = _text(refused.content.decode())
    assert "Name the document" in text
    assert not MembershipChange.objects.exists()
    assert EuMembership.objects.get(member_state__iso_code="GB").ended_on is None


def test_a_membership_ends_once(secretariat_admin: User) -> None:
    membership_change_record(change=_change("GB", MembershipChange.Kind.LEFT_EU), actor=secretariat_admin)
    with pytest.raises(ValidationError) as refused:
        membership_change_record(change=_change("GB", MembershipChange.Kind.LEFT_EU), actor=secretariat_admin)
    assert "no EU membership to end" in " ".join(refused.value.message_dict["member_state"])
    # A state outside the EU has none to end either.
    with pytest.raises(ValidationError):
        membership_change_record(change=_change("NO", MembershipChange.Kind.LEFT_EU), actor=secretariat_admin)


def test_only_the_secretariat_records_changes(contact: User, reviewer: User) -> None:
    for person in (contact, reviewer):
        with pytest.raises(PermissionDenied):
            membership_change_record(change=_change("GB", MembershipChange.Kind.LEFT_EU), actor=person)
    assert EuMembership.objects.get(member_state__iso_code="GB").ended_on is None


def test_loading_the_reference_data_again_keeps_a_recorded_change(secretariat_admin: User) -> None:
    membership_change_record(change=_change("GB", MembershipChange.Kind.LEFT_EU), actor=secretariat_admin)
    membership_change_record(
        change=_change("NO", MembershipChange.Kind.LEFT_ALLIANCE, source_published_on=date(2020, 2, 1)),
        actor=secretariat_admin,
    )
    summary = load_reference_data()  # as every deployment does at start
    assert not summary.changed, summary.describe()
    assert EuMembership.objects.get(member_state__iso_code="GB").ended_on == date(2020, 1, 31)
    assert Membership.objects.get(member_state__iso_code="NO").left_on == date(2020, 1, 31)
    assert membership_recorded_on() == date(2020, 2, 1)
