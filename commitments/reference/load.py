"""Write the reference data into the database, idempotently.

Each row is looked up by its natural key and written only when a value differs, so a second run
changes nothing and reports zero creations and zero updates.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.db import models, transaction

from commitments import models as m
from commitments import reference as ref

ModelT = TypeVar("ModelT", bound=models.Model)

# The unofficial translations the tracker starts with; the secretariat corrects them in the admin.
TRANSLATIONS = Path(__file__).with_name("translations.json")

REFERENCE_CODE = re.compile(r"[A-Z]{2}")

# The source counts the endorsers; which states they are is the data's reading.
LAUNCH_ENDORSER_NOTE = (
    "The source counts the endorsers without naming them; that this state is one of them is inferred (see "
    "discrepancies 'eu-members-not-named' and 'vietnam')."
)


@dataclass
class LoadSummary:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def describe(self) -> str:
        if not self.changed:
            return "Reference data is up to date: nothing created, nothing updated."
        parts = [f"created {n} {name}" for name, n in sorted(self.created.items())]
        parts += [f"updated {n} {name}" for name, n in sorted(self.updated.items())]
        return "Reference data loaded: " + ", ".join(parts) + "."


def _sync(model: type[ModelT], summary: LoadSummary, lookup: dict[str, Any], values: dict[str, Any]) -> ModelT:
    label = str(model._meta.verbose_name_plural)
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        summary.created[label] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save(update_fields=changed)
        summary.updated[label] += 1
    return obj


def _fact(sources: dict[str, m.SourceDocument], fact: ref.Fact) -> dict[str, Any]:
    return {"source": sources[fact.source], "excerpt": fact.excerpt, "note": fact.note}


@transaction.atomic
def load_reference_data() -> LoadSummary:
    summary = LoadSummary()
    sources = {
        s.key: _sync(
            m.SourceDocument,
            summary,
            {"key": s.key},
            {
                "title": s.title,
                "publisher": s.publisher,
                "kind": s.kind,
                "published_on": s.published_on,
                "date_note": s.date_note,
                "title_inferred": s.title_inferred,
                "title_note": s.title_note,
                "publisher_inferred": s.publisher_inferred,
                "publisher_note": s.publisher_note,
                "published_on_inferred": s.published_on_inferred,
                "seed_file": s.seed_file,
                "text": s.read_text(),
            },
        )
        for s in ref.SOURCES
    }

    conferences = {
        c.key: _sync(
            m.Conference,
            summary,
            {"key": c.key},
            {"name": c.name, "city": c.city, "held_on": c.held_on, **_fact(sources, c.fact)},
        )
        for c in ref.CONFERENCES
    }
    declarations = {
        d.key: _sync(
            m.Declaration,
            summary,
            {"key": d.key},
            {
                "title": d.title,
                "adopted_on": d.adopted_on,
                "conference": conferences[d.conference] if d.conference else None,
                "summary": d.summary,
                **_fact(sources, d.fact),
            },
        )
        for d in ref.DECLARATIONS
    }

    _load_members(summary, sources, declarations)

    launch = declarations[ref.LAUNCH_DECLARATION]
    targets = {
        t.code: _sync(
            m.PolicyTarget,
            summary,
            {"number": t.number},
            {
                "code": t.code,
                "title": t.title,
                "statement": t.statement,
                "declaration": launch,
                **_fact(sources, t.fact),
            },
        )
        for t in ref.TARGETS
    }
    for g in ref.GOALS:
        _sync(
            m.OperationalGoal,
            summary,
            {"number": g.number},
            {
                "code": g.code,
                "target": targets[g.target],
                "text": g.text,
                "declaration": launch,
                **_fact(sources, ref.Fact(ref.LAUNCH_REPORT_2012, g.text, ref.GOAL_MAPPING_NOTE)),
            },
        )
    ministerial = declarations[ref.MINISTERIAL_DECLARATION]
    for a in ref.ACTIONS:
        _sync(
            m.PotentialAction,
            summary,
            {"declaration": ministerial, "number": a.number},
            {"code": a.code, "text": a.text, **_fact(sources, ref.Fact(ref.DOJ_CONFERENCE_2014, a.text))},
        )

    for t in ref.SECRETARIAT:
        _sync(
            m.SecretariatTenure,
            summary,
            {"holder": t.holder, "started_on": t.started_on},
            {"started_on_basis": t.started_on_basis, "ended_on": t.ended_on, **_fact(sources, t.fact)},
        )

    first_report = ref.FIRST_REPORT
    _sync(
        m.ReportingCycle,
        summary,
        {"name": "Initial report"},
        {
            "period_start": ref.LAUNCH_DATE,
            "period_end": ref.FIRST_REPORT_DUE,
            "opens_on": ref.LAUNCH_DATE,
            "due_on": ref.FIRST_REPORT_DUE,
            "source": sources[first_report.source],
            "excerpt": first_report.excerpt,
            "is_demo": False,
        },
    )

    for d in ref.DISCREPANCIES:
        discrepancy = _sync(
            m.SourceDiscrepancy,
            summary,
            {"key": d.key},
            {"subject": d.subject, "what_the_sources_say": d.what_the_sources_say, "choice": d.choice},
        )
        wanted = {sources[key].pk for key in d.sources}
        current = set(discrepancy.sources.values_list("pk", flat=True))
        if current != wanted:
            discrepancy.sources.set(wanted)
            (summary.updated if current else summary.created)["source lists of discrepancies"] += 1

    _load_translations(summary)
    return summary


def _load_translations(summary: LoadSummary) -> None:
    """Fill the empty translation columns of reference texts from `translations.json`. A column
    already holding text keeps it: the secretariat's corrections in the admin win over the file."""
    models_by_section: dict[str, tuple[type[models.Model], str]] = {
        "declarations": (m.Declaration, "key"),
        "targets": (m.PolicyTarget, "code"),
        "goals": (m.OperationalGoal, "code"),
        "actions": (m.PotentialAction, "code"),
    }
    translations = json.loads(TRANSLATIONS.read_text(encoding="utf-8"))
    for language, sections in translations.items():
        for section, objects in sections.items():
            model, key = models_by_section[section]
            for code, texts in objects.items():
                obj = model._default_manager.get(**{key: code})
                empty = {
                    f"{name}_{language}": text for name, text in texts.items() if not getattr(obj, f"{name}_{language}")
                }
                if empty:
                    for column, text in empty.items():
                        setattr(obj, column, text)
                    obj.save(update_fields=list(empty))
                    summary.updated[f"unofficial translations ({language})"] += 1


def _load_members(
    summary: LoadSummary, sources: dict[str, m.SourceDocument], declarations: dict[str, m.Declaration]
) -> None:
    doj_2014 = sources[ref.DOJ_CONFERENCE_2014]
    launch = declarations[ref.LAUNCH_DECLARATION]
    ministerial = declarations[ref.MINISTERIAL_DECLARATION]
    for member in ref.MEMBERS:
        # Checked before writing: the database refuses it too, but without naming the member.
        if not REFERENCE_CODE.fullmatch(member.iso_code):
            raise ValueError(f"{member.name}: a member's code is two capital letters, not {member.iso_code!r}.")
        state = _sync(
            m.MemberState,
            summary,
            {"iso_code": member.iso_code},
            {"name": member.name, "name_source": doj_2014, "listed_as": member.listed_as_2014},
        )
        if member.at_launch == "EU":
            joined = ref.Fact(
                ref.LAUNCH_REPORT_2012,
                ref.LAUNCH_ENDORSERS_EXCERPT,
                "Taken to be one of the 27 EU member states that endorsed the launch declaration on 5 Dec 2012 "
                "(inferred: see discrepancy 'eu-members-not-named').",
            )
        elif member.at_launch is not None:
            joined = ref.Fact(
                ref.DOJ_LAUNCH_2012,
                member.at_launch,
                "Named by the DOJ, the day before the launch, among the participating countries outside the "
                "EU; taken to be one of the 21 that endorsed the launch declaration on 5 Dec 2012 (inferred: "
                "see discrepancy 'vietnam').",
            )
        else:
            joined = ref.Fact(
                ref.EC_CONFERENCE_2014,
                ref.LISTED_IN_EC_2014[member.iso_code],
                "Named among the 54 members on 30 Sept 2014 and in no launch list; the date it joined is "
                "not in the sources (see discrepancy 'joining-dates').",
            )
        at_launch = member.at_launch is not None
        _sync(
            m.Membership,
            summary,
            {"member_state": state, "joined_on": ref.LAUNCH_DATE if at_launch else ref.SECOND_CONFERENCE_DATE},
            {
                # No `left_on`: the sources end no membership, and an end the secretariat recorded
                # since (commitments.services.membership_change_record) is kept.
                "joined_on_basis": m.DateBasis.EXACT if at_launch else m.DateBasis.NO_LATER_THAN,
                **_fact(sources, joined),
            },
        )
        if member.eu_in_2014:
            eu = ref.Fact(
                ref.EC_CONFERENCE_2014,
                ref.EU_2014_EXCERPT,
                (
                    "Taken to be an EU member state before the launch (inferred: see discrepancy "
                    "'eu-members-not-named')."
                    if member.eu_at_launch
                    else "Outside the EU at the launch; taken to be among the 28 EU Member States on 30 Sept "
                    "2014, since the Commission does not name it among the others (inferred: see discrepancy "
                    "'croatia-eu-accession')."
                ),
            )
            _sync(
                m.EuMembership,
                summary,
                {"member_state": state, "started_on": None if member.eu_at_launch else ref.SECOND_CONFERENCE_DATE},
                {
                    # No date is recorded for an EU membership that predates the records.
                    "started_on_basis": (
                        m.DateBasis.BEFORE_RECORDS if member.eu_at_launch else m.DateBasis.NO_LATER_THAN
                    ),
                    # No `ended_on`, as for the memberships: a recorded EU exit is kept.
                    **_fact(sources, eu),
                },
            )
        if at_launch:
            _sync(
                m.Endorsement,
                summary,
                {"declaration": launch, "member_state": state},
                _fact(sources, ref.Fact(ref.LAUNCH_REPORT_2012, ref.LAUNCH_ENDORSERS_EXCERPT, LAUNCH_ENDORSER_NOTE)),
            )
        _sync(
            m.Endorsement,
            summary,
            {"declaration": ministerial, "member_state": state},
            _fact(sources, ref.Fact(ref.DOJ_CONFERENCE_2014, ref.ENDORSED_2014_EXCERPT)),
        )
