"""The reference data: what it says, that it traces to its sources, and that loading it is idempotent."""

import re
from datetime import date

import pytest
from django.core.management import call_command

from commitments import models as m
from commitments import reference as ref
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


def test_the_secretariat_passed_from_the_commission_to_the_us_in_2014(alliance: None) -> None:
    tenures = list(m.SecretariatTenure.objects.order_by("started_on"))
    assert [(t.holder, t.ended_on) for t in tenures] == [
        ("European Commission", date(2014, 9, 30)),
        ("United States authorities", None),
    ]


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
