"""Every read endpoint and filter, and the status summary against the database."""

import csv
import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from accounts.models import ApiKey, User
from commitments import services
from commitments.models import Commitment, MemberState, ProgressUpdate, Submission
from commitments.selectors import eu_member_states_on, member_states_on
from tests.api.conftest import ApiClient, key_for
from tests.conftest import fill_all


def codes(response) -> set[str]:
    return {row["iso_code"] for row in response.json()["results"]}


def test_members_on_the_launch_date_and_on_the_2014_conference(anonymous_api: ApiClient) -> None:
    launch = anonymous_api.get("/api/v1/members/", {"as_of": "2012-12-05", "page_size": "500"})
    assert launch.status_code == 200
    assert launch.json()["count"] == 48
    assert codes(launch) == set(member_states_on(day=date(2012, 12, 5)).values_list("iso_code", flat=True))
    assert "HR" in codes(launch)
    croatia = next(r for r in launch.json()["results"] if r["iso_code"] == "HR")
    assert croatia["is_eu_member"] is False
    assert croatia["joined_on"] == "2012-12-05"

    conference = anonymous_api.get("/api/v1/members/", {"as_of": "2014-09-30", "page_size": "500"})
    assert conference.json()["count"] == 54
    assert codes(conference) - codes(launch) == {"AM", "BA", "CR", "IL", "XK", "MX"}
    croatia = next(r for r in conference.json()["results"] if r["iso_code"] == "HR")
    assert croatia["is_eu_member"] is True


def test_members_filters_search_and_ordering(anonymous_api: ApiClient) -> None:
    eu = anonymous_api.get("/api/v1/members/", {"as_of": "2014-09-30", "eu": "true", "page_size": "500"})
    assert codes(eu) == set(eu_member_states_on(day=date(2014, 9, 30)).values_list("iso_code", flat=True))
    not_eu = anonymous_api.get("/api/v1/members/", {"as_of": "2014-09-30", "eu": "false", "page_size": "500"})
    assert not_eu.json()["count"] == 54 - 28
    search = anonymous_api.get("/api/v1/members/", {"search": "republic"})
    assert codes(search) == {"CZ", "KR", "MD", "SK"}
    ordered = anonymous_api.get("/api/v1/members/", {"ordering": "-iso_code", "page_size": "3"})
    assert [r["iso_code"] for r in ordered.json()["results"]] == ["XK", "US", "UA"]
    assert anonymous_api.get("/api/v1/members/", {"as_of": "2012-12-04"}).json()["count"] == 0


def test_member_status_summary_matches_the_database(
    anonymous_api: ApiClient, contact: User, reviewer: User, submitted: Submission, french_commitments
) -> None:
    first = ProgressUpdate.objects.get(submission=submitted, commitment=french_commitments[0])
    ProgressUpdate.objects.filter(pk=first.pk).update(confidentiality="public", completion_percent=80)
    services.submission_accept(submission=submitted, actor=reviewer, seen_version=submitted.version)
    accepted = Submission.objects.get(pk=submitted.pk)
    row = anonymous_api.get("/api/v1/members/FR/").json()
    status = row["status"]
    france = MemberState.objects.get(iso_code="FR")
    assert status["commitments"]["total"] == Commitment.objects.filter(member_state=france).count() == 2
    assert status["commitments"]["by_target"] == {"victims": 1, "prosecution": 0, "awareness": 1, "availability": 0}
    assert status["commitments"]["by_status"]["not_started"] == 2
    # Completion from the latest accepted progress the client may see: one public update at 80%,
    # the other (members-level) hidden from anonymous clients, so 0.
    assert status["completion_percent"] == 40.0
    assert status["current_cycle"]["cycle"] == submitted.cycle_id
    assert status["current_cycle"]["submission_status"] == "accepted"
    assert status["current_cycle"]["is_late"] is False
    assert status["last_accepted_at"].startswith(accepted.accepted_at.isoformat()[:19])  # type: ignore[union-attr]
    assert row["memberships"][0]["joined_on"] == "2012-12-05"
    assert row["memberships"][0]["source"]
    assert [u["confidentiality"] for c in row["commitments"] for u in c["updates"]] == ["public"]


def test_submission_status_and_target_filters(anonymous_api: ApiClient, draft: Submission, french_commitments) -> None:
    drafts = anonymous_api.get("/api/v1/members/", {"submission_status": "draft", "page_size": "500"})
    assert codes(drafts) == {"FR"}
    not_started = anonymous_api.get("/api/v1/members/", {"submission_status": "not_started", "page_size": "500"})
    assert "FR" not in codes(not_started)
    assert not_started.json()["count"] == 53
    on_awareness = anonymous_api.get("/api/v1/members/", {"target": "awareness"})
    assert codes(on_awareness) == {"FR"}


def test_members_csv_is_the_status_table(anonymous_api: ApiClient) -> None:
    for url in ("/api/v1/members.csv", "/api/v1/members/?format=csv"):
        response = anonymous_api.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert len(rows) == 54
        assert rows[0]["iso_code"] == "AL"
        assert {"target_victims", "status_on_track", "completion_percent", "submission_status"} <= set(rows[0])


def test_reference_endpoints(anonymous_api: ApiClient) -> None:
    targets = anonymous_api.get("/api/v1/targets/").json()
    assert [t["code"] for t in targets["results"]] == ["victims", "prosecution", "awareness", "availability"]
    assert targets["results"][0]["goals"] == ["icse-identified-victims"]
    goals = anonymous_api.get("/api/v1/goals/", {"target__code": "availability"}).json()
    assert [g["number"] for g in goals["results"]] == [6, 7]
    declarations = anonymous_api.get("/api/v1/declarations/").json()["results"]
    assert [d["adopted_on"] for d in declarations] == ["2012-06-21", "2012-12-05", "2014-09-30"]
    assert len(declarations[2]["actions"]) == 4
    assert anonymous_api.get("/api/v1/declarations/ministerial-declaration-2014/").json()["actions"][0]["number"] == 1
    cycles = anonymous_api.get("/api/v1/cycles/").json()["results"]
    assert cycles[0]["name"] == "Initial report"
    assert cycles[0]["due_on"] == "2013-04-01"
    assert anonymous_api.get("/api/v1/targets/victims/").json()["number"] == 1
    assert anonymous_api.get("/api/v1/reports/").json()["count"] == 0


def test_commitment_filters(contact_api: ApiClient, draft: Submission, contact: User, french_commitments) -> None:
    fill_all(draft, contact)
    everything = contact_api.get("/api/v1/commitments/", {"member": "fr"}).json()
    assert everything["count"] == 2
    assert len(everything["results"][0]["updates"]) == 1  # the contact sees their own draft's updates
    assert contact_api.get("/api/v1/commitments/", {"target": "awareness"}).json()["count"] == 1
    assert contact_api.get("/api/v1/commitments/", {"goal": "icse-identified-victims"}).json()["count"] == 1
    assert contact_api.get("/api/v1/commitments/", {"status": "completed"}).json()["count"] == 0
    assert contact_api.get("/api/v1/commitments/", {"cycle": draft.cycle_id}).json()["count"] == 2
    detail = contact_api.get(f"/api/v1/commitments/{french_commitments[0].pk}/").json()
    assert detail["member"] == "FR"
    assert detail["goal"] == "icse-identified-victims"


def test_visibility_of_drafts(
    anonymous_api: ApiClient, contact_api: ApiClient, foreign_contact: User, draft: Submission, contact: User
) -> None:
    fill_all(draft, contact)
    assert anonymous_api.get("/api/v1/submissions/").json()["count"] == 0
    assert anonymous_api.get(f"/api/v1/submissions/{draft.pk}/").status_code == 404
    assert contact_api.get(f"/api/v1/submissions/{draft.pk}/").status_code == 200
    german = ApiClient(key_for(foreign_contact))
    assert german.get(f"/api/v1/submissions/{draft.pk}/").status_code == 404
    assert german.get("/api/v1/submissions/").json()["count"] == 0


def test_pagination_is_stable_and_capped(anonymous_api: ApiClient) -> None:
    first = anonymous_api.get("/api/v1/members/", {"page_size": "20"}).json()
    second = anonymous_api.get(first["next"].replace("http://testserver", "")).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert not codes_of(first) & codes_of(second)
    big = anonymous_api.get("/api/v1/members/", {"page_size": "100000"}).json()
    assert len(big["results"]) == 54


def codes_of(page: dict) -> set[str]:  # type: ignore[type-arg]
    return {r["iso_code"] for r in page["results"]}


def test_issue_api_key_command(contact: User, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("issue_api_key", contact.email, "--scope", "read")
    raw = capsys.readouterr().out.strip()
    key = ApiKey.objects.get(user=contact)
    assert key.scope == ApiKey.Scope.READ
    assert raw.startswith(key.prefix)
    assert raw not in key.digest
    assert ApiClient(raw).get("/api/v1/members/FR/").status_code == 200
    with pytest.raises(Exception, match="No account"):
        call_command("issue_api_key", "nobody@example.org")
    with pytest.raises(CommandError, match="between 1 and"):
        call_command("issue_api_key", contact.email, "--expires-in-days", "100000000000")


def test_revoked_and_expired_keys_are_refused(contact: User) -> None:
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from accounts.services import api_key_issue, api_key_revoke

    key, raw = api_key_issue(user=contact, actor=None, name="t", expires_at=timezone.now() + timedelta(days=1))
    assert ApiClient(raw).get("/api/v1/submissions/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        expired = ApiClient(raw).get("/api/v1/submissions/")
    assert expired.status_code == 401
    api_key_revoke(key=key, actor=None)
    refused = ApiClient(raw).get("/api/v1/submissions/")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "Token"
