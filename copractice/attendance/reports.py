"""Attendance reports: a course's register grid, a member's history, rates over time, low attendance,
and their CSV and XLSX exports. Each report runs a fixed number of queries whatever its size."""
import csv
import io
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from itertools import chain, compress
from operator import itemgetter

from flask import Response
from openpyxl import Workbook
from sqlalchemy import ARRAY, Integer, any_, case, func, literal, select, union_all
from werkzeug.exceptions import NotFound

from copractice.attendance.models import ATTENDED, CO_FACILITATING, EXCUSED, MARKS, Attendance, Completion
from copractice.attendance.operations import learning_hours
from copractice.courses.models import ENROLLED, Course, Enrolment, Session
from copractice.extensions import db
from copractice.kept_pages import as_plugin
from copractice.members.models import Member, area_label, stakeholder_label
from copractice.plugins import get_plugins
from copractice.timeutil import london_to_utc, utc_to_london, utcnow


def rate(part, whole):
    return round(part / whole, 3) if whole else None


def percent(value):
    return "–" if value is None else f"{round(value * 100)}%"


def attendance_rates(attended, excused, held):
    """(Attended, Attended or gave notice) as shares of ``held``, the sessions that have happened.

    The one place these rates are worked out: the course report's page and its CSV and XLSX exports all
    call it. ``attended`` and ``excused`` must count marks for those sessions only (an apology for next
    week is not a session missed or attended yet), so neither share can pass 100%.
    """
    return rate(attended, held), rate(attended + excused, held)


# -- a course's grid ------------------------------------------------------------------------------------------------

@dataclass
class GridRow:
    member_id: int
    name: str
    stakeholder_type: str | None
    area: str | None
    attended: int = 0  # of the sessions held so far
    excused: int = 0  # of the sessions held so far
    marked: int = 0
    hours: float = 0.0
    completed_at: datetime | None = None
    statuses: list = field(default_factory=list)  # the mark (a key of MARKS) or None in each session column
    extra: list = field(default_factory=list)  # the cell of each plugin column (CourseGrid.columns), as text

    @property
    def stakeholder_label(self):
        return stakeholder_label(self.stakeholder_type)

    @property
    def area_label(self):
        return area_label(self.area)

    def attendance_rate(self, held):
        return attendance_rates(self.attended, self.excused, held)[0]

    def notice_rate(self, held):
        return attendance_rates(self.attended, self.excused, held)[1]


@dataclass
class CourseGrid:
    course: Course
    sessions: list  # rows of (id, starts_at, ends_at), in order
    rows: list
    held: int  # sessions that have started
    columns: list = field(default_factory=list)  # ReportColumn from plugins
    held_ids: frozenset = frozenset()
    per_session: list = field(default_factory=list)  # a Counter per session column: status -> marks of people in the grid

    def labels(self, row):
        """The row's mark in each session column, as the page shows it ("" where there is none)."""
        return [MARKS.get(status, "") for status in row.statuses]

    def session_rates(self):
        """(attended, attended or gave notice) share of the people for each session; a session that has
        not started yet has none (shown as "–")."""
        people, count = len(self.rows), self.per_session
        rates = []
        for column, s in enumerate(self.sessions):
            if s.id not in self.held_ids:
                rates.append((None, None))
                continue
            marks = count[column]
            rates.append(attendance_rates(sum(marks[status] for status in ATTENDED), marks[EXCUSED], people))
        return rates


def _among(conn, column, ids):
    """``column IN ids``. On PostgreSQL one array parameter (``= ANY``): a list of 200 ids as 200 bind
    parameters cost more to expand, send and parse than the lookups themselves (SQLite has no arrays)."""
    if conn.dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(Integer)))
    return column.in_(ids)


def _id_rows(conn, ids):
    """The ids as the rows of a one-column select: one array unnested on PostgreSQL, one JSON array on SQLite."""
    if conn.dialect.name == "postgresql":
        return select(func.unnest(literal(list(ids), ARRAY(Integer))))
    values = func.json_each(json.dumps(list(ids))).table_valued("value")
    return select(values.c.value)


def _marks_by_session(conn, session_ids):
    """[(session_id, [member_id, ...], [status, ...])]: the marks of these sessions, one row per session.

    Thousands of marks as a row each cost more to read than to group: PostgreSQL gathers each session's
    into two arrays (``array_agg``), SQLite into two JSON arrays; both aggregates of a group see its
    rows in the same order, so the lists line up.
    """
    if not session_ids:
        return []
    # Co-facilitators without a place are on the register to be paid, not as trainees (issue 17 point 4).
    where = _among(conn, Attendance.session_id, session_ids) & (Attendance.source != CO_FACILITATING)
    if conn.dialect.name == "postgresql":
        return conn.execute(select(Attendance.session_id, func.array_agg(Attendance.member_id),
                                   func.array_agg(Attendance.status)).where(where)
                            .group_by(Attendance.session_id)).all()
    return [(session_id, json.loads(members), json.loads(statuses)) for session_id, members, statuses in conn.execute(
        select(Attendance.session_id, func.json_group_array(Attendance.member_id),
               func.json_group_array(Attendance.status)).where(where).group_by(Attendance.session_id))]


def course_grid(course, now=None, columns=None):
    """Sessions x members for one course in three queries (sessions, marks, people with their
    completions), plus what plugins' report columns read: each column is asked once for all the rows
    (``plugin_columns``). ``columns`` (a list of ReportColumn) replaces the enabled plugins' columns.

    Plain columns and tuples, not ORM objects, read through the Session's connection (Core rows cost
    half what the ORM's do); the marks come a session at a time (``_marks_by_session``), and Python's
    only step per mark is to put it in its person's column; the counting is done a row or a session at
    a time by C code (list.count, Counter, compress, sum). (Counting in the database was slower: with
    the hours, PostgreSQL spent 30 ms grouping 8,400 marks.)
    """
    now = now or utcnow()
    db.session.flush()
    conn = db.session.connection()  # Core rows: the ORM's result machinery cost more than the queries here
    sessions = conn.execute(select(Session.id, Session.starts_at, Session.ends_at)
                            .where(Session.course_id == course.id).order_by(Session.starts_at)).all()
    held_ids = frozenset(s.id for s in sessions if s.starts_at <= now)
    column = {s.id: i for i, s in enumerate(sessions)}
    marks = _marks_by_session(conn, list(column))
    # The people are those with a place and those with a mark, found by id: the marked as the ids just
    # read (``_id_rows``), not a second pass over the marks, which let PostgreSQL guess thousands of
    # rows and read all 100,000 members instead.
    in_grid = union_all(select(Enrolment.member_id).where(Enrolment.course_id == course.id,
                                                          Enrolment.status == ENROLLED),
                        _id_rows(conn, set(chain.from_iterable(map(itemgetter(1), marks)))))
    # Erased accounts are not rows of a per-person grid; their marks count only in anonymous totals.
    # Completions come with the people (one per course and member: an outer join adds no rows).
    people = conn.execute(
        select(Member.id, Member.name, Member.stakeholder_type, Member.area, Completion.completed_at)
        .outerjoin(Completion, (Completion.member_id == Member.id) & (Completion.course_id == course.id))
        .where(Member.id.in_(in_grid), Member.erased_at.is_(None))
        .order_by(func.lower(Member.name), Member.id)).all()
    empty = [None] * len(sessions)
    rows = {member_id: GridRow(member_id, name, stakeholder_type, area, completed_at=completed_at,
                               statuses=empty.copy())
            for member_id, name, stakeholder_type, area, completed_at in people}
    in_rows = rows.__contains__
    per_session = [Counter() for _ in sessions]
    for session_id, member_ids, statuses in marks:
        at = column[session_id]
        # The session's marks of people in the grid (not of erased accounts), counted at once.
        per_session[at] = Counter(compress(statuses, map(in_rows, member_ids)))
        for member_id, status in zip(member_ids, statuses, strict=True):
            row = rows.get(member_id)
            if row is not None:
                row.statuses[at] = status
    held = [s.id in held_ids for s in sessions]
    all_held = all(held)
    hours = [(s.ends_at - s.starts_at).total_seconds() / 3600 for s in sessions]
    attended = frozenset(ATTENDED).__contains__
    for row in rows.values():
        statuses = row.statuses
        row.marked = len(statuses) - statuses.count(None)
        # An apology for a session to come is not counted yet.
        so_far = statuses if all_held else list(compress(statuses, held))
        row.attended, row.excused = sum(map(so_far.count, ATTENDED)), so_far.count(EXCUSED)
        row.hours = round(sum(compress(hours, map(attended, statuses))), 2)  # summed, then rounded
    owned = ([(None, c) for c in columns] if columns is not None
             else get_plugins().collect_by_plugin("copractice_report_columns", course.theme_slug, report="course"))
    for row, cells in zip(rows.values(), plugin_cells(owned, list(rows), course), strict=True):
        row.extra = cells
    columns = [column for _plugin, column in owned]
    return CourseGrid(course=course, sessions=sessions, rows=list(rows.values()), held=len(held_ids),
                      columns=columns, held_ids=held_ids, per_session=per_session)


def course_grid_table(grid):
    """(headers, rows) for exporting a course grid; session columns name their start and end times."""
    headers = ["Name", "Describes themselves as", "Area"]
    headers += [f"{utc_to_london(s.starts_at):%Y-%m-%d %H:%M}–{utc_to_london(s.ends_at):%H:%M}" for s in grid.sessions]
    headers += ["Sessions attended", "Sessions excused", "Attendance rate", "Attended or gave notice", "Hours",
                "Completed on"] + [c.label for c in grid.columns]
    rows = []
    for row in grid.rows:
        rows.append([row.name, row.stakeholder_label, row.area_label]
                    + grid.labels(row)
                    + [row.attended, row.excused, row.attendance_rate(grid.held), row.notice_rate(grid.held),
                       row.hours, f"{row.completed_at:%Y-%m-%d}" if row.completed_at else ""]
                    + row.extra)
    return headers, rows


def plugin_cells(owned, member_ids, course):
    """The cells of plugins' report columns, a list per member in ``member_ids`` (in that order), each column's
    ``values`` called once for them all. ``owned`` is [(plugin name or None, ReportColumn)]. A column that raises
    or answers something other than a mapping is logged, kept as the plugin's last error, and shows empty
    cells: a plugin must not break the report."""
    if not owned or not member_ids:
        return [[] for _ in member_ids]
    answers = []
    for plugin, column in owned:
        try:
            answer = as_plugin(column.values, list(member_ids), course)
            if not isinstance(answer, Mapping):
                raise TypeError(f"ReportColumn {column.label!r}: values() must return a dict, not {type(answer).__name__}")
        except Exception as exc:  # a plugin's column must not break the report
            if plugin is not None:
                get_plugins().record_failure(plugin, "copractice_report_columns", exc)
            answer = {}
        answers.append(answer)
    return [["" if (value := answer.get(member_id)) is None else str(value) for answer in answers]
            for member_id in member_ids]


# -- a member's history --------------------------------------------------------------------------------------------

def member_history(member):
    """Every mark of a member across courses, newest first, with hours (two queries)."""
    marks = db.session.execute(
        select(Attendance, Session, Course).join(Session, Session.id == Attendance.session_id)
        .join(Course, Course.id == Session.course_id).where(Attendance.member_id == member.id)
        .order_by(Session.starts_at.desc())).all()
    completions = {c.course_id: c.completed_at for c in db.session.scalars(
        select(Completion).where(Completion.member_id == member.id))}
    return marks, completions, learning_hours([member.id])[member.id]


def member_history_table(member, marks, completions):
    headers = ["Course", "Session starts", "Session ends", "Mark", "How it was recorded", "Remark", "Hours",
               "Course completed on"]
    rows = [[course.title, f"{utc_to_london(s.starts_at):%Y-%m-%d %H:%M}", f"{utc_to_london(s.ends_at):%Y-%m-%d %H:%M}",
             a.label, a.source_label, a.remark or "", round((s.ends_at - s.starts_at).total_seconds() / 3600, 2)
             if a.status in ATTENDED else 0,
             f"{completions[course.id]:%Y-%m-%d}" if course.id in completions else ""]
            for a, s, course in marks]
    return headers, rows


# -- across courses: filters, rates by month, low attendance --------------------------------------------------------

@dataclass
class ReportFilters:
    start: object = None  # date
    end: object = None  # date
    theme: str = ""
    course_id: int | None = None
    stakeholder_type: str = ""
    area: str = ""
    themes_allowed: tuple | None = None  # a theme lead sees only their themes
    now: object = None  # marks count only for sessions started by then (default: now)

    def apply(self, stmt):
        # Only sessions that have happened: an apology for next week is not a session missed yet.
        stmt = stmt.where(Session.starts_at <= (self.now or utcnow()))
        if self.start:
            stmt = stmt.where(Session.starts_at >= london_to_utc(datetime.combine(self.start, time.min)))
        if self.end:
            stmt = stmt.where(Session.starts_at <= london_to_utc(datetime.combine(self.end, time.max.replace(microsecond=0))))
        if self.theme:
            stmt = stmt.where(Course.theme_slug == self.theme)
        if self.themes_allowed is not None:
            stmt = stmt.where(Course.theme_slug.in_(self.themes_allowed or [""]))
        if self.course_id:
            stmt = stmt.where(Course.id == self.course_id)
        if self.stakeholder_type:
            stmt = stmt.where(Member.stakeholder_type == self.stakeholder_type)
        if self.area:
            stmt = stmt.where(Member.area == self.area)
        return stmt


def _marks_query(columns, filters):
    stmt = (select(*columns).select_from(Attendance).join(Session, Session.id == Attendance.session_id)
            .join(Course, Course.id == Session.course_id).join(Member, Member.id == Attendance.member_id)
            .where(Attendance.source != CO_FACILITATING))  # trainees' marks only (issue 17 point 4)
    return filters.apply(stmt)


def _utc_hour():
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(Session.starts_at, "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", Session.starts_at)


ATTENDED_SUM = func.sum(case((Attendance.status.in_(ATTENDED), 1), else_=0))
NOTICE_SUM = func.sum(case((Attendance.status.in_(ATTENDED + (EXCUSED,)), 1), else_=0))


def rates_by_month(filters):
    """[(month "YYYY-MM" in UK time, marks, attended, attended or gave notice)] in order (one query).

    The database groups by UTC hour; the hours are folded into UK months here, so a session at
    00:30 on 1 July (23:30 UTC on 30 June) counts in July on SQLite and PostgreSQL alike.
    """
    hour = _utc_hour().label("hour")
    stmt = _marks_query([hour, func.count(Attendance.id), ATTENDED_SUM, NOTICE_SUM], filters).group_by(hour)
    months = {}
    for utc_hour, n, a, g in db.session.execute(stmt):
        month = f"{utc_to_london(datetime.strptime(utc_hour, '%Y-%m-%d %H')):%Y-%m}"
        total = months.setdefault(month, [0, 0, 0])
        total[0], total[1], total[2] = total[0] + int(n), total[1] + int(a or 0), total[2] + int(g or 0)
    return [(month, *months[month]) for month in sorted(months)]


def low_attendance(filters, threshold, limit=200):
    """Members whose attendance rate is below ``threshold`` (one query): [(Member, marks, attended, rate)]."""
    stmt = _marks_query([Attendance.member_id, func.count(Attendance.id), ATTENDED_SUM], filters)
    stmt = stmt.group_by(Attendance.member_id).having(threshold * func.count(Attendance.id) > ATTENDED_SUM)
    counts = {member_id: (int(n), int(a or 0)) for member_id, n, a in db.session.execute(stmt.limit(limit))}
    members = db.session.scalars(select(Member).where(Member.id.in_(counts), Member.erased_at.is_(None))
                                 .order_by(func.lower(Member.name))).all() if counts else []
    return [(m, counts[m.id][0], counts[m.id][1], rate(counts[m.id][1], counts[m.id][0])) for m in members]


# -- exports -------------------------------------------------------------------------------------------------------

DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "|", "%")


def neutralise(value):
    """Stop a spreadsheet reading text as a formula (CSV/formula injection): prefix such text with '."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def csv_lines(headers, rows):
    """Yield the CSV a line at a time, so a large export streams."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in chain([headers], rows):
        writer.writerow([neutralise(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def xlsx_bytes(headers, rows, title="Report"):
    """An XLSX workbook written row by row (openpyxl write-only mode keeps memory bounded)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([neutralise(h) for h in headers])
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_download(kind, headers, rows, filename, title="Report"):
    """A report's table as a download: ``kind`` "csv" or "xlsx" (anything else is not found), saved as
    ``filename`` with that extension. Every report's CSV and XLSX goes through here and so through neutralise."""
    if kind == "csv":
        body, mimetype = "".join(csv_lines(headers, rows)), "text/csv"
    elif kind == "xlsx":
        body, mimetype = xlsx_bytes(headers, rows, title), XLSX_MIMETYPE
    else:
        raise NotFound()
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}.{kind}"', "Cache-Control": "private, no-store"})
