"""Texts in their languages: the reference texts' unofficial translations (data the secretariat
corrects, the official English kept), the language each narrative is written in, reports
compiled in French or Spanish, and the API's `?lang=`."""

import io
import json
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format

from accounts.models import User
from commitments import services
from commitments.models import Commitment, OperationalGoal, PolicyTarget, ProgressUpdate, Submission
from commitments.reference.load import TRANSLATIONS, load_reference_data
from commitments.selectors import snapshot_data
from reports.models import CompiledReport
from reports.services import report_compile, report_request
from tests.api.conftest import ApiClient, key_for

pytestmark = pytest.mark.django_db


# --- Reference texts ---------------------------------------------------------------------------


def test_reference_texts_read_in_french_are_marked_unofficial_and_keep_the_official_english(alliance: None) -> None:
    target = PolicyTarget.objects.get(number=1)
    with translation.override("fr"):
        french = target.wording("statement")
    assert not french.official
    assert french.language == "fr"
    assert french.text == json.loads(TRANSLATIONS.read_text())["fr"]["targets"][target.code]["statement"]
    assert french.official_text == target.statement  # the sources' wording, untouched
    with translation.override("en-gb"):
        assert target.wording("statement").official
        assert target.wording("statement").text == target.statement
    # A language without a translation of a text reads the official English.
    target.statement_es = ""
    assert target.wording("statement", "es").official


def test_the_secretariats_correction_survives_the_next_load_and_an_empty_column_is_filled(alliance: None) -> None:
    goal = OperationalGoal.objects.get(number=1)
    goal.text_fr = "Traduction corrigée par le secrétariat."
    goal.text_es = ""
    goal.save()
    load_reference_data()  # as every deployment does at start
    goal.refresh_from_db()
    assert goal.text_fr == "Traduction corrigée par le secrétariat."
    assert goal.text_es == json.loads(TRANSLATIONS.read_text())["es"]["goals"][goal.code]["text"]
    assert not load_reference_data().changed  # the second run changes nothing


def test_every_reference_text_has_its_french_and_spanish_translation_in_the_file(alliance: None) -> None:
    data = json.loads(TRANSLATIONS.read_text())
    assert set(data) == {"fr", "es"}
    for language in ("fr", "es"):
        assert set(data[language]["targets"]) == set(PolicyTarget.objects.values_list("code", flat=True))
        assert set(data[language]["goals"]) == set(OperationalGoal.objects.values_list("code", flat=True))
        for target in PolicyTarget.objects.all():
            assert getattr(target, f"title_{language}")
            assert getattr(target, f"statement_{language}")


def test_the_secretariat_corrects_a_translation_in_the_admin(client: Client, secretariat_admin: User) -> None:
    target = PolicyTarget.objects.get(number=2)
    client.force_login(secretariat_admin)
    page = client.get(f"/admin/commitments/policytarget/{target.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert 'name="statement_fr"' in page.content.decode()
    assert "An unofficial translation, shown to readers of this language." in page.content.decode()


def test_the_text_languages_are_the_trackers_languages() -> None:
    from django.conf import settings

    from commitments.models import TextLanguage

    assert {code.split("-")[0] for code, _ in settings.LANGUAGES} == set(TextLanguage.values)


# --- The language of each narrative ----------------------------------------------------------


def test_each_update_records_the_language_its_narrative_is_written_in(draft: Submission, contact: User) -> None:
    commitment = Commitment.objects.filter(member_state=draft.member_state).first()
    assert commitment is not None
    with translation.override("fr"):
        update = services.progress_update_save(
            submission=draft,
            commitment=commitment,
            actor=contact,
            values={"narrative": "L'unité est connectée à ICSE."},
            expected_version=None,
        )
    assert update.narrative_language == "fr"
    # A change that leaves the narrative alone keeps its language, whatever the writer's now.
    with translation.override("es"):
        update = services.progress_update_save(
            submission=draft,
            commitment=commitment,
            actor=contact,
            values={"completion_percent": 40},
            expected_version=update.version,
        )
    assert update.narrative_language == "fr"
    assert snapshot_data(draft)["updates"][str(commitment.pk)]["narrative_language"] == "fr"


def test_an_api_client_names_the_narratives_language_and_an_unknown_one_is_a_400(
    draft: Submission, contact: User
) -> None:
    commitment = Commitment.objects.filter(member_state=draft.member_state).first()
    assert commitment is not None
    api = ApiClient(key_for(contact))
    url = f"/api/v1/submissions/{draft.pk}/updates/"
    refused = api.post(
        url,
        json.dumps({"commitment": commitment.pk, "narrative": "Texto.", "narrative_language": "de"}),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "narrative_language" in refused.json()["errors"]
    created = api.post(
        url,
        json.dumps({"commitment": commitment.pk, "narrative": "La unidad está conectada.", "narrative_language": "es"}),
        content_type="application/json",
        HTTP_IF_NONE_MATCH="*",
    )
    assert created.status_code == 201, created.content
    assert created.json()["narrative_language"] == "es"
    assert ProgressUpdate.objects.get(pk=created.json()["id"]).narrative_language == "es"


# --- The API's language ------------------------------------------------------------------------


def test_the_apis_lang_parameter_names_the_language_of_the_answer(alliance: None) -> None:
    api = Client()
    french = api.get("/api/v1/members/?as_of=yesterday&lang=fr", HTTP_ACCEPT_LANGUAGE="es")
    assert french.status_code == 400
    assert french.json()["detail"] == "Données non valides."
    assert list(french.json()["errors"]) == ["as_of"]  # codes and field names stay English
    spanish = api.get("/api/v1/members/?as_of=yesterday", HTTP_ACCEPT_LANGUAGE="es")
    assert spanish.json()["detail"] != french.json()["detail"]
    unknown = api.get("/api/v1/members/?lang=klingon")
    assert unknown.status_code == 400
    assert list(unknown.json()["errors"]) == ["lang"]


# --- Reports in a language ---------------------------------------------------------------------


def _pdf_text(report: CompiledReport, tmp_path: Path) -> str:
    pdf = tmp_path / f"report-{report.pk}.pdf"
    pdf.write_bytes(report.files.get(format="pdf").file.read())
    output = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(output.split())


@pytest.mark.slow
def test_a_report_compiled_in_french_has_french_labels_and_dates(
    reviewer: User, submitted: Submission, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    french = report_compile(
        report=report_request(cycle=submitted.cycle, edition="secretariat", language="fr", actor=reviewer)
    )
    assert french.status == "done", french.error
    assert french.language == "fr"
    text = _pdf_text(french, tmp_path)
    with translation.override("fr"):
        due = date_format(submitted.cycle.due_on, "j F Y")
    assert due in text  # "1 avril 2027": the day, the French month, the year
    assert "Engagements par objectif politique" in text
    assert "Objectif politique 1 :" in text
    assert "(traduction non officielle)" in text  # the targets' titles are unofficial translations
    assert "Rédigé en anglais." in text  # the fixture's narratives are English: the report says so
    assert "Commitments by policy target" not in text
    assert "Page 1 sur" in text or "Page 1 de" in text
    assert json.loads(french.files.get(format="json").file.read())["language"] == "fr"
    book = load_workbook(io.BytesIO(french.files.get(format="xlsx").file.read()))
    assert book.sheetnames[0] == "Vue d'ensemble"

    # The English edition of the same data is another report, in English.
    english = report_compile(report=report_request(cycle=submitted.cycle, edition="secretariat", actor=reviewer))
    assert english.same_as is None
    assert english.data_version != french.data_version
    english_text = _pdf_text(english, tmp_path)
    assert "Commitments by policy target" in english_text
    assert "Written in English." not in english_text  # in the report's own language: nothing to say


def test_the_secretariat_picks_the_language_of_an_edition(reviewer: User, submitted: Submission) -> None:
    api = ApiClient(key_for(reviewer))
    bad = api.post(
        "/api/v1/reports/",
        json.dumps({"cycle": submitted.cycle_id, "edition": "public", "language": "de"}),
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["language"]
    started = api.post(
        "/api/v1/reports/",
        json.dumps({"cycle": submitted.cycle_id, "edition": "public", "language": "es"}),
        content_type="application/json",
    )
    assert started.status_code == 202
    assert started.json()["language"] == "es"
    # The service holds the rule too: a language the tracker does not speak is refused.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        report_request(cycle=submitted.cycle, edition="public", language="de", actor=reviewer)
    assert "language" in refused.value.message_dict


# --- Dates and emails in the reader's language -------------------------------------------------


@pytest.mark.parametrize(
    ("language", "first", "other"),
    [
        ("en-gb", "1 April 2027", "2 April 2027"),
        ("fr", "1er avril 2027", "2 avril 2027"),
        ("es", "1 de abril de 2027", "2 de abril de 2027"),
    ],
)
def test_dates_are_written_as_each_language_writes_them(language: str, first: str, other: str) -> None:
    from datetime import date

    from alliance.formats import long_date

    with translation.override(language):
        assert long_date(date(2027, 4, 1)) == first
        assert long_date("2027-04-02") == other


def test_the_weekly_summary_reaches_each_secretariat_member_in_their_language(
    reviewer: User, secretariat_admin: User, submitted: Submission
) -> None:
    from datetime import timedelta

    from django.core import mail

    from reports.summary import completeness_summary_send

    User.objects.filter(pk=reviewer.pk).update(language="fr")
    User.objects.filter(pk=secretariat_admin.pk).update(language="es")
    monday = submitted.cycle.due_on + timedelta(days=(7 - submitted.cycle.due_on.weekday()))
    assert completeness_summary_send(today=monday) == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    french, spanish = by_address[reviewer.email], by_address[secretariat_admin.email]
    assert french.subject.startswith("Complétude des rapports")
    assert "Soumis : 1" in french.body
    assert "Germany (en retard)" in french.body
    assert spanish.subject.startswith("Completitud de los informes")
    assert "Enviados: 1" in spanish.body
