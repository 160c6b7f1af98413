"""The translation catalogues as the code marks them today: the application's sources copied and
extracted again with `makemessages` (as for the translators), and a pseudo-locale built from them
(every marked string's text wrapped in ⟦…⟧, to find text on a page that no one marked)."""

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "alliance" / "locale"

# The application's packages: extracted again, in a copy, as `makemessages` does for the translators.
SOURCES = ("alliance", "accounts", "commitments", "reports", "jobs", "public", "webhooks", "idempotency")
IGNORED = ("*/migrations/*",)


def extract(destination: Path, languages: tuple[str, ...]) -> Path:
    """Today's marked strings merged (msgmerge) into a copy of the catalogues under `destination`:
    a string marked since the last extraction shows there as untranslated, a changed one as fuzzy.
    Returns the copy's locale directory (<language>/LC_MESSAGES/django.po)."""
    copy = destination / "src"
    copy.mkdir(parents=True)
    for package in SOURCES:
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    environment = {
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "alliance.settings",
        "VAR_DIR": str(destination / "var"),
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--no-location", "-v0"]
        + [f"--locale={language}" for language in languages]
        + [f"--ignore={pattern}" for pattern in IGNORED],
        cwd=copy,
        check=True,
        env=environment,
    )
    return copy / "alliance" / "locale"


# --- A small reader and writer of PO files (gettext's format) -------------------------------


@dataclass
class Message:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    flags: list[str] = field(default_factory=list)


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    return re.sub(r"\\(.)", lambda match: escapes.get(match[1], match[1]), text[1:-1])


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
    lines = escaped.split("\n")
    parts = [line + "\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    if len(parts) <= 1:
        return f'"{parts[0] if parts else ""}"'
    return '""\n' + "\n".join(f'"{part}"' for part in parts)


def read_po(po: Path) -> tuple[str, list[Message]]:
    """The catalogue's header (its msgstr) and its messages, obsolete ones (#~) left out."""
    header = ""
    messages: list[Message] = []
    for block in re.split(r"\n\s*\n", po.read_text(encoding="utf-8")):
        flags: list[str] = []
        values: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                values[key] += _unquote(line)
            elif line.strip():
                key, _, rest = line.partition(" ")
                values[key] = _unquote(rest.strip())
        if "msgid" not in values:
            continue
        if values["msgid"] == "" and "msgctxt" not in values:
            header = values.get("msgstr", "")
            continue
        messages.append(
            Message(
                values["msgid"], values.get("msgid_plural"), values.get("msgctxt"), [f for f in flags if f != "fuzzy"]
            )
        )
    return header, messages


# A placeholder of Python's formats (%(name)s, %s, {name}), a literal %% and an HTML tag: left as
# they are by the pseudo-locale, which wraps the text between them.
_KEPT = re.compile(
    r"%%"
    r"|%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"  # %(name)s, %s, %d
    r"|\{[A-Za-z_][A-Za-z0-9_]*\}"  # {name}
    r"|<[^<>]*>"  # a tag
)

OPEN, CLOSE = "⟦", "⟧"


def pseudo(text: str) -> str:
    """A message's pseudo-translation: each run of its text between placeholders and tags wrapped
    in ⟦…⟧, so that what a placeholder brings in (a name, a date, a code) stays outside and is
    checked too."""
    parts: list[str] = []
    position = 0
    for match in _KEPT.finditer(text):
        parts += [_wrapped(text[position : match.start()]), match[0]]
        position = match.end()
    parts.append(_wrapped(text[position:]))
    return "".join(parts)


def _wrapped(run: str) -> str:
    if run == "%%":
        return run
    return f"{OPEN}{run}{CLOSE}" if run.strip() else run


def write_pseudo_po(header: str, messages: list[Message], po: Path) -> None:
    entries = [f'msgid ""\nmsgstr {_quote(header)}\n']
    for message in messages:
        lines = [f"#, {', '.join(message.flags)}"] if message.flags else []
        if message.msgctxt is not None:
            lines.append(f"msgctxt {_quote(message.msgctxt)}")
        lines.append(f"msgid {_quote(message.msgid)}")
        if message.msgid_plural is None:
            lines.append(f"msgstr {_quote(pseudo(message.msgid))}")
        else:
            lines.append(f"msgid_plural {_quote(message.msgid_plural)}")
            lines.append(f"msgstr[0] {_quote(pseudo(message.msgid))}")
            lines.append(f"msgstr[1] {_quote(pseudo(message.msgid_plural))}")
        entries.append("\n".join(lines) + "\n")
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text("\n".join(entries), encoding="utf-8")


def django_catalogues(language: str) -> list[Path]:
    """Django's catalogues of `language` for the parts of it the pages use."""
    import django

    root = Path(django.__file__).parent
    parts = [root / "conf", root / "contrib" / "auth"]
    return [found for part in parts if (found := part / "locale" / language / "LC_MESSAGES" / "django.po").exists()]


def build_pseudo_locale(destination: Path, language: str = "fr") -> tuple[Path, list[Message]]:
    """A locale directory (for LOCALE_PATHS) whose `language` catalogue is the pseudo-locale of
    every string marked in today's code, compiled; and those messages."""
    extracted = extract(destination / "extracted", (language,))
    header, messages = read_po(extracted / language / "LC_MESSAGES" / "django.po")
    # Django's own messages that the pages show (its forms', the authentication forms'): marked too,
    # in Django, so read in the pseudo-locale as well (this catalogue comes first in LOCALE_PATHS).
    known = {(message.msgctxt, message.msgid) for message in messages}
    django_messages = []
    for catalogue in django_catalogues(language):
        for message in read_po(catalogue)[1]:
            if (message.msgctxt, message.msgid) not in known:
                known.add((message.msgctxt, message.msgid))
                django_messages.append(message)
    po = destination / "locale" / language / "LC_MESSAGES" / "django.po"
    write_pseudo_po(header, messages + django_messages, po)
    subprocess.run(["msgfmt", "--check", "-o", str(po.with_suffix(".mo")), str(po)], check=True)
    return destination / "locale", messages
