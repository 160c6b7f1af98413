"""Autosaves as national contacts' browsers send them, for the write benchmark of `make bench`.

Each contact first opens its submission page, as a browser does, and takes the first update form
the editor autosaves (`form[data-autosave]`): its address, its fields and the CSRF token. Then,
every `interval` seconds, it changes the narrative and posts the whole form as the editor
(alliance/static/js/editor.js) does: `FormData` (multipart), `X-Requested-With: fetch`,
`Accept: application/json`, a new `Idempotency-Key`, the version of its last save. A contact sends
its next save only once the last one is answered, as the editor does.
"""

import http.client
import json
import math
import secrets
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie

SAVE_TIMEOUT_SECONDS = 60


class AutosaveError(Exception):
    """A contact's page or save is not what a browser would get."""


# --- The form, read from the page ------------------------------------------------------------


class _FormReader(HTMLParser):
    """The successful controls of the first `form[data-autosave]`, in document order, as
    `new FormData(form)` collects them (no buttons, unchecked boxes left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.action: str | None = None
        self.fields: list[tuple[str, str]] = []
        self.files: list[str] = []
        self._inside = False
        self._done = False
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: tuple[str | None, bool] | None = None
        self._option_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and not self._done and not self._inside and "data-autosave" in attributes:
            self._inside = True
            self.action = attributes.get("action", "")
            return
        if not self._inside:
            return
        name = attributes.get("name")
        if tag == "input" and name and "disabled" not in attributes:
            kind = attributes.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind == "file":
                self.files.append(name)
            elif kind not in ("checkbox", "radio") or "checked" in attributes:
                self.fields.append((name, attributes.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._option = (attributes.get("value"), "selected" in attributes)
            self._option_text = []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)
        elif self._option is not None:
            self._option_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None:
            value, selected = self._option
            self._options.append((value if value is not None else "".join(self._option_text).strip(), selected))
            self._option = None
        elif tag == "textarea" and self._textarea is not None:
            # The HTML parser keeps the newline right after <textarea>, which browsers drop.
            text = "".join(self._text)
            self.fields.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if self._option is not None:
                self.handle_endtag("option")
            chosen = [value for value, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.fields += [(self._select, value) for value in chosen[:1]]
            self._select = None
        elif tag == "form" and self._inside:
            self._inside, self._done = False, True


@dataclass(frozen=True)
class EditorForm:
    action: str
    fields: list[tuple[str, str]]
    files: list[str]


def read_editor_form(page: str) -> EditorForm:
    """The first autosaved update form of a submission page."""
    reader = _FormReader()
    reader.feed(page)
    reader.close()
    if not reader.action:
        raise AutosaveError("the page has no autosaved update form (form[data-autosave])")
    return EditorForm(reader.action, reader.fields, reader.files)


def multipart(fields: Sequence[tuple[str, str]], files: Sequence[str]) -> tuple[str, bytes]:
    """The body `fetch` sends for a FormData: the fields, then each empty file input as a browser
    sends it (no file chosen); its content type with the boundary."""
    boundary = f"----AllianceBench{secrets.token_hex(12)}"
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    for name in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
            "Content-Type: application/octet-stream\r\n\r\n\r\n"
        )
    parts.append(f"--{boundary}--\r\n")
    return f"multipart/form-data; boundary={boundary}", "".join(parts).encode()


# --- One contact -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    cookies: dict[str, str]


def _request(port: int, method: str, path: str, headers: Mapping[str, str], body: bytes | None = None) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=SAVE_TIMEOUT_SECONDS)
    try:
        connection.request(method, path, body=body, headers=dict(headers))
        response = connection.getresponse()
        content = response.read()
        cookies: dict[str, str] = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookies.update({key: morsel.value for key, morsel in SimpleCookie(value).items()})
        return Answer(response.status, content, cookies)
    finally:
        connection.close()


@dataclass
class Contact:
    """A national contact's browser on its submission page: its cookies and the form it edits."""

    name: str
    port: int
    page: str
    cookies: dict[str, str]
    address: str  # its own client address, as the proxy in front reports it
    form: EditorForm | None = None
    version: int = 0
    saves: int = 0

    def headers(self) -> dict[str, str]:
        return {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
        }

    def open(self, csrf_cookie: str) -> None:
        """GET the submission page: the CSRF cookie and the form."""
        answer = _request(self.port, "GET", self.page, self.headers())
        if answer.status != 200:
            raise AutosaveError(f"{self.name}: GET {self.page} answered {answer.status}")
        self.cookies.update(answer.cookies)
        if csrf_cookie not in self.cookies:
            raise AutosaveError(f"{self.name}: GET {self.page} set no {csrf_cookie} cookie")
        self.form = read_editor_form(answer.body.decode())
        versions = [value for name, value in self.form.fields if name.endswith("-version")]
        if not versions or not any(name.endswith("-narrative") for name, _ in self.form.fields):
            raise AutosaveError(f"{self.name}: the update form has no version or narrative field")
        self.version = int(versions[0] or 0)

    def save(self) -> Answer:
        """One autosave: the form with a new narrative and the version of the last save."""
        assert self.form is not None, "open() first"
        self.saves += 1
        fields = []
        for name, value in self.form.fields:
            if name.endswith("-version"):
                value = str(self.version)
            elif name.endswith("-narrative"):
                value = f"Work continues; autosave {self.saves} of {self.name}."
            fields.append((name, value))
        content_type, body = multipart(fields, self.form.files)
        origin = f"https://127.0.0.1:{self.port}"
        headers = {
            **self.headers(),
            "Content-Type": content_type,
            "X-Requested-With": "fetch",
            "Accept": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
            # A browser's POST says where it comes from; the CSRF check of an HTTPS request reads it.
            "Origin": origin,
            "Referer": origin + self.page,
        }
        answer = _request(self.port, "POST", self.form.action, headers, body)
        if answer.status == 200:
            self.version = int(json.loads(answer.body)["version"])
        return answer


# --- The load --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Save:
    contact: str
    seconds: float
    status: int


@dataclass
class Autosaves:
    """Contacts saving every `interval` seconds from `start()` until `stop()`."""

    contacts: Sequence[Contact]
    interval: float
    saves: list[Save] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    seconds: float = 0.0
    _started: float = 0.0

    def start(self) -> None:
        self._started = time.monotonic()
        for index, contact in enumerate(self.contacts):
            # Spread evenly over the interval: the contacts did not all start typing at once.
            offset = self.interval * index / len(self.contacts)
            thread = threading.Thread(target=self._run, args=(contact, offset), daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self) -> list[Save]:
        self._stopping.set()
        for thread in self._threads:
            thread.join(SAVE_TIMEOUT_SECONDS + 5)
        self.seconds = time.monotonic() - self._started
        return self.saves

    def _run(self, contact: Contact, offset: float) -> None:
        due = self._started + offset
        while not self._stopping.wait(max(0.0, due - time.monotonic())):
            began = time.monotonic()
            try:
                status = contact.save().status
            except (OSError, http.client.HTTPException, ValueError, KeyError):
                status = 0  # no answer, or one the editor could not read
            with self._lock:
                self.saves.append(Save(contact.name, time.monotonic() - began, status))
            # The next save once this one is answered, as the editor sends it; else on time.
            due = max(due + self.interval, time.monotonic())


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (share 0.99: the 99th): the smallest value that at least that
    share of the values do not exceed."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]
