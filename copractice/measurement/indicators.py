"""Impact indicators worked out from what the site already holds (issue 16 point 6): never typed in.

Each indicator is a set of suppressed cells (copractice.measurement.suppression), for a theme and a calendar year:
people trained by stakeholder type and area, learning hours, involvement hours at the theme's group meetings, the
share of sessions co-facilitated by people with lived experience, retention across courses, and needs met (not
yet measured until the training-needs survey can say). Plugins add their own through ``copractice_impact_indicators``,
handing over raw counts that are suppressed here like the core's.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, distinct, exists, func, or_, select

from copractice.attendance.models import ATTENDED, CO_FACILITATING, Attendance, Completion
from copractice.courses.models import ENROLLED, Course, CourseFacilitator, Enrolment, Session
from copractice.extensions import db
from copractice.measurement.suppression import Cell, Counts, Table, guarded, suppress_counts, suppress_table
from copractice.meetings.meeting_models import MeetingAttendance
from copractice.meetings.models import Group, Meeting
from copractice.members.models import AREAS, STAKEHOLDER_TYPES, Member
from copractice.plugins import get_plugins
from copractice.timeutil import uk_date, utcnow

log = logging.getLogger(__name__)

# Facilitators whose stakeholder type is one of these bring lived experience (besides those marked so on a course).
LIVED_EXPERIENCE_TYPES = ("public_contributor", "patient", "carer")
NO_AREA = "none"
NOT_YET_MEASURED = "not yet measured"


@dataclass
class Indicator:
    """One indicator: a headline cell, maybe a breakdown or a table, all already suppressed."""

    key: str
    label: str
    headline: Cell | None  # None: not yet measured
    unit: str = ""
    note: str = ""
    counts: Counts | None = None
    count_labels: Mapping = field(default_factory=dict)
    table: Table | None = None
    table_labels: tuple[Mapping, Mapping] = ({}, {})
    source: str = ""  # the plugin that added it; empty for the core's

    @property
    def headline_value(self):
        """The headline for a page, CSV or XLSX: a hidden hours figure or share says it came from too few people
        (its Cell says "fewer than 5", which read beside "hours" would mislead)."""
        if self.headline is None:
            return NOT_YET_MEASURED
        if self.headline.hidden and self.unit in ("hours", "%"):
            return "not shown: too few to show safely"
        return self.headline.export()

    @property
    def shown(self) -> str:
        value = self.headline_value
        if self.headline is None or self.headline.hidden:
            return str(value)
        return f"{self.headline}{(' ' + self.unit) if self.unit else ''}"

    def export_rows(self) -> list[list]:
        """This indicator as rows for CSV or XLSX, with the same hidden cells as the page."""
        rows: list[list] = [[self.label, self.headline_value, self.unit, self.note]]
        if self.counts is not None:
            rows += [[f"  {self.count_labels.get(k, k)}", c.export(), "", ""] for k, c in self.counts.items()]
        if self.table is not None:
            row_labels, column_labels = self.table_labels
            for line in self.table.export_rows(""):
                rows.append(["  " + str(row_labels.get(line[0], line[0])), *line[1:]])
            rows[-len(self.table.rows) - 2][1:] = [column_labels.get(c, c) for c in self.table.columns] + ["Total"]
        return rows


def _share(part: Cell, whole_counts: Counts, numerator: int, denominator: int) -> Cell:
    """A percentage shown only when both of the counts it is made of are shown (else it would give them away)."""
    if denominator == 0 or any(c.hidden for _k, c in whole_counts.items()):
        return guarded(None, 0)
    return guarded(round(100.0 * numerator / denominator, 1), denominator)


def _theme(query, column, theme_slug):
    return query.where(column == theme_slug) if theme_slug else query


def people_trained(theme_slug: str | None, start: datetime, end: datetime) -> Indicator:
    """People who completed a course of the theme in the year, by stakeholder type and area (each person once)."""
    people = (select(Completion.member_id).join(Course, Course.id == Completion.course_id)
              .where(Completion.completed_at >= start, Completion.completed_at < end))
    people = _theme(people, Course.theme_slug, theme_slug).distinct().subquery()
    rows = db.session.execute(select(Member.stakeholder_type, Member.area, func.count())
                              .join(people, people.c.member_id == Member.id)
                              .group_by(Member.stakeholder_type, Member.area)).all()
    counts: dict = {}
    for stakeholder, area, n in rows:
        key = (stakeholder if stakeholder in STAKEHOLDER_TYPES else "other", area if area in AREAS else NO_AREA)
        counts[key] = counts.get(key, 0) + n
    columns = [*AREAS, NO_AREA]
    table = suppress_table(list(STAKEHOLDER_TYPES), columns, counts)
    return Indicator("people_trained", "People trained (completed a course)", table.total, "people",
                     "Each person counted once, by stakeholder type and area.", table=table,
                     table_labels=(STAKEHOLDER_TYPES, {**AREAS, NO_AREA: "Area not given"}))


def _hours(rows) -> float:
    return round(sum((ends - starts).total_seconds() * n for starts, ends, n in rows) / 3600.0, 1)


def learning_hours(theme_slug: str | None, start: datetime, end: datetime) -> Indicator:
    """Hours of learning: each attended course session's length, once for each person who attended it (a
    co-facilitator on the register without a place is working, not learning: issue 17 point 4)."""
    base = (select(Session.starts_at, Session.ends_at, func.count(Attendance.id))
            .join(Attendance, Attendance.session_id == Session.id).join(Course, Course.id == Session.course_id)
            .where(Attendance.status.in_(ATTENDED), Attendance.source != CO_FACILITATING,
                   Session.starts_at >= start, Session.starts_at < end)
            .group_by(Session.id, Session.starts_at, Session.ends_at))
    rows = db.session.execute(_theme(base, Course.theme_slug, theme_slug)).all()
    people = (select(func.count(distinct(Attendance.member_id))).join(Session, Session.id == Attendance.session_id)
              .join(Course, Course.id == Session.course_id)
              .where(Attendance.status.in_(ATTENDED), Attendance.source != CO_FACILITATING,
                     Session.starts_at >= start, Session.starts_at < end))
    learners = db.session.scalar(_theme(people, Course.theme_slug, theme_slug)) or 0
    return Indicator("learning_hours", "Learning hours", guarded(_hours(rows), learners), "hours",
                     "Attended course sessions' lengths added up; shown when enough people attended.")


def involvement_hours(theme_slug: str | None, start: datetime, end: datetime) -> Indicator:
    """Hours of involvement: each group meeting's length, once for each person marked there."""
    base = (select(Meeting.starts_at, Meeting.ends_at, func.count(MeetingAttendance.id))
            .join(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)
            .join(Group, Group.id == Meeting.group_id)
            .where(MeetingAttendance.status.in_(ATTENDED), Meeting.starts_at >= start, Meeting.starts_at < end)
            .group_by(Meeting.id, Meeting.starts_at, Meeting.ends_at))
    rows = db.session.execute(_theme(base, Group.theme_slug, theme_slug)).all()
    people = (select(func.count(distinct(MeetingAttendance.member_id)))
              .join(Meeting, Meeting.id == MeetingAttendance.meeting_id).join(Group, Group.id == Meeting.group_id)
              .where(MeetingAttendance.status.in_(ATTENDED), Meeting.starts_at >= start, Meeting.starts_at < end))
    involved = db.session.scalar(_theme(people, Group.theme_slug, theme_slug)) or 0
    return Indicator("involvement_hours", "Involvement hours (group meetings)", guarded(_hours(rows), involved),
                     "hours", "Group meetings' lengths for each person who came; shown when enough people came.")


def co_facilitation(theme_slug: str | None, start: datetime, end: datetime) -> Indicator:
    """The share of the year's course sessions run with a facilitator who has lived experience."""
    lived = exists().where(CourseFacilitator.course_id == Course.id).where(
        or_(CourseFacilitator.lived_experience.is_(True),
            CourseFacilitator.member_id.in_(select(Member.id).where(
                Member.stakeholder_type.in_(LIVED_EXPERIENCE_TYPES)))))
    base = (select(func.count(Session.id), func.count(Session.id).filter(lived))
            .join(Course, Course.id == Session.course_id)
            .where(Session.starts_at >= start, Session.starts_at < end))
    total, co = db.session.execute(_theme(base, Course.theme_slug, theme_slug)).one()
    total, co = int(total or 0), int(co or 0)
    counts = suppress_counts({"co": co, "other": total - co})
    labels = {"co": "Co-facilitated with lived experience", "other": "Other sessions"}
    return Indicator("co_facilitation", "Sessions co-facilitated by people with lived experience",
                     _share(counts["co"], counts, co, total), "%",
                     "A session counts when its course has a facilitator who is a public contributor, patient or "
                     "carer, or is marked as bringing lived experience.", counts=counts, count_labels=labels)


def retention(theme_slug: str | None, start: datetime, end: datetime, now: datetime | None = None) -> Indicator:
    """Of the people enrolled on courses whose last session fell in the year (and has happened), how many stayed to
    the end: attended the last session or completed the course."""
    now = now or utcnow()
    last = (select(Session.course_id, func.max(Session.starts_at).label("last_at")).group_by(Session.course_id)
            .subquery())
    courses = (select(Course.id).join(last, last.c.course_id == Course.id)
               .where(last.c.last_at >= start, last.c.last_at < end, last.c.last_at <= now))
    courses = _theme(courses, Course.theme_slug, theme_slug)
    last_session = (select(Session.id).join(last, and_(last.c.course_id == Session.course_id,
                                                        last.c.last_at == Session.starts_at)))
    stayed = or_(
        exists().where(Attendance.member_id == Enrolment.member_id, Attendance.status.in_(ATTENDED),
                       Attendance.session_id.in_(last_session.where(Session.course_id == Enrolment.course_id))),
        exists().where(Completion.member_id == Enrolment.member_id, Completion.course_id == Enrolment.course_id))
    enrolled, kept = db.session.execute(
        select(func.count(Enrolment.id), func.count(Enrolment.id).filter(stayed))
        .where(Enrolment.status == ENROLLED, Enrolment.course_id.in_(courses))).one()
    enrolled, kept = int(enrolled or 0), int(kept or 0)
    counts = suppress_counts({"stayed": kept, "left": enrolled - kept})
    labels = {"stayed": "Stayed to the end", "left": "Did not stay to the end"}
    return Indicator("retention", "Retention across a course", _share(counts["stayed"], counts, kept, enrolled), "%",
                     "People enrolled on courses that ended in the year who came to the last session or completed.",
                     counts=counts, count_labels=labels)


def needs_met(theme_slug: str | None, start: datetime, end: datetime) -> Indicator:
    """Training needs met: not yet measured. It needs the training-needs survey's answers, which the site does not
    hold yet; no number is shown until it does."""
    return Indicator("needs_met", "Training needs met", None, "",
                     "Not yet measured: this needs the training-needs survey's answers.")


CORE = (people_trained, learning_hours, involvement_hours, co_facilitation, retention, needs_met)


def _from_plugin(plugin: str, item) -> Indicator | None:
    """A plugin's indicator, suppressed here: ``counts`` ({label: int}) or ``value`` with ``people``."""
    if not isinstance(item, Mapping) or not item.get("key") or not item.get("label"):
        log.warning("plugin %s gave an impact indicator without a key and a label: %r", plugin, item)
        return None
    key, label = f"{plugin}.{item['key']}", str(item["label"])
    unit, note = str(item.get("unit", "")), str(item.get("note", ""))
    if isinstance(item.get("counts"), Mapping):
        raw = {str(k): int(v) for k, v in item["counts"].items()}
        counts = suppress_counts(raw)
        return Indicator(key, label, counts.total, unit, note, counts=counts, source=plugin)
    if "value" in item and "people" in item:
        value = item["value"]
        return Indicator(key, label, guarded(None if value is None else float(value), int(item["people"])), unit,
                         note, source=plugin)
    log.warning("plugin %s gave an impact indicator with neither counts nor value and people: %r", plugin, item)
    return None


def indicators(theme_slug: str | None, year: int) -> list[Indicator]:
    """Every indicator for the theme (or all themes) and calendar year: the core's, then the plugins'."""
    start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    found = [compute(theme_slug, start, end) for compute in CORE]
    plugins = get_plugins()
    for plugin, item in plugins.collect_by_plugin("copractice_impact_indicators", theme_slug=theme_slug, year=year):
        indicator = _from_plugin(plugin, item)
        if indicator is not None:
            found.append(indicator)
    return found


def export_rows(found: list[Indicator]) -> list[list]:
    rows: list[list] = []
    for indicator in found:
        rows += indicator.export_rows()
    return rows


EXPORT_HEADERS = ["Indicator", "Value", "Unit", "Note"]


def report_pdf(title: str, found: list[Indicator], log_rows) -> bytes:
    """The yearly impact report as PDF bytes: the indicators (suppressed as on the page), then the impact log."""
    from copractice.measurement.pdf import Document

    doc = Document(title)
    doc.heading(title, size=18)
    doc.heading("Indicators")
    for indicator in found:
        doc.text(f"{indicator.label}: {indicator.shown}")
        if indicator.note:
            doc.text(indicator.note, italic=True)
        if indicator.counts is not None:
            doc.table([["", "People"], *[[indicator.count_labels.get(k, k), str(c)] for k, c in indicator.counts.items()],
                       ["Total", str(indicator.counts.total)]])
        if indicator.table is not None:
            rows = indicator.table.export_rows("")
            rows = [[str(indicator.table_labels[0].get(r[0], r[0])), *[str(v) for v in r[1:]]] for r in rows]
            rows[0] = ["", *[indicator.table_labels[1].get(c, c) for c in indicator.table.columns], "Total"]
            doc.table(rows)
    doc.heading("What changed")
    if not log_rows:
        doc.text("Nothing was recorded in the impact log this year.")
    for row in log_rows:
        links = ", ".join(x for x in (row.principle, row.standard) if x)
        doc.text(f"{uk_date(row.happened_on)}: {row.what_changed}\nFor: {row.for_whom}"
                 + (f"\nEvidence: {row.evidence}" if row.evidence else "") + (f"\nLinked to: {links}" if links else ""))
    return doc.output()
