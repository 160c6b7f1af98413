"""The two halves of `make prod-check` that are Python (bin/prod-check runs the processes).

`setup` runs inside the installed tracker (production settings): demo accounts and data with a
fresh password and authenticator key, and prints what the walk needs as JSON. `walk` is a client
over HTTP with nothing but the standard library and the authenticator code: it signs in as a
national contact and uploads evidence, signs in as the secretariat (password and code), compiles a
report, waits for a worker to finish it and downloads the PDF.
"""

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

# A one-page PDF: what the upload's content check (commitments/uploads.py) takes for a PDF.
EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def setup(password: str, totp_key: str) -> dict[str, Any]:
    import django

    django.setup()
    from django.utils import timezone

    from commitments.dataversion import data_changed
    from commitments.demo import SECRETARIAT_EMAIL, seed_demo
    from commitments.models import Commitment, ReportingCycle, Submission

    seed_demo(password=password, today=timezone.localdate(), totp_key=totp_key)
    data_changed()
    draft = Submission.objects.filter(status=Submission.Status.DRAFT).select_related("member_state").first()
    if draft is None:
        raise SystemExit("the demo data has no draft submission to attach evidence to")
    commitment = Commitment.objects.filter(member_state_id=draft.member_state_id).order_by("pk").first()
    if commitment is None:
        raise SystemExit(f"{draft.member_state} has no commitment")
    cycle = ReportingCycle.objects.filter(submissions__status=Submission.Status.ACCEPTED).order_by("-due_on").first()
    if cycle is None:
        raise SystemExit("the demo data has no cycle with an accepted submission to compile")
    return {
        "contact": f"contact.{draft.member_state.iso_code.lower()}@example.org",
        "submission": draft.pk,
        "commitment": commitment.pk,
        "secretariat": SECRETARIAT_EMAIL,
        "cycle": cycle.pk,
    }


class Refused(Exception):
    pass


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Browser:
    """A session of one person: cookies, CSRF token and the Referer the CSRF check asks of HTTPS."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Answer:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())

    def csrf(self) -> str:
        for cookie in self.jar:
            if cookie.name == "csrftoken" and cookie.value:
                return cookie.value
        raise Refused("no CSRF cookie")

    def get(self, path: str, expect: int = 200) -> Answer:
        answer = self.request(path)
        if answer.status != expect:
            raise Refused(f"GET {path}: {answer.status} (expected {expect})\n{answer.body[:400]!r}")
        return answer

    def post(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None) -> Answer:
        fields = {"csrfmiddlewaretoken": self.csrf(), **fields}
        headers = {"Referer": self.base + path}
        if files:
            boundary = secrets.token_hex(16)
            parts = []
            for name, value in fields.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                )
            for name, (filename, content) in files.items():
                head = (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n"
                )
                parts.append(head.encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self.request(path, body, headers)

    def sign_in(self, email: str, password: str) -> Answer:
        self.get("/accounts/login/")
        answer = self.post("/accounts/login/", {"username": email, "password": password})
        if answer.status != 302 or "/accounts/login/" in answer.location:
            raise Refused(f"sign-in of {email}: {answer.status} {answer.location}")
        return answer


def walk(base: str, facts: dict[str, Any], password: str, totp_key: str) -> list[str]:
    import binascii

    from django_otp.oath import totp

    done: list[str] = []
    anonymous = Browser(base)
    health = anonymous.get("/healthz")
    done.append(f"healthz: {health.body.decode().strip()[:80]}")
    page = anonymous.get("/").body.decode()
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page)
    if stylesheet is None:
        raise Refused("the overview page links no stylesheet under /static/")
    asset = anonymous.get(stylesheet.group(1))
    if "max-age" not in asset.headers.get("cache-control", ""):
        raise Refused(f"{stylesheet.group(1)} is served without a long cache lifetime: {asset.headers}")
    done.append(f"static: {stylesheet.group(1)} served by WhiteNoise ({asset.headers['cache-control']})")

    contact = Browser(base)
    contact.sign_in(facts["contact"], password)
    submission, commitment = facts["submission"], facts["commitment"]
    contact.get(f"/submissions/{submission}/")
    answer = contact.post(
        f"/submissions/{submission}/updates/{commitment}/evidence/",
        {},
        files={f"e{commitment}-file": ("evidence.pdf", EVIDENCE_PDF)},
    )
    if answer.status != 302:
        raise Refused(f"evidence upload: {answer.status}\n{answer.body[:600]!r}")
    page = contact.get(f"/submissions/{submission}/").body.decode()
    link = re.search(r'href="(/evidence/\d+/)"', page)
    if link is None:
        raise Refused("the uploaded evidence is not listed on the submission page")
    if contact.get(link.group(1)).body != EVIDENCE_PDF:
        raise Refused("the evidence downloaded differs from the file uploaded")
    done.append(f"evidence: {facts['contact']} uploaded a PDF and downloaded it again ({link.group(1)})")

    secretariat = Browser(base)
    answer = secretariat.sign_in(facts["secretariat"], password)
    if "/accounts/verify/" not in answer.location:
        raise Refused(f"the secretariat was not asked for a second factor: {answer.location}")
    secretariat.get("/accounts/verify/")
    code = f"{totp(binascii.unhexlify(totp_key)):06d}"
    answer = secretariat.post("/accounts/verify/", {"token": code})
    if answer.status != 302 or "/accounts/verify/" in answer.location:
        raise Refused(f"second factor refused: {answer.status}\n{answer.body[:400]!r}")
    secretariat.get("/reports/")
    answer = secretariat.post("/reports/compile", {"cycle": str(facts["cycle"]), "edition": "secretariat"})
    found = re.fullmatch(r".*/reports/(\d+)/", answer.location)
    if answer.status != 302 or found is None:
        raise Refused(f"compile request: {answer.status} {answer.location}\n{answer.body[:400]!r}")
    report = found.group(1)
    started = time.monotonic()
    state: dict[str, Any] = {}
    while time.monotonic() - started < 180:
        state = json.loads(secretariat.get(f"/api/v1/reports/{report}/").body)
        if state["status"] in ("done", "failed"):
            break
        time.sleep(1)
    if state.get("status") != "done":
        raise Refused(f"report {report} did not compile: {state}")
    done.append(f"report {report}: compiled by a worker in {time.monotonic() - started:.0f} s")
    pdf = secretariat.get(f"/reports/{report}/files/pdf").body
    if not pdf.startswith(b"%PDF-"):
        raise Refused(f"the report's PDF is not a PDF: {pdf[:40]!r}")
    done.append(f"report {report}: PDF downloaded, {len(pdf)} bytes")
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("step", choices=["setup", "walk"])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--facts", default="{}", help="what setup printed")
    arguments = parser.parse_args()
    # From the environment, not the command line, where other users of the machine could read them.
    password, totp_key = os.environ["PROD_CHECK_PASSWORD"], os.environ["PROD_CHECK_TOTP_KEY"]
    if arguments.step == "setup":
        print(json.dumps(setup(password, totp_key)))
        return
    try:
        lines = walk(arguments.base, json.loads(arguments.facts), password, totp_key)
    except Refused as error:
        sys.exit(f"prod-check walk failed: {error}")
    for line in lines:
        print(f"  ok  {line}")


if __name__ == "__main__":
    main()
