"""The reference data: what it says, that it traces to its sources, and that loading it is idempotent."""

import re
from datetime import date

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client

from commitments import models as m
from commitments import reference as ref
from commitments.admin import SourceDocumentAdmin
from commitments.reference.load import load_reference_data
from commitments.selectors import eu_member_states_on, member_states_on

LAUNCH_NON_EU = {
    "Albania", "Australia", "Cambodia", "Canada", "Croatia", "Georgia", "Ghana", "Japan", "Republic of Moldova",
    "Montenegro", "New Zealand", "Nigeria", "Norway", "Philippines", "Serbia", "Republic of Korea", "Switzerland",
    "Thailand", "Turkey", "Ukraine", "United States",
}  # fmt: skip
JOINED_BY_2014 = {"Armenia", "Bosnia and Herzegovina", "Costa Rica", "Israel", "Kosovo", "Mexico"}


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_2014_list_names_exactly_the_54_members(alliance: None) -> None:
    listed = ref.SOURCES[-1].read_text()
    assert m.MemberState.objects.count() == 54
    for state in m.MemberState.objects.all():
        assert state.listed_as in listed, state.name


def test_membership_on_launch_day_is_the_48_endorsers(alliance: None) -> None:
    launch = member_states_on(day=date(2012, 12, 5))
    assert launch.count() == 48
    eu_2012 = names(eu_member_states_on(day=date(2012, 12, 5)))
    assert len(eu_2012) == 27
    assert names(launch) == eu_2012 | LAUNCH_NON_EU
    assert "Vietnam" not in names(m.MemberState.objects.all())


def test_nobody_was_a_member_before_the_launch(alliance: None) -> None:
    assert not member_states_on(day=date(2012, 12, 4)).exists()


def test_membership_on_the_second_conference_is_54(alliance: None) -> None:
    assert member_states_on(day=date(2014, 9, 30)).count() == 54


def test_six_countries_joined_between_the_launch_and_2014(alliance: None) -> None:
    joined = names(member_states_on(day=date(2014, 9, 30))) - names(member_states_on(day=date(2012, 12, 5)))
    assert joined == JOINED_BY_2014
    for membership in m.Membership.objects.filter(member_state__name__in=JOINED_BY_2014):
        assert membership.joined_on_basis == m.DateBasis.NO_LATER_THAN


def test_croatia_is_the_eu_membership_change(alliance: None) -> None:
    before = names(eu_member_states_on(day=date(2012, 12, 5)))
    after = names(eu_member_states_on(day=date(2014, 9, 30)))
    assert len(before) == 27
    assert len(after) == 28
    assert after - before == {"Croatia"}
    assert before <= after


def test_kosovo_uses_the_user_assigned_code(alliance: None) -> None:
    assert m.MemberState.objects.get(iso_code="XK").name == "Kosovo"


def test_the_four_policy_targets_in_the_launch_declaration_order(alliance: None) -> None:
    targets = list(m.PolicyTarget.objects.order_by("number"))
    assert [t.code for t in targets] == ["victims", "prosecution", "awareness", "availability"]
    assert {t.declaration.key for t in targets} == {ref.LAUNCH_DECLARATION}


@pytest.mark.parametrize(
    ("goal_start", "target"),
    [
        ("Increase the number of identified victims in the International Child Sexual Exploitation", "victims"),
        ("Establish the necessary framework for the criminalization", "prosecution"),
        ("Improve the joint efforts of law enforcement", "prosecution"),
        ("Develop, improve or support public awareness campaigns", "awareness"),
        ("Share best practices among Global Alliance countries", "awareness"),
        ("Encourage participation by the private sector", "availability"),
        ("Increase the speed of notice and takedown procedures", "availability"),
    ],
)
def test_each_operational_goal_is_on_its_target(alliance: None, goal_start: str, target: str) -> None:
    goal = m.OperationalGoal.objects.get(text__startswith=goal_start)
    assert goal.target.code == target


def test_there_are_seven_operational_goals(alliance: None) -> None:
    assert m.OperationalGoal.objects.count() == 7
    icse = m.OperationalGoal.objects.get(number=1)
    assert "by at least 10 percent yearly" in icse.text


def test_the_2014_declaration_has_four_potential_actions(alliance: None) -> None:
    declaration = m.Declaration.objects.get(key=ref.MINISTERIAL_DECLARATION)
    actions = list(declaration.potential_actions.order_by("number"))
    assert [a.number for a in actions] == [1, 2, 3, 4]
    assert actions[0].text.startswith("Enabling law enforcement among Global Alliance countries")
    assert actions[3].text.startswith("Augmenting existing, collaborative and transborder efforts")
    assert declaration.endorsements.count() == 54


def test_declarations_conferences_and_the_first_deadline(alliance: None) -> None:
    assert list(m.Declaration.objects.values_list("adopted_on", flat=True)) == [
        date(2012, 6, 21),
        date(2012, 12, 5),
        date(2014, 9, 30),
    ]
    assert m.Declaration.objects.get(key=ref.LAUNCH_DECLARATION).endorsements.count() == 48
    assert set(m.Conference.objects.values_list("city", "held_on")) == {
        ("Brussels", date(2012, 12, 5)),
        ("Washington", date(2014, 9, 30)),
    }
    initial = m.ReportingCycle.objects.get(name="Initial report")
    assert initial.due_on == date(2013, 4, 1)
    assert not initial.is_demo


def test_the_secretariat_handover_to_the_us_is_recorded_as_announced(alliance: None) -> None:
    # The Commission's release says it "will also hand-over" the secretariat: an announcement.
    tenures = list(m.SecretariatTenure.objects.order_by("started_on"))
    assert [(t.holder, t.started_on, t.started_on_basis, t.ended_on) for t in tenures] == [
        ("European Commission", date(2012, 12, 5), m.DateBasis.INFERRED, None),
        ("United States authorities", date(2014, 9, 30), m.DateBasis.ANNOUNCED, None),
    ]
    us = tenures[1]
    assert us.is_announced
    assert "announced" in str(us)
    assert "not reported as done" in us.get_started_on_basis_display()


def test_no_announced_tenure_is_stored_as_started(alliance: None) -> None:
    announcements = 0
    for tenure in m.SecretariatTenure.objects.select_related("source"):
        if " will " not in f" {tenure.excerpt} ":
            continue
        announcements += 1
        # A start on the day of the announcement is the announced one; an announcement ends nothing.
        if tenure.started_on == tenure.source.published_on:
            assert tenure.started_on_basis == m.DateBasis.ANNOUNCED, tenure
        assert tenure.ended_on is None, tenure
    assert announcements == 2


def test_no_tenure_whose_note_says_inferred_is_labelled_exact(alliance: None) -> None:
    checked = 0
    for tenure in m.SecretariatTenure.objects.all():
        if "inferred" in tenure.note.lower():
            assert tenure.started_on_basis != m.DateBasis.EXACT, tenure
            checked += 1
    assert checked


def test_no_eu_membership_without_a_start_date_is_labelled_exact(alliance: None) -> None:
    for eu in m.EuMembership.objects.all():
        if eu.started_on is None:
            assert eu.started_on_basis == m.DateBasis.BEFORE_RECORDS, eu
        else:
            assert eu.started_on_basis != m.DateBasis.BEFORE_RECORDS, eu


def test_every_excerpt_is_verbatim_in_its_source(alliance: None) -> None:
    texts = {s.pk: _words(s.text) for s in m.SourceDocument.objects.all()}
    sourced = [
        m.Membership, m.EuMembership, m.Conference, m.Declaration, m.Endorsement, m.PolicyTarget,
        m.OperationalGoal, m.PotentialAction, m.SecretariatTenure,
    ]  # fmt: skip
    checked = 0
    for model in sourced:
        for fact in model._default_manager.all():
            assert fact.excerpt, f"{model.__name__} {fact} has no excerpt"
            assert _words(fact.excerpt) in texts[int(fact.source_id)], f"{model.__name__} {fact}: {fact.excerpt!r}"
            checked += 1
    initial = m.ReportingCycle.objects.get(name="Initial report")
    assert _words(initial.excerpt) in texts[int(initial.source_id or 0)]
    assert checked == 54 + 28 + 2 + 3 + (48 + 54) + 4 + 7 + 4 + 2


def test_source_texts_are_the_documents_as_received(alliance: None) -> None:
    for source in ref.SOURCES:
        stored = m.SourceDocument.objects.get(key=source.key)
        assert stored.text == (ref.SOURCES_DIR / source.seed_file).read_text(encoding="utf-8")


def test_every_discrepancy_is_recorded_with_its_sources(alliance: None) -> None:
    assert m.SourceDiscrepancy.objects.count() == len(ref.DISCREPANCIES) >= 10
    for discrepancy in m.SourceDiscrepancy.objects.prefetch_related("sources"):
        assert discrepancy.choice
        assert discrepancy.sources.exists(), discrepancy.key


def test_loading_twice_changes_nothing(alliance: None) -> None:
    before = {model: list(model.objects.order_by("pk").values()) for model in (m.MemberState, m.Membership)}
    second = load_reference_data()
    assert not second.changed
    assert second.describe().startswith("Reference data is up to date")
    for model, rows in before.items():
        assert list(model.objects.order_by("pk").values()) == rows


def test_load_alliance_command_is_idempotent(transactional_db: None, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("flush", interactive=False, verbosity=0)
    call_command("load_alliance")
    call_command("load_alliance")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Reference data loaded: ")
    assert out[1] == "Reference data is up to date: nothing created, nothing updated."
    assert m.MemberState.objects.count() == 54
    assert m.Membership.objects.count() == 54


def test_a_changed_fact_is_put_back_by_the_next_load(alliance: None) -> None:
    m.MemberState.objects.filter(iso_code="FR").update(name="Republic of France")
    summary = load_reference_data()
    assert summary.updated == {"member states": 1}
    assert m.MemberState.objects.get(iso_code="FR").name == "France"


def test_the_reference_data_document_lists_every_discrepancy_and_choice() -> None:
    document = _words((ref.SOURCES_DIR.parents[2] / "docs" / "reference-data.md").read_text(encoding="utf-8"))
    for discrepancy in ref.DISCREPANCIES:
        assert f"Key `{discrepancy.key}`" in document
        assert _words(discrepancy.subject) in document
        assert _words(discrepancy.choice) in document


INFERRED_SOURCE_ATTRIBUTES = {
    ref.JOINT_STATEMENT_2012: [],
    ref.DOJ_LAUNCH_2012: [],
    ref.LAUNCH_REPORT_2012: ["title", "publisher"],
    ref.EC_CONFERENCE_2014: [],
    ref.DOJ_CONFERENCE_2014: ["title", "publisher", "date"],
}


def test_each_inferred_source_attribute_is_flagged_with_its_reason(alliance: None) -> None:
    assert set(INFERRED_SOURCE_ATTRIBUTES) == {s.key for s in ref.SOURCES}
    for document in m.SourceDocument.objects.all():
        assert document.inferred_attributes == INFERRED_SOURCE_ATTRIBUTES[document.key], document.key
        reasons = {"title": document.title_note, "publisher": document.publisher_note, "date": document.date_note}
        for attribute in document.inferred_attributes:
            assert reasons[attribute], f"{document.key}: no reason for the inferred {attribute}"
            assert f"{attribute}" in str(document)
        if document.title_inferred:
            assert document.cited_title.endswith("(title inferred: the text has none)")


def test_a_title_or_date_the_text_does_not_state_is_flagged(alliance: None) -> None:
    for document in m.SourceDocument.objects.all():
        text = _words(document.text)
        if not document.title_inferred:
            assert _words(document.title) in text, document.key
        if document.published_on is not None and not document.published_on_inferred:
            day = document.published_on
            written = {f"{day:%B} {day.day}, {day.year}", f"{day.day} {day:%B} {day.year}"}
            assert any(w in text for w in written), document.key
        if document.published_on is None:
            assert document.date_note.startswith("Undated"), document.key


def test_an_inferred_attribute_needs_its_reason(alliance: None) -> None:
    document = m.SourceDocument.objects.get(key=ref.DOJ_CONFERENCE_2014)
    for field, note in (("title_inferred", "title_note"), ("publisher_inferred", "publisher_note")):
        with pytest.raises(IntegrityError), transaction.atomic():
            m.SourceDocument.objects.filter(pk=document.pk).update(**{note: ""})
        assert getattr(document, field)
    with pytest.raises(IntegrityError), transaction.atomic():
        m.SourceDocument.objects.filter(key=ref.LAUNCH_REPORT_2012).update(published_on_inferred=True)


def test_the_admin_and_the_api_show_inferred_attributes(alliance: None, client: Client) -> None:
    document = m.SourceDocument.objects.get(key=ref.DOJ_CONFERENCE_2014)
    assert SourceDocumentAdmin(m.SourceDocument, admin.site).inferred(document) == "title, publisher, date"
    declaration = client.get(f"/api/v1/declarations/{ref.MINISTERIAL_DECLARATION}/").json()
    assert declaration["source"] == document.cited_title
    assert "inferred" in declaration["source"]
    assert "undated" in declaration["note"]


# Words of each declaration's summary that its source states (summary, source and phrase).
SUMMARY_PHRASES = [
    (ref.JOINT_STATEMENT, ref.JOINT_STATEMENT_2012, "EU-U.S. Justice and Home Affairs Ministerial Meeting"),
    (ref.JOINT_STATEMENT, ref.JOINT_STATEMENT_2012, "agreed to enhance efforts against child sexual abuse online"),
    (
        ref.JOINT_STATEMENT,
        ref.JOINT_STATEMENT_2012,
        "participate in building a Global Alliance against Child Sexual Abuse Online",
    ),
    (ref.JOINT_STATEMENT, ref.JOINT_STATEMENT_2012, "behind a set of shared goals"),
    (
        ref.LAUNCH_DECLARATION,
        ref.LAUNCH_REPORT_2012,
        "endorsed by the 27 EU Member States and 21 countries outside the EU",
    ),
    (ref.LAUNCH_DECLARATION, ref.EC_CONFERENCE_2014, "a number of policy targets and goals"),
    (ref.LAUNCH_DECLARATION, ref.LAUNCH_REPORT_2012, "will aim to reach the"),
    (
        ref.LAUNCH_DECLARATION,
        ref.LAUNCH_REPORT_2012,
        "by April 1, 2013 will report on the specific actions to reach the objectives",
    ),
    (ref.MINISTERIAL_DECLARATION, ref.DOJ_CONFERENCE_2014, "54 Alliance members"),
    (
        ref.MINISTERIAL_DECLARATION,
        ref.DOJ_CONFERENCE_2014,
        "commits to addressing the transborder obstacles to identifying and rescuing victims of exploitation and "
        "to identifying and prosecuting offenders",
    ),
    (
        ref.MINISTERIAL_DECLARATION,
        ref.DOJ_CONFERENCE_2014,
        "where and when possible, in full respect of due process and fundamental rights requirements",
    ),
]


def test_the_2014_summary_keeps_due_process_and_fundamental_rights(alliance: None) -> None:
    summary = m.Declaration.objects.get(key=ref.MINISTERIAL_DECLARATION).summary
    assert "in full respect of due process and fundamental rights requirements" in summary


@pytest.mark.parametrize(("declaration", "source", "phrase"), SUMMARY_PHRASES)
def test_every_summary_keeps_its_sources_words(alliance: None, declaration: str, source: str, phrase: str) -> None:
    summary = _words(m.Declaration.objects.get(key=declaration).summary)
    assert _words(phrase) in summary
    assert _words(phrase) in _words(m.SourceDocument.objects.get(key=source).text)


def test_every_declaration_summary_is_checked() -> None:
    assert {d for d, _, _ in SUMMARY_PHRASES} == {d.key for d in ref.DECLARATIONS}


# A quotation opens with a quote mark that does not end a word and closes with one that does not
# start a word, so "children's" and "DOJ's" are not taken for quote marks.
QUOTATION = re.compile(r"(?<!\w)'(.+?)'(?!\w)")


def _quoted(text: str) -> list[str]:
    keys = {d.key for d in ref.DISCREPANCIES}
    return [q for q in QUOTATION.findall(text.replace("\u2019", "'")) if q not in keys]


def _plain(text: str) -> str:
    return _words(text.replace("\u2019", "'")).casefold()


def test_every_quotation_is_verbatim_in_the_sources(alliance: None) -> None:
    texts = {s.key: _plain(s.text) for s in m.SourceDocument.objects.all()}
    everywhere = " | ".join(texts.values())
    checked = 0
    for discrepancy in m.SourceDiscrepancy.objects.prefetch_related("sources"):
        cited = " | ".join(texts[s.key] for s in discrepancy.sources.all())
        for quote in _quoted(discrepancy.what_the_sources_say):
            assert _plain(quote) in cited, f"{discrepancy.key}: {quote!r}"
            checked += 1
    notes = [ref.FIRST_REPORT.note]
    for model in (m.Membership, m.EuMembership, m.Conference, m.Declaration, m.Endorsement, m.PolicyTarget,
                  m.OperationalGoal, m.PotentialAction, m.SecretariatTenure):  # fmt: skip
        notes += [str(note) for note in model._default_manager.values_list("note", flat=True)]
    notes += [str(summary) for summary in m.Declaration.objects.values_list("summary", flat=True)]
    for document in m.SourceDocument.objects.all():
        notes += [document.title_note, document.publisher_note, document.date_note]
    for note in notes:
        for quote in _quoted(note):
            assert _plain(quote) in everywhere, quote
            checked += 1
    assert checked > 40


def test_the_goal_readings_are_recorded_as_discrepancies(alliance: None) -> None:
    goals = {g.code: g.text for g in ref.GOALS}
    icse = m.SourceDiscrepancy.objects.get(key="icse-goal-reading")
    takedown = m.SourceDiscrepancy.objects.get(key="takedown-goal-reading")
    for reading in (icse, takedown):
        assert list(reading.sources.values_list("key", flat=True)) == [ref.LAUNCH_REPORT_2012]
    assert goals["icse-identified-victims"] in icse.what_the_sources_say
    assert "at least 110% of those it identified in the yearly cycle a year before" in icse.choice
    assert "reported the figure in both years" in icse.choice
    assert "is not a year and is not compared" in icse.choice
    assert goals["notice-and-takedown-speed"] in takedown.what_the_sources_say
    assert "the mean of the two middle values when their number is even" in takedown.choice
    assert "lower is faster" in takedown.choice


def test_the_reports_document_does_not_claim_a_duty_to_publish_progress_reports() -> None:
    document = _words((ref.SOURCES_DIR.parents[2] / "docs" / "reports.md").read_text(encoding="utf-8"))
    assert "the Alliance to publish progress reports" not in document
    assert "would report regularly" in document
