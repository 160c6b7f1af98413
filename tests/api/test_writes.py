"""Writing through the API: the browser's rules, ETags and If-Match, If-None-Match."""

import json

from accounts.models import User
from commitments.models import ProgressUpdate, Submission
from tests.api.conftest import ApiClient, key_for
from tests.conftest import fill_all


def post(client: ApiClient, url: str, body: object, **headers: str):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def etag_of(client: ApiClient, url: str) -> str:
    """The ETag a client gets reading the object: what it sends back in If-Match to change it."""
    read = client.get(url)
    assert read.status_code == 200, read.content
    return str(read["ETag"])


def test_a_contact_reports_through_the_api(contact_api: ApiClient, cycle, french_commitments, reviewer: User) -> None:
    created = post(contact_api, "/api/v1/submissions/", {"cycle": cycle.pk})
    assert created.status_code == 201
    submission = created.json()
    assert submission["member"] == "FR"
    assert created["ETag"] == f'"submission-{submission["id"]}-v1"'

    base = f"/api/v1/submissions/{submission['id']}"
    for commitment in french_commitments:
        response = post(
            contact_api,
            f"{base}/updates/",
            {
                "commitment": commitment.pk,
                "status": "on_track",
                "completion_percent": 40,
                "narrative": "Under way.",
                "milestones": [{"due_on": "2026-12-31", "title": "Pilot"}],
            },
        )
        assert response.status_code == 201, response.json()
    again = post(contact_api, f"{base}/updates/", {"commitment": french_commitments[0].pk})
    assert again.status_code == 409

    url = f"{base}/updates/{french_commitments[0].pk}/"
    read = contact_api.get(url)
    assert read.json()["milestones"] == [{"due_on": "2026-12-31", "title": "Pilot", "done": False}]
    tag = read["ETag"]
    changed = contact_api.patch(
        url, json.dumps({"completion_percent": 60}), content_type="application/json", headers={"If-Match": tag}
    )
    assert changed.status_code == 200
    assert changed.json()["completion_percent"] == 60
    stale = contact_api.patch(
        url, json.dumps({"completion_percent": 70}), content_type="application/json", headers={"If-Match": tag}
    )
    assert stale.status_code == 412
    assert ProgressUpdate.objects.get(pk=read.json()["id"]).completion_percent == 60

    submitted = post(contact_api, f"{base}/submit/", {}, **{"If-Match": etag_of(contact_api, f"{base}/")})
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    locked = contact_api.patch(
        url, json.dumps({"narrative": "late"}), content_type="application/json", headers={"If-Match": changed["ETag"]}
    )
    assert locked.status_code == 409

    reviewer_api = ApiClient(key_for(reviewer))
    current = reviewer_api.get(f"{base}/")
    update_id = current.json()["updates"][0]["id"]
    returned = post(
        reviewer_api,
        f"{base}/return/",
        {"updates": [{"update_id": update_id, "comment": "Figures please."}]},
        **{"If-Match": current["ETag"]},
    )
    assert returned.status_code == 200
    assert returned.json()["status"] == "returned"
    stale_accept = post(reviewer_api, f"{base}/accept/", {}, **{"If-Match": current["ETag"]})
    assert stale_accept.status_code in (409, 412)


def test_incomplete_submission_is_a_conflict_naming_what_is_missing(
    contact_api: ApiClient, draft: Submission, french_commitments
) -> None:
    url = f"/api/v1/submissions/{draft.pk}/"
    response = post(contact_api, f"{url}submit/", {}, **{"If-Match": etag_of(contact_api, url)})
    assert response.status_code == 409
    assert set(response.json()["missing_commitments"]) == {c.pk for c in french_commitments}


def test_acceptance_of_an_unseen_version_is_refused(reviewer: User, submitted: Submission) -> None:
    client = ApiClient(key_for(reviewer))
    url = f"/api/v1/submissions/{submitted.pk}/accept/"
    stale = post(client, url, {}, **{"If-Match": f'"submission-{submitted.pk}-v{submitted.version - 1}"'})
    assert stale.status_code == 412
    wrong_object = post(client, url, {}, **{"If-Match": f'"submission-{submitted.pk + 1}-v{submitted.version}"'})
    assert wrong_object.status_code == 412
    assert Submission.objects.get(pk=submitted.pk).status == "submitted"
    accepted = post(client, url, {}, **{"If-Match": f'"submission-{submitted.pk}-v{submitted.version}"'})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"


def test_reads_honour_if_none_match(contact_api: ApiClient, draft: Submission, contact: User) -> None:
    fill_all(draft, contact)
    first = contact_api.get(f"/api/v1/submissions/{draft.pk}/")
    tag = first["ETag"]
    assert contact_api.get(f"/api/v1/submissions/{draft.pk}/", headers={"If-None-Match": tag}).status_code == 304
    members = contact_api.get("/api/v1/members/")
    assert members.has_header("ETag")
    again = contact_api.get("/api/v1/members/", headers={"If-None-Match": members["ETag"]})
    assert again.status_code == 304


def test_a_read_only_key_never_writes(reviewer: User, submitted: Submission) -> None:
    read_only = ApiClient(key_for(reviewer, read_only=True))
    response = post(read_only, f"/api/v1/submissions/{submitted.pk}/accept/", {})
    assert response.status_code in (403, 404)
    assert Submission.objects.get(pk=submitted.pk).status == "submitted"
    # ...and reads only what is published, whoever owns it.
    assert read_only.get("/api/v1/submissions/").json()["count"] == 0


def test_writes_need_an_account(anonymous_api: ApiClient, draft: Submission) -> None:
    response = post(anonymous_api, f"/api/v1/submissions/{draft.pk}/submit/", {})
    assert response.status_code == 401
    assert response.json()["detail"]
