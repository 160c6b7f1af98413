"""Evidence uploads: the content decides the type; impostors, oversized files and paths are refused."""

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from commitments.models import Commitment, Evidence, Submission
from tests.reporting import files


def upload(client: Client, submission: Submission, commitment: Commitment, name: str, content: bytes):
    url = reverse("commitments:evidence_upload", args=[submission.pk, commitment.pk])
    return client.post(url, {f"e{commitment.pk}-file": SimpleUploadedFile(name, content)})


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("report.pdf", files.PDF, "application/pdf"),
        ("photo.png", files.PNG, "image/png"),
        ("photo.jpeg", files.JPEG, "image/jpeg"),
        ("statement.docx", files.DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("figures.xlsx", files.XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("plan.odt", files.ODT, "application/vnd.oasis.opendocument.text"),
    ],
)
def test_each_accepted_type_is_stored_under_a_generated_name(
    client: Client, contact: User, draft: Submission, french_commitments, name: str, content: bytes, content_type: str
) -> None:
    client.force_login(contact)
    response = upload(client, draft, french_commitments[0], name, content)
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.original_name == name
    assert evidence.content_type == content_type
    assert evidence.size == len(content)
    assert name not in evidence.file.name
    assert evidence.file.name.startswith("evidence/")
    assert evidence.file.read() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", files.EXECUTABLE, "content is not one of the accepted types"),
        ("report.pdf", files.HTML, "content is not one of the accepted types"),
        ("archive.docx", files.PLAIN_ZIP, "content is not one of the accepted types"),
        ("report.docx", files.PDF, "content is PDF, but its name ends in"),
        ("tool.exe", files.EXECUTABLE, "content is not one of the accepted types"),
        ("figures.xlsx", files.XLSM, "Files with macros are refused"),
        ("statement.docx", files.DOCM, "Files with macros are refused"),
    ],
)
def test_impostors_are_refused_with_a_form_error(
    client: Client, contact: User, draft: Submission, french_commitments, name: str, content: bytes, message: str
) -> None:
    client.force_login(contact)
    response = upload(client, draft, french_commitments[0], name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Evidence.objects.exists()


def test_an_oversized_file_is_refused(
    client: Client, contact: User, draft: Submission, french_commitments, settings: LazySettings
) -> None:
    settings.EVIDENCE_MAX_BYTES = 1024
    client.force_login(contact)
    response = upload(client, draft, french_commitments[0], "big.pdf", files.PDF + b"0" * 2048)
    assert response.status_code == 400
    assert "larger than the limit" in response.content.decode()
    assert not Evidence.objects.exists()


def raw_multipart(field: str, file_name: str, content: bytes, token: str) -> tuple[bytes, str]:
    """A multipart body with the file name exactly as given (the test client would clean it)."""
    boundary = "----alliance-test-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{file_name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("name", ["../../etc/report.pdf", "..\\..\\report.pdf", "/etc/report.pdf", "dir/report.pdf"])
def test_a_path_in_the_file_name_is_refused(
    client: Client, contact: User, draft: Submission, french_commitments, name: str
) -> None:
    client.force_login(contact)
    commitment = french_commitments[0]
    url = reverse("commitments:evidence_upload", args=[draft.pk, commitment.pk])
    body, content_type = raw_multipart(f"e{commitment.pk}-file", name, files.PDF, token="unused")
    response = client.post(url, data=body, content_type=content_type)
    assert response.status_code == 400
    assert "without folders" in response.content.decode()
    assert not Evidence.objects.exists()


def test_downloads_are_attachments_for_allowed_users_only(
    client: Client, contact: User, foreign_contact: User, reviewer: User, draft: Submission, french_commitments
) -> None:
    client.force_login(contact)
    upload(client, draft, french_commitments[0], "report.pdf", files.PDF)
    evidence = Evidence.objects.get()
    url = reverse("commitments:evidence_download", args=[evidence.pk])

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="report.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == files.PDF  # type: ignore[attr-defined]

    client.force_login(reviewer)
    assert client.get(url).status_code == 200
    client.force_login(foreign_contact)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404  # an unpublished report's file is not even confirmed to exist


def test_a_removed_file_is_gone(
    client: Client, contact: User, draft: Submission, french_commitments, django_capture_on_commit_callbacks
) -> None:
    client.force_login(contact)
    upload(client, draft, french_commitments[0], "report.pdf", files.PDF)
    evidence = Evidence.objects.get()
    storage, name = evidence.file.storage, evidence.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("commitments:evidence_delete", args=[evidence.pk]))
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert not storage.exists(name)
