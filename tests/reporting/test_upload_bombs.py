"""Zip bombs among evidence uploads: refused on the file field, whatever office type they are named
as, without the web process unpacking them (its peak memory measured in a real gunicorn worker)."""

import html
import http.client
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from commitments.models import Commitment, Evidence, Submission
from commitments.uploads import DOCX, detect_type
from tests.processes import gunicorn
from tests.reporting import files
from tests.worker import database_url_of_tests

MB = 1_000_000

# What each kind of refusal says (the start of the message on the file field).
TOO_LARGE = "unpacked, it would take more than"
TOO_COMPRESSED = "compressed more than"
TOO_MANY_PARTS = "it holds more than"
DAMAGED = "do not match the sizes and checksums"
NESTED = "archives inside archives"
UNSUPPORTED = "encrypted or compressed in a way"

# Zip bombs of 300 MiB (the size reported in issue 14), each dressed as the type its name says.
BOMBS_BY_NAME = [
    pytest.param("plan.odt", lambda: files.bomb({}, "mimetype"), id="odt-mimetype"),
    pytest.param("plan.odt", lambda: files.bomb(files.odf_parts("text"), "content.xml"), id="odt-content"),
    pytest.param("statement.docx", lambda: files.bomb(files.DOCX_PARTS, "word/media/image1.png"), id="docx"),
    pytest.param("figures.xlsx", lambda: files.bomb(files.XLSX_PARTS, "xl/worksheets/sheet1.xml"), id="xlsx"),
    pytest.param("slides.pptx", lambda: files.bomb(files.PPTX_PARTS, "ppt/slides/slide1.xml"), id="pptx"),
    pytest.param("figures.ods", lambda: files.bomb(files.odf_parts("spreadsheet"), "content.xml"), id="ods"),
    pytest.param("slides.odp", lambda: files.bomb(files.odf_parts("presentation"), "content.xml"), id="odp"),
]


def upload(client: Client, submission: Submission, commitment: Commitment, name: str, content: bytes):
    url = reverse("commitments:evidence_upload", args=[submission.pk, commitment.pk])
    return client.post(url, {f"e{commitment.pk}-file": SimpleUploadedFile(name, content)})


def file_field_error(page: str, commitment: Commitment) -> str:
    """The error shown next to the upload form's file field ("" if none)."""
    found = re.search(rf'<p class="error-message" id="id_e{commitment.pk}-file_error">(.*?)</p>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else ""


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.mark.parametrize(("name", "make"), BOMBS_BY_NAME)
def test_a_zip_bomb_is_refused_on_the_file_field_whatever_its_office_type(
    client: Client, contact: User, draft: Submission, french_commitments, settings: LazySettings, tmp_path, name, make
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(contact)
    commitment = french_commitments[0]
    response = upload(client, draft, commitment, name, make())
    assert response.status_code == 400
    assert TOO_LARGE in file_field_error(response.content.decode(), commitment)
    assert not Evidence.objects.exists()
    assert stored_files(tmp_path) == []


def docx_of(huge_part: str = "word/document.xml", **kwargs: int) -> bytes:
    return files.bomb(files.DOCX_PARTS, huge_part, **kwargs)


def nested(depth: int) -> bytes:
    """A .docx holding an archive that holds an archive ... `depth` levels down."""
    inner = files.DOCX
    for _ in range(depth - 1):
        inner = files.raw_zip([files.plain("embedded.xlsx", inner)])
    return files.raw_zip([*(files.plain(n, d) for n, d in files.DOCX_PARTS.items()), files.plain("word/e.xlsx", inner)])


def overlapping() -> bytes:
    """Parts that share one compressed stream (the "non-recursive" bomb): each looks small and honest."""
    parts = [files.plain(n, d) for n, d in files.DOCX_PARTS.items()]
    return files.raw_zip(
        [*parts, *(files.RawPart(f"{i}.xml", p.stored, p.crc, p.file_size, 0, at=0) for i, p in enumerate(parts))]
    )


def wrong_crc() -> bytes:
    parts = [files.plain(n, d) for n, d in files.DOCX_PARTS.items()]
    return files.raw_zip(
        [parts[0], files.RawPart(parts[1].name, parts[1].stored, parts[1].crc ^ 1, parts[1].file_size, 0)]
    )


def encrypted() -> bytes:
    parts = [files.plain(n, d) for n, d in files.DOCX_PARTS.items()]
    return files.raw_zip(
        [parts[0], files.RawPart(parts[1].name, parts[1].stored, parts[1].crc, parts[1].file_size, 0, flags=1)]
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(docx_of, TOO_LARGE, id="declares-300-MiB"),
        pytest.param(lambda: docx_of(expanded=8 * files.MiB), TOO_COMPRESSED, id="8-MiB-at-1000-to-1"),
        pytest.param(
            lambda: files.raw_zip(
                [*(files.plain(n, d) for n, d in files.DOCX_PARTS.items())]
                + [files.RawPart(f"{i}.xml", *files.deflated_zeros(files.MiB), files.MiB) for i in range(8)]
            ),
            TOO_COMPRESSED,
            id="many-small-parts-at-1000-to-1",
        ),
        pytest.param(lambda: files.lying_bomb(files.DOCX_PARTS, "word/document.xml"), DAMAGED, id="declares-1-KiB"),
        pytest.param(lambda: files.many_parts(files.DOCX_PARTS, 10_000), TOO_MANY_PARTS, id="10002-parts"),
        pytest.param(
            lambda: files.many_parts(files.DOCX_PARTS, 100, name_length=60_000), TOO_MANY_PARTS, id="6-MB-of-names"
        ),
        pytest.param(overlapping, DAMAGED, id="overlapping-parts"),
        pytest.param(wrong_crc, DAMAGED, id="wrong-crc"),
        pytest.param(lambda: nested(2), NESTED, id="archive-in-archive-in-archive"),
        pytest.param(encrypted, UNSUPPORTED, id="encrypted-part"),
    ],
)
def test_each_sign_of_a_bomb_refuses_the_file(make, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        detect_type(SimpleUploadedFile("statement.docx", make()))
    assert message in refused.value.messages[0]


def test_the_limits_come_from_the_settings(settings: LazySettings) -> None:
    settings.EVIDENCE_ZIP_MAX_ENTRIES = 1
    with pytest.raises(ValidationError, match="more than 1 parts"):
        detect_type(SimpleUploadedFile("statement.docx", files.DOCX))
    settings.EVIDENCE_ZIP_MAX_ENTRIES = 10
    settings.EVIDENCE_ZIP_MAX_EXPANDED_BYTES = 10
    with pytest.raises(ValidationError, match=TOO_LARGE):
        detect_type(SimpleUploadedFile("statement.docx", files.DOCX))
    # Allowed, 1000 to 1 is unpacked in full (each chunk of input giving many chunks of output) and proven.
    settings.EVIDENCE_ZIP_MAX_EXPANDED_BYTES = 10 * files.MiB
    settings.EVIDENCE_ZIP_MAX_RATIO = 2000
    assert detect_type(SimpleUploadedFile("statement.docx", docx_of(expanded=8 * files.MiB))) is DOCX


@pytest.mark.parametrize(
    ("name", "make", "content_type"),
    [
        pytest.param("statement.docx", lambda: files.DOCX, "wordprocessingml", id="docx"),
        pytest.param("figures.xlsx", lambda: files.XLSX, "spreadsheetml", id="xlsx"),
        pytest.param("plan.odt", lambda: files.ODT, "opendocument.text", id="odt"),
        pytest.param("figures.xlsx", lambda: files.workbook(20_000), "spreadsheetml", id="openpyxl-20000-rows"),
        pytest.param("statement.docx", files.docx_with_chart, "wordprocessingml", id="docx-with-embedded-workbook"),
        pytest.param("plan.odt", files.odt_document, "opendocument.text", id="odt-as-libreoffice-writes-it"),
        pytest.param("form.docx", files.blank_form_docx, "wordprocessingml", id="blank-form-290-to-1"),
    ],
)
def test_real_documents_are_still_accepted(
    client: Client, contact: User, draft: Submission, french_commitments, name: str, make, content_type: str
) -> None:
    client.force_login(contact)
    content = make()
    response = upload(client, draft, french_commitments[0], name, content)
    assert response.status_code == 302, file_field_error(response.content.decode(), french_commitments[0])
    evidence = Evidence.objects.get()
    assert content_type in evidence.content_type
    assert evidence.file.read() == content


# --- The web process's memory, measured in a real gunicorn worker --------------------------


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def peak_memory_kib(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    assert found is not None
    return int(found.group(1))


@dataclass
class WebServer:
    port: int
    worker: int
    media: Path

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str]):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.request(method, path, body=body, headers={"Host": "127.0.0.1", **headers})
        response = connection.getresponse()
        response.body = response.read().decode(errors="replace")  # type: ignore[attr-defined]
        connection.close()
        return response


@pytest.fixture
def web_server(alliance: None, tmp_path: Path) -> Iterator[WebServer]:
    """gunicorn with one worker and production settings, on the test database and media in tmp_path."""
    with gunicorn(database_url_of_tests(), SECURE_SSL_REDIRECT="false", MEDIA_ROOT=str(tmp_path)) as served:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not children_of(served.pid):
            time.sleep(0.2)
        (worker,) = children_of(served.pid)
        yield WebServer(served.port, worker, tmp_path)


def multipart(fields: dict[str, str], file_field: str, file_name: str, content: bytes) -> tuple[bytes, str]:
    boundary = f"----bomb-{uuid.uuid4().hex}"
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{file_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body += content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("name", "make"),
    [
        pytest.param("plan.odt", lambda: files.bomb({}, "mimetype"), id="odt-mimetype-300-MiB"),
        pytest.param(
            "statement.docx", lambda: files.lying_bomb(files.DOCX_PARTS, "word/document.xml"), id="docx-lying"
        ),
        # 19 MB of directory entries (under the 20 MB upload limit): some 420,000 parts to list.
        pytest.param("statement.docx", lambda: files.many_parts(files.DOCX_PARTS, 420_000), id="docx-420000-parts"),
    ],
)
def test_checking_a_bomb_leaves_the_web_process_memory_flat(
    web_server: WebServer, contact: User, draft: Submission, french_commitments, name: str, make
) -> None:
    signed_in = Client()
    signed_in.force_login(contact)  # the session is in the database and Redis, which gunicorn shares
    cookies = {"Cookie": f"sessionid={signed_in.cookies['sessionid'].value}"}
    page = web_server.request("GET", reverse("commitments:submission", args=[draft.pk]), headers=cookies)
    assert page.status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    csrf_cookie = re.search(r"csrftoken=([^;]+)", "; ".join(page.headers.get_all("Set-Cookie") or []))
    assert token is not None
    assert csrf_cookie is not None
    cookies["Cookie"] += f"; csrftoken={csrf_cookie.group(1)}"
    commitment = french_commitments[0]
    url = reverse("commitments:evidence_upload", args=[draft.pk, commitment.pk])

    def send(file_name: str, content: bytes):
        body, content_type = multipart(
            {"csrfmiddlewaretoken": token.group(1)}, f"e{commitment.pk}-file", file_name, content
        )
        return web_server.request("POST", url, body=body, headers={**cookies, "Content-Type": content_type})

    # A real document first, so that what any upload costs (imports, buffers) is already counted.
    assert send("statement.docx", files.docx_with_chart()).status == 302
    stored_before = stored_files(web_server.media)
    bomb = make()
    before = peak_memory_kib(web_server.worker)

    response = send(name, bomb)

    growth_mb = (peak_memory_kib(web_server.worker) - before) * 1024 / MB
    print(f"{name}: {len(bomb) / MB:.1f} MB uploaded, worker peak memory grew by {growth_mb:.1f} MB")
    assert growth_mb < 50
    assert response.status == 400, response.body[:300]
    assert "This file is refused" in html.unescape(response.body)
    assert Evidence.objects.count() == 1  # the real document only
    assert stored_files(web_server.media) == stored_before
