"""Co-agreed standards (Innovation Wards): standards a group agrees, their measures, who designed and monitors each
measure, and measurements over time against targets.

The report answers the Innovation Wards evaluation's question: were patients or carers involved in designing the
measures and in monitoring progress? A measure counts as "with patients or carers" when at least one person who
designed it (or monitors it) has a public, patient, carer or young person's stakeholder type.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from copractice.audit import audit
from copractice.errors import Refused
from copractice.extensions import db
from copractice.measurement.standards_models import (
    MEASURE_PARTS,
    AgreedStandard,
    Measurement,
    MeasurePerson,
    StandardMeasure,
)
from copractice.measurement.suppression import Cell, visible
from copractice.meetings.models import Group, GroupMember
from copractice.members.models import STAKEHOLDER_TYPES, Member
from copractice.permissions import can
from copractice.timeutil import utcnow

# Stakeholder types that count as "patients or carers" (the public side of the partnership).
PATIENT_OR_CARER = ("patient", "carer", "public_contributor", "young_person")
MAX_TITLE = 200
MAX_TEXT = 2000
MAX_VALUE = 1e12


def _must_edit(actor: Member, group: Group) -> None:
    if not can(actor, "standards.edit", group):
        raise Refused("Only the group's organisers, its theme's lead and admins can change its standards.")


def _title(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Refused(f"Enter {what}.")
    if len(value) > MAX_TITLE:
        raise Refused(f"Use {MAX_TITLE} characters or fewer.")
    return value


def _number(value, what: str) -> float:
    if value is None or isinstance(value, bool):
        raise Refused(f"Enter {what} as a number, like 80.")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise Refused(f"Enter {what} as a number, like 80.") from None
    if not math.isfinite(value) or abs(value) > MAX_VALUE:
        raise Refused(f"Enter {what} as a number, like 80.")
    return value


# -- standards and measures -------------------------------------------------------------------------------------------

def standards_of(group: Group) -> list[AgreedStandard]:
    """The group's standards with their measures, people and measurements: four queries whatever the numbers."""
    return list(db.session.scalars(
        select(AgreedStandard).where(AgreedStandard.group_id == group.id)
        .options(selectinload(AgreedStandard.measures).selectinload(StandardMeasure.people)
                 .selectinload(MeasurePerson.member),
                 selectinload(AgreedStandard.measures).selectinload(StandardMeasure.measurements))
        .order_by(AgreedStandard.id)))


def standard_of(group: Group, standard_id: int) -> AgreedStandard | None:
    return db.session.scalar(select(AgreedStandard).where(AgreedStandard.id == standard_id,
                                                          AgreedStandard.group_id == group.id))


def measure_of(group: Group, measure_id: int) -> StandardMeasure | None:
    return db.session.scalar(
        select(StandardMeasure).join(AgreedStandard, AgreedStandard.id == StandardMeasure.standard_id)
        .where(StandardMeasure.id == measure_id, AgreedStandard.group_id == group.id)
        .options(selectinload(StandardMeasure.people).selectinload(MeasurePerson.member),
                 selectinload(StandardMeasure.measurements)))


def add_standard(actor: Member, group: Group, *, title: str, description: str = "",
                 agreed_on: date | None = None) -> AgreedStandard:
    """Record a standard the group agreed."""
    _must_edit(actor, group)
    description = (description or "").strip()
    if len(description) > MAX_TEXT:
        raise Refused(f"Use {MAX_TEXT:,} characters or fewer.")
    standard = AgreedStandard(group_id=group.id, title=_title(title, "the standard"), description=description,
                              agreed_on=agreed_on, created_by_id=actor.id, created_at=utcnow())
    db.session.add(standard)
    db.session.flush()
    audit(actor, "standards.standard_added", "agreed_standard", standard.id, standard.title,
          after={"group": group.slug})
    return standard


def add_measure(actor: Member, standard: AgreedStandard, *, title: str, target, unit: str = "",
                higher_is_better: bool = True) -> StandardMeasure:
    """Add a measure of a standard, with the target the group agreed."""
    _must_edit(actor, standard.group)
    unit = (unit or "").strip()
    if len(unit) > 40:
        raise Refused("Use 40 characters or fewer for the unit.")
    measure = StandardMeasure(standard_id=standard.id, title=_title(title, "what is measured"),
                              target=_number(target, "the target"), unit=unit,
                              higher_is_better=bool(higher_is_better), created_at=utcnow())
    db.session.add(measure)
    db.session.flush()
    audit(actor, "standards.measure_added", "standard_measure", measure.id, measure.title,
          after={"standard": standard.id, "target": measure.target})
    return measure


def add_person(actor: Member, measure: StandardMeasure, *, part: str, member_id: int | None = None,
               name: str = "", stakeholder_type: str | None = None) -> MeasurePerson:
    """Say who designed or monitors a measure: a member of the group (their own stakeholder type), or a named person
    without an account, with the stakeholder type given."""
    group = measure.standard.group
    _must_edit(actor, group)
    if part not in MEASURE_PARTS:
        raise Refused("Choose whether they designed the measure or monitor it.")
    name = (name or "").strip()
    if member_id is not None:
        if name:
            raise Refused("Choose a member or type a name, not both.")
        person = db.session.scalar(
            select(Member).join(GroupMember, GroupMember.member_id == Member.id)
            .where(Member.id == member_id, GroupMember.group_id == group.id, GroupMember.status == "active"))
        if person is None:
            raise Refused("Choose someone who is a member of the group.")
        if any(p.member_id == person.id and p.part == part for p in measure.people):
            raise Refused(f"{person.name} is already named for this.")
        row = MeasurePerson(measure_id=measure.id, part=part, member_id=person.id,
                            stakeholder_type=person.stakeholder_type)
    else:
        if not name:
            raise Refused("Choose a member of the group, or type the name of someone without an account.")
        if len(name) > 120:
            raise Refused("Use 120 characters or fewer for the name.")
        if stakeholder_type not in STAKEHOLDER_TYPES:
            raise Refused("Choose which best describes the person.")
        row = MeasurePerson(measure_id=measure.id, part=part, name=name, stakeholder_type=stakeholder_type)
    measure.people.append(row)
    db.session.flush()
    audit(actor, "standards.person_named", "standard_measure", measure.id, measure.title,
          after={"part": part, "stakeholder_type": row.stakeholder_type})
    return row


def remove_person(actor: Member, measure: StandardMeasure, person_id: int) -> None:
    """Take someone off a measure's designers or monitors."""
    _must_edit(actor, measure.standard.group)
    row = next((p for p in measure.people if p.id == person_id), None)
    if row is None:
        raise Refused("That person is not named on this measure.")
    measure.people.remove(row)
    db.session.flush()
    audit(actor, "standards.person_removed", "standard_measure", measure.id, measure.title,
          before={"part": row.part, "stakeholder_type": row.stakeholder_type})


def record_measurement(actor: Member, measure: StandardMeasure, *, measured_on: date | None, value,
                       note: str = "") -> Measurement:
    """Enter a measurement: those who run the group, and members monitoring the measure."""
    if not can(actor, "measure.record", measure):
        raise Refused("Only the group's organisers and the people monitoring this measure can enter measurements.")
    if measured_on is None:
        raise Refused("Enter the date it was measured.")
    if measured_on > utcnow().date():
        raise Refused("The date can't be in the future.")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise Refused(f"Use {MAX_TEXT:,} characters or fewer.")
    row = Measurement(measure_id=measure.id, measured_on=measured_on, value=_number(value, "the measurement"),
                      note=note, recorded_by_id=actor.id, created_at=utcnow())
    measure.measurements.append(row)
    db.session.flush()
    return row


# -- progress and the report ------------------------------------------------------------------------------------------

def met(measure: StandardMeasure, value: float) -> bool:
    return value >= measure.target if measure.higher_is_better else value <= measure.target


def latest(measure: StandardMeasure) -> Measurement | None:
    return measure.measurements[-1] if measure.measurements else None


def with_patients_or_carers(measure: StandardMeasure, part: str) -> bool:
    return any(p.part == part and p.stakeholder_type in PATIENT_OR_CARER for p in measure.people)


@dataclass
class Bar:
    label: str
    value: float
    percent: float  # of the chart's scale, 0-100
    met: bool


def progress_bars(measure: StandardMeasure) -> tuple[list[Bar], float]:
    """Bars of each measurement on one scale with the target; returns (bars, the target's place 0-100)."""
    values = [m.value for m in measure.measurements]
    top = max([measure.target, *values, 0.0])
    bottom = min([0.0, *values, measure.target])
    span = (top - bottom) or 1.0
    bars = [Bar(label=m.measured_on.isoformat(), value=m.value, percent=round((m.value - bottom) / span * 100, 1),
                met=met(measure, m.value)) for m in measure.measurements]
    return bars, round((measure.target - bottom) / span * 100, 1)


@dataclass
class Report:
    measures: Cell  # how many measures (not people: never hidden)
    designed_with: Cell
    monitored_with: Cell
    designed_share: str
    monitored_share: str
    rows: list  # (standard, measure, designed with, monitored with, latest, met)


def _share(part: int, whole: int) -> str:
    return f"{round(part * 100 / whole)}%" if whole else "no measures yet"


def report(group: Group, standards: list[AgreedStandard] | None = None) -> Report:
    """The share of measures designed with patients or carers, and monitored with them, and each measure's state.

    These are counts of measures, not of people, so small numbers are shown (suppression.visible); no person's
    rating or answer is behind them.
    """
    standards = standards_of(group) if standards is None else standards
    rows = []
    for standard in standards:
        for measure in standard.measures:
            last = latest(measure)
            rows.append((standard, measure, with_patients_or_carers(measure, "designed"),
                         with_patients_or_carers(measure, "monitors"), last,
                         None if last is None else met(measure, last.value)))
    total = len(rows)
    designed = sum(1 for r in rows if r[2])
    monitored = sum(1 for r in rows if r[3])
    return Report(measures=visible(total, below=0), designed_with=visible(designed, below=0),
                  monitored_with=visible(monitored, below=0), designed_share=_share(designed, total),
                  monitored_share=_share(monitored, total), rows=rows)


def _people_text(measure: StandardMeasure, part: str) -> str:
    return "; ".join(f"{p.display_name} ({STAKEHOLDER_TYPES.get(p.stakeholder_type, p.stakeholder_type)})"
                     for p in measure.people if p.part == part)


def export_rows(group: Group) -> tuple[list[str], list[list]]:
    """The standards report for CSV and XLSX: one row per measurement (or per measure without any)."""
    headers = ["Standard", "Measure", "Unit", "Target", "Higher is better", "Designed by", "Designed with patients or "
               "carers", "Monitored by", "Monitored with patients or carers", "Measured on", "Value", "Target met"]
    rows = []
    rep = report(group)
    for standard, measure, designed, monitored, _, _ in rep.rows:
        base = [standard.title, measure.title, measure.unit, measure.target, "yes" if measure.higher_is_better else
                "no", _people_text(measure, "designed"), "yes" if designed else "no",
                _people_text(measure, "monitors"), "yes" if monitored else "no"]
        if not measure.measurements:
            rows.append(base + ["", "", ""])
        for m in measure.measurements:
            rows.append(base + [m.measured_on.isoformat(), m.value, "yes" if met(measure, m.value) else "no"])
    rows.append([])
    rows.append(["Measures", rep.measures.export()])
    rows.append(["Designed with patients or carers", rep.designed_with.export(), rep.designed_share])
    rows.append(["Monitored with patients or carers", rep.monitored_with.export(), rep.monitored_share])
    return headers, rows


# -- the member's own data ------------------------------------------------------------------------------------------

def export_member_measures(member: Member) -> list[dict]:
    """Measures ``member`` is named on as designing or monitoring, for their data download."""
    rows = db.session.execute(
        select(MeasurePerson.part, MeasurePerson.stakeholder_type, StandardMeasure.title, AgreedStandard.title,
               Group.name)
        .join(StandardMeasure, StandardMeasure.id == MeasurePerson.measure_id)
        .join(AgreedStandard, AgreedStandard.id == StandardMeasure.standard_id)
        .join(Group, Group.id == AgreedStandard.group_id)
        .where(MeasurePerson.member_id == member.id).order_by(MeasurePerson.id)).all()
    return [{"group": g, "standard": s, "measure": m, "part": MEASURE_PARTS.get(part, part), "as": st}
            for part, st, m, s, g in rows]


def erase_member_measures(member: Member) -> None:
    """After erasure a measure still counts as designed or monitored by someone of their stakeholder type, without
    saying who."""
    db.session.execute(update(MeasurePerson).where(MeasurePerson.member_id == member.id)
                       .values(member_id=None, name=""))
