"""Attendance rules: registers, apologies, self check-in, online reports, completion, certificates, hours.

Marks are upserts on the unique (session, member) key, so two facilitators marking at once, or a
check-in racing a register, leave one row. Every change is written to attendance_change, and
completion is evaluated again whenever a member's marks change. Callers commit.
"""
import codecs
import csv
import hashlib
import hmac
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Integer, and_, bindparam, case, func, select, union
from sqlalchemy.dialects import postgresql, sqlite

from copractice import ratelimits
from copractice.attendance.models import (
    ABSENT,
    ATTENDED,
    CO_FACILITATING,
    EXCUSED,
    LATE,
    MARKS,
    PRESENT,
    Attendance,
    AttendanceChange,
    Certificate,
    Completion,
    LowAttendanceReminder,
)
from copractice.audit import audit
from copractice.courses.models import ENROLLED, Enrolment, Session
from copractice.errors import Refused
from copractice.extensions import db
from copractice.kept_pages import belongs_to
from copractice.members.models import Member
from copractice.plugins import get_plugins
from copractice.timeutil import uk_date, uk_time, utc_to_london, utcnow
from copractice.unitofwork import savepoint


class AttendanceRefused(Refused):
    """The step cannot be taken; the message is what the person sees."""


class NoPlace(AttendanceRefused):
    """The member has no place on the course, so they cannot be marked (views answer 404, naming nobody)."""


# -- marks -----------------------------------------------------------------------------------------------

def _upsert(values):
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Attendance).values(**values)
    keep = {k: stmt.excluded[k] for k in ("status", "remark", "source", "minutes", "marked_by_id", "marked_at")}
    db.session.execute(stmt.on_conflict_do_update(index_elements=["session_id", "member_id"], set_=keep))


def current_mark(session_id, member_id):
    return db.session.scalar(select(Attendance).where(Attendance.session_id == session_id,
                                                      Attendance.member_id == member_id))


def marking_opens_at(session):
    """Marks other than apologies can be made from when check-in opens: before that the session has not happened."""
    return checkin_window(session)[0]


def not_started_message(session):
    return ("This session has not started yet, so nobody can be marked for it. You can take the register from "
            f"{_uk_time(marking_opens_at(session))}. Apologies sent in advance show as Excused.")


def co_facilitator_ids(session_id):
    """A select of the members selected or confirmed to co-facilitate (or sit on the panel of) this session: they
    are on its register without a place (issue 17 point 4)."""
    from copractice.involvement.claims import ACTIVE_INVOLVEMENT, PAYABLE_ROLES
    from copractice.involvement.models import Involvement, Opportunity

    return (select(Involvement.member_id).join(Opportunity, Opportunity.id == Involvement.opportunity_id)
            .where(Opportunity.session_id == session_id, Opportunity.role.in_(PAYABLE_ROLES),
                   Involvement.status.in_(ACTIVE_INVOLVEMENT)))


def _is_co_facilitating(session, member_id):
    from copractice.involvement.models import Involvement

    return db.session.scalar(co_facilitator_ids(session.id).where(Involvement.member_id == member_id)) is not None


def _check_markable(session, member_id, source, old, now):
    """A mark needs a place on the course (or corrects one already made), or a selection to co-facilitate the
    session, and a session that has started. Returns the source to record: someone without a place who is
    selected to co-facilitate is marked as co-facilitating, which no trainee figure counts.

    Walk-ins get their place first (add_walk_in); apologies for a future session come through send_apology.
    """
    if (old is None or old.source == CO_FACILITATING) and not _has_place_id(member_id, session):
        if old is None and not _is_co_facilitating(session, member_id):
            raise NoPlace("They do not have a place on this course. Add them as a walk-in if they came.")
        source = CO_FACILITATING  # a co-facilitator's mark (or its correction) stays out of trainee figures
    if source != "apology" and now < marking_opens_at(session):
        raise AttendanceRefused(not_started_message(session))
    return source


def mark(actor, session, member_id, status, *, remark=None, source="register", minutes=None, now=None):
    """Set one member's mark for one session; returns the Attendance (unchanged marks are left alone)."""
    if status not in MARKS:
        raise AttendanceRefused(f"{status!r} is not a mark.")
    if minutes is not None and not 0 <= minutes <= MAX_MINUTES:
        minutes = None  # no one attends longer than a day: not a real figure, and never too big for the column
    now = now or utcnow()
    old = current_mark(session.id, member_id)
    source = _check_markable(session, member_id, source, old, now)
    old_status, old_remark = (old.status, old.remark) if old else (None, None)
    new_remark = old_remark if remark is None else (remark.strip() or None)
    if old_status == status and old_remark == new_remark:
        return old
    with belongs_to(courses=[session.course_id], members=[member_id]):  # pages of other courses stay kept
        _upsert(dict(session_id=session.id, member_id=member_id, status=status, remark=new_remark, source=source,
                     minutes=minutes, marked_by_id=getattr(actor, "id", None), marked_at=now))
        db.session.add(AttendanceChange(session_id=session.id, member_id=member_id, old_status=old_status,
                                        new_status=status, old_remark=old_remark, new_remark=new_remark, source=source,
                                        changed_by_id=getattr(actor, "id", None), at=now))
        db.session.flush()
        row = db.session.execute(select(Attendance).where(Attendance.session_id == session.id,
                                                          Attendance.member_id == member_id)
                                 .execution_options(populate_existing=True)).scalar_one()
        get_plugins().collect("copractice_attendance_marked", session.course.theme_slug, attendance=row,
                              old_status=old_status)
        if source != CO_FACILITATING:  # co-facilitating is not attending the course
            evaluate_completion(session.course, member_id, now)
        from copractice.involvement.claims import claim_for_session_mark  # a co-facilitator present is paid (issue 17)

        claim_for_session_mark(actor, session, member_id, status)
    return row


class RegisterRow(NamedTuple):
    """One line of a register: the columns the page shows, not ORM objects (a register has hundreds)."""

    member_id: int
    name: str
    enrolled: bool
    status: str | None  # None: not marked yet
    source: str | None
    remark: str | None
    co_facilitating: bool = False  # selected to co-facilitate this session, with no place (issue 17 point 4)


@cache
def _register_statement():
    """The register's rows (``course`` and ``session`` bound). Built once: building it was a millisecond of every
    register page."""
    course, session_id = bindparam("course", type_=Integer), bindparam("session", type_=Integer)
    enrolled_ids = select(Enrolment.member_id).where(Enrolment.course_id == course, Enrolment.status == ENROLLED)
    marked_ids = select(Attendance.member_id).where(Attendance.session_id == session_id)
    co_ids = co_facilitator_ids(session_id)
    # A union of indexed look-ups; "enrolled OR marked" written as one condition would read every member.
    on_register = union(enrolled_ids, marked_ids, co_ids).subquery()
    return (select(Member.id, Member.name, Member.id.in_(enrolled_ids), Attendance.status, Attendance.source,
                   Attendance.remark, Member.id.in_(co_ids))
            .join(on_register, on_register.c.member_id == Member.id)
            .outerjoin(Attendance, and_(Attendance.member_id == Member.id, Attendance.session_id == session_id))
            .where(Member.erased_at.is_(None))
            .order_by(func.lower(Member.name), Member.id))


def register(session):
    """Everyone with a place, anyone selected or confirmed to co-facilitate the session (or sit on its panel),
    plus anyone else already marked (one query), by name.

    Erased accounts are left out: their past marks stay only as anonymous counts.
    """
    db.session.flush()
    rows = db.session.connection().execute(  # Core rows: cheaper than the ORM's for hundreds of plain tuples
        _register_statement(), {"course": session.course_id, "session": session.id}).all()
    return [RegisterRow(member_id, name, bool(enrolled), status, source, remark,
                        not enrolled and (bool(co) or source == CO_FACILITATING))
            for member_id, name, enrolled, status, source, remark, co in rows]


def save_remarks(actor, session, remarks, now=None):
    """Save remarks typed on the register, each keeping the person's current mark.

    ``remarks`` maps member ids to the new remark. Returns the ids of those who have no mark yet:
    a remark goes with a mark, so theirs cannot be saved until one is chosen.
    """
    if not remarks:
        return []
    current = dict(db.session.execute(select(Attendance.member_id, Attendance.status).where(
        Attendance.session_id == session.id, Attendance.member_id.in_(list(remarks)))).all())
    for member_id, remark in remarks.items():
        if member_id in current:
            mark(actor, session, member_id, current[member_id], remark=remark, now=now)
    return [member_id for member_id in remarks if member_id not in current]


def mark_everyone_present(actor, session, now=None):
    """Mark everyone not yet marked as present (apologies and earlier marks stay). Returns how many."""
    if (now or utcnow()) < marking_opens_at(session):
        raise AttendanceRefused(not_started_message(session))
    count = 0
    for row in register(session):
        if row.status is None and row.enrolled:
            mark(actor, session, row.member_id, PRESENT, now=now)
            count += 1
    return count


@savepoint
def add_walk_in(actor, session, member, now=None):
    """Someone who turned up without a place: give them one (capacity still holds) and mark them present.

    All or nothing: the place and the mark are one unit of work, and a refusal undoes both."""
    from copractice.courses import operations as course_ops

    if (now or utcnow()) < marking_opens_at(session):
        raise AttendanceRefused(not_started_message(session))
    enrolment = course_ops.enrolment_of(member, session.course)
    if enrolment is None or enrolment.status != ENROLLED:
        try:
            course_ops.enrol(member, session.course, organiser=actor,
                             reason=f"Walk-in at the session on {uk_date(session.starts_at)}")
        except course_ops.EnrolmentRefused as refused:
            raise AttendanceRefused(str(refused)) from None
    return mark(actor, session, member.id, PRESENT, source="walk_in", now=now)


# -- apologies -------------------------------------------------------------------------------------------------

def _has_place_id(member_id, session):
    return db.session.scalar(select(Enrolment.id).where(
        Enrolment.course_id == session.course_id, Enrolment.member_id == member_id,
        Enrolment.status == ENROLLED)) is not None


def _has_place(member, session):
    return _has_place_id(member.id, session)


def send_apology(member, session, reason=None, now=None):
    """A member tells us in advance they cannot come: the register shows them as Excused."""
    now = now or utcnow()
    if not _has_place(member, session):
        raise AttendanceRefused("You do not have a place on this course.")
    existing = current_mark(session.id, member.id)
    if existing is not None and existing.status in ATTENDED:
        raise AttendanceRefused("You have already checked in to this session, so you cannot send apologies for it. "
                                "If you need to leave early, please tell the facilitator.")
    if now >= session.starts_at:
        raise AttendanceRefused("This session has already started. Please tell the facilitator directly.")
    return mark(member, session, member.id, EXCUSED, remark=reason or "Sent apologies", source="apology", now=now)


def withdraw_apology(member, session, now=None):
    now = now or utcnow()
    row = current_mark(session.id, member.id)
    if row is None or row.source != "apology":
        raise AttendanceRefused("You have not sent apologies for this session.")
    if now >= session.starts_at:
        raise AttendanceRefused("This session has already started.")
    db.session.add(AttendanceChange(session_id=session.id, member_id=member.id, old_status=row.status,
                                    new_status=None, old_remark=row.remark, source="apology",
                                    changed_by_id=member.id, at=now))
    db.session.delete(row)
    db.session.flush()
    evaluate_completion(session.course, member.id, now)


# -- self check-in ------------------------------------------------------------------------------------------------

def _slot(now):
    return int(now.timestamp()) // current_app.config["CHECKIN_CODE_SECONDS"]


def checkin_code(session, slot, scope="checkin"):
    """A six-digit code for a session and a time slot, derived from the secret key (nothing stored). ``scope``
    names what kind of thing ``session`` is (a group's meeting is "meeting"), so two kinds never share codes."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"{scope}:{session.id}:{slot}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def current_checkin_code(session, now=None, scope="checkin"):
    """The code to show now and the seconds until it changes."""
    now = now or utcnow()
    period = current_app.config["CHECKIN_CODE_SECONDS"]
    return checkin_code(session, _slot(now), scope), period - int(now.timestamp()) % period


def accepted_codes(session, now, scope="checkin"):
    """This slot's code, and the previous one for a short grace time after it changes."""
    period, grace = current_app.config["CHECKIN_CODE_SECONDS"], current_app.config["CHECKIN_CODE_GRACE_SECONDS"]
    slot = _slot(now)
    codes = {checkin_code(session, slot, scope)}
    if int(now.timestamp()) % period < grace:
        codes.add(checkin_code(session, slot - 1, scope))
    return codes


def checkin_window(session):
    cfg = current_app.config
    return (session.starts_at - timedelta(minutes=cfg["CHECKIN_OPENS_MINUTES_BEFORE"]),
            session.ends_at + timedelta(minutes=cfg["CHECKIN_CLOSES_MINUTES_AFTER"]))


def _uk_time(dt):
    return uk_time(dt, "time_on_day")


def self_check_in(member, code, session=None, now=None):
    """Check a member in with the code on the facilitator's screen. Returns (Attendance, changed).

    Without ``session`` the code is tried against the member's sessions open for check-in.
    """
    now = now or utcnow()
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if session is not None:
        if not _has_place(member, session):
            raise AttendanceRefused("You do not have a place on this course, so you cannot check in. "
                                    "Please speak to the facilitator.")
        opens, closes = checkin_window(session)
        if now < opens:
            raise AttendanceRefused(f"Check-in for this session opens at {_uk_time(opens)}.")
        if now > closes:
            raise AttendanceRefused("Check-in for this session has closed. Please speak to the facilitator.")
        candidates = [session]
    else:
        candidates = open_sessions_for(member, now)
        if not candidates:
            raise AttendanceRefused("You have no session open for check-in right now.")
    blocked = ratelimits.checkin_blocked(member, candidates)  # 6 digits must not be guessable
    if blocked:
        raise AttendanceRefused(blocked)
    for candidate in candidates:
        if code in accepted_codes(candidate, now):
            existing = current_mark(candidate.id, member.id)
            if existing is not None and existing.status in ATTENDED:
                return existing, False
            late_after = candidate.starts_at + timedelta(minutes=current_app.config["CHECKIN_LATE_AFTER_MINUTES"])
            status = LATE if now > late_after else PRESENT
            return mark(member, candidate, member.id, status, source="self_checkin", now=now), True
    ratelimits.checkin_failed(member, candidates)
    raise AttendanceRefused("That code is not right, or it has changed. Check the code on the screen and try again.")


def open_sessions_for(member, now):
    """Sessions of the member's courses whose check-in window is open now."""
    cfg = current_app.config
    return db.session.scalars(
        select(Session).join(Enrolment, and_(Enrolment.course_id == Session.course_id,
                                             Enrolment.member_id == member.id, Enrolment.status == ENROLLED))
        .where(Session.starts_at <= now + timedelta(minutes=cfg["CHECKIN_OPENS_MINUTES_BEFORE"]),
               Session.ends_at >= now - timedelta(minutes=cfg["CHECKIN_CLOSES_MINUTES_AFTER"]))
        .order_by(Session.starts_at)).all()


# -- online participant reports -----------------------------------------------------------------------------------
#
# Zoom's participant report may start with the meeting's summary (its own header, one row, a blank line) before
# the participants, one row per join. Teams' attendance report comes in sections ("1. Summary",
# "2. Participants", "3. In-Meeting Activities"), as UTF-16 with tabs or as UTF-8 with commas, and writes
# durations as "1h 5m 3s". Both are read here; so is any CSV with an email or name column and a minutes column.

EMAIL_HEADERS = ("email", "user email", "email address", "attendee email", "participant email",
                 "participant id (upn)", "upn")
NAME_HEADERS = ("name", "name (original name)", "participant", "full name", "display name", "attendee")
MINUTES_HEADERS = ("minutes", "minutes attended", "duration (minutes)", "duration (mins)", "total duration (minutes)",
                   "time in session (minutes)", "attendance duration (minutes)", "duration", "in-meeting duration",
                   "attendance duration", "time in meeting")
SUMMARY_HEADERS = ("meeting id", "topic")  # a Zoom meeting-summary header names the meeting, not a person
FORMATS = ("Zoom's participant report, Microsoft Teams' attendance report (as Teams downloads it), or a CSV file "
           "with a column of email addresses or names and a column of minutes attended")
MAX_MINUTES = 24 * 60  # one row of one session's report
LOOKUP_CHUNK = 5000  # values in one IN list: PostgreSQL takes at most 65,535 in a statement


@dataclass
class ImportResult:
    present: list = field(default_factory=list)  # [(Member, minutes)]
    absent: list = field(default_factory=list)  # [(Member, minutes)] joined too briefly
    no_place: list = field(default_factory=list)  # [(Member, minutes)] matched but without a place
    unmatched: list = field(default_factory=list)  # [(name, email, minutes)]
    kind: str = "CSV file"  # what the file was read as


@dataclass
class ParticipantReport:
    kind: str  # "Zoom participant report", "Microsoft Teams attendance report" or "CSV file"
    people: dict  # email or name -> (name, email, minutes), repeated joins added up


class ImportProblem(AttendanceRefused):
    """The file could not be read; nothing was imported."""


_PLAIN_MINUTES = re.compile(r"(\d+(?:\.\d+)?)\s*(?:m|mins?|minutes?)?", re.I)
_CLOCK = re.compile(r"(\d{1,3}):([0-5]\d):([0-5]\d)")
_WORDS = re.compile(r"(?:(\d{1,3})\s*(?:h|hrs?|hours?))?\s*(?:(\d{1,5})\s*(?:m|mins?|minutes?))?"
                    r"\s*(?:(\d{1,6})\s*(?:s|secs?|seconds?))?", re.I)


def parse_minutes(text):
    """Minutes from a report's cell: "65", "65.5", "65 mins" (Zoom), "1h 5m 3s" (Teams) or "1:05:03".

    An empty cell is 0. Anything else, including "nan", "inf", "1e999", negative numbers and more than a
    day, raises ImportProblem saying why (the caller adds the row number).
    """
    value = (text or "").strip()
    if not value:
        return 0.0
    if match := _PLAIN_MINUTES.fullmatch(value):
        minutes = float(match.group(1))
    elif match := _CLOCK.fullmatch(value):
        minutes = int(match.group(1)) * 60 + int(match.group(2)) + int(match.group(3)) / 60
    elif (match := _WORDS.fullmatch(value)) and any(match.groups()):
        hours, mins, secs = (int(g or 0) for g in match.groups())
        minutes = hours * 60 + mins + secs / 60
    else:
        raise ImportProblem(f"the minutes are not a number (“{value[:40]}”). "
                            "Use a number of minutes like 65, or a time like 1h 5m.")
    if minutes > MAX_MINUTES:
        raise ImportProblem(f"{value[:40]} minutes is more than a day. Check the file is the report of one session.")
    return minutes


def minutes_or_none(value):
    """Minutes sent back by a form as a whole number, else None (never an error; ``mark`` keeps them within
    a day)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def decode_report(raw):
    """The text of an uploaded report: UTF-16 or UTF-8 by their byte order marks, else UTF-8 or Windows-1252."""
    if raw.startswith(b"PK\x03\x04"):
        raise ImportProblem("That is an Excel or other zipped file, not a CSV file. Save it as CSV and try again.")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    elif raw.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif b"\x00" in raw[:4096]:
        raise ImportProblem(f"That file is not a CSV file. We can read {FORMATS}.")
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise ImportProblem(f"The file could not be read as text. We can read {FORMATS}, saved as CSV.")


def _columns(header, names):
    """Indexes of the header's cells that are one of ``names``, in the header's order."""
    return [i for i, cell in enumerate(header) if cell.strip().lower().lstrip("\ufeff") in names]


def _is_section_title(row):
    """A Teams section heading such as "3. In-Meeting Activities": one cell, numbered."""
    cells = [c for c in row if c.strip()]
    return len(cells) == 1 and re.match(r"\s*\d+\.\s+\S", cells[0]) is not None


def _participant_table(rows):
    """(header, [(row number, row)]) of the first table of participants, after any summary, up to the next
    section."""
    for at, row in enumerate(rows):
        lowered = [c.strip().lower().lstrip("\ufeff") for c in row]
        if not (_columns(row, MINUTES_HEADERS) and (_columns(row, EMAIL_HEADERS) or _columns(row, NAME_HEADERS))):
            continue
        if any(h in SUMMARY_HEADERS for h in lowered):
            continue  # Zoom's meeting summary: the host's email and the meeting's length, not a participant
        data = []  # [(row number in the file, row)]
        for number, following in enumerate(rows[at + 1:], start=at + 2):
            if _is_section_title(following) or [c.strip().lower() for c in following] == lowered:
                break
            data.append((number, following))
        return row, data
    return None


def _kind(rows, header):
    cells = {c.strip().lower().lstrip("\ufeff") for row in rows for c in row[:1]} | {c.strip().lower() for c in header}
    if cells & {"2. participants", "1. summary", "in-meeting duration", "participant id (upn)"}:
        return "Microsoft Teams attendance report"
    if cells & {"name (original name)", "meeting id", "topic"}:
        return "Zoom participant report"
    return "CSV file"


def parse_participant_report(text):
    """A ParticipantReport from a report's text, whichever of tab, comma or semicolon separates it."""
    first_line: list[str] = []
    for delimiter in ("\t", ",", ";"):
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise ImportProblem(f"The file is not a CSV file we can read ({exc}).") from None
        first = next((r for r in rows if any(c.strip() for c in r)), [])
        if len(first) > len(first_line):
            first_line = first
        table = _participant_table(rows)
        if table is not None:
            return ParticipantReport(kind=_kind(rows, table[0]), people=_people(*table))
    if not first_line:
        raise ImportProblem("The file is empty.")
    found = ", ".join(c.strip().lstrip("\ufeff") for c in first_line if c.strip())
    raise ImportProblem("We could not find a list of participants in this file. It needs a column of minutes "
                        f"attended and a column of email addresses or names. We can read {FORMATS}. "
                        f"The first line of your file has: {found[:200]}.")


def _people(header, data):
    email_cols, name_col = _columns(header, EMAIL_HEADERS), (_columns(header, NAME_HEADERS) or [None])[0]
    minutes_col = _columns(header, MINUTES_HEADERS)[0]
    people: dict = {}
    for number, row in data:
        if not any(cell.strip() for cell in row):
            continue
        try:
            minutes = parse_minutes(row[minutes_col] if minutes_col < len(row) else "")
        except ImportProblem as problem:
            raise ImportProblem(f"Row {number}: {problem}") from None
        emails = [row[i].strip().lower() for i in email_cols if i < len(row) and "@" in row[i]]
        email = emails[0] if emails else ""
        name = row[name_col].strip() if name_col is not None and name_col < len(row) else ""
        key = email or name.lower()
        old = people.get(key, (name, email, 0.0))
        people[key] = (old[0] or name, email, old[2] + minutes)
    return people


def read_report(raw):
    """A ParticipantReport from an uploaded file's bytes: the encoding and the format are found here."""
    return parse_participant_report(decode_report(raw))


def _members_by_email(emails):
    """{email: Member} looked up in chunks, however many addresses a report has."""
    emails, found = sorted(set(emails)), dict[str | None, Member]()
    for at in range(0, len(emails), LOOKUP_CHUNK):
        found.update((m.email, m) for m in db.session.scalars(
            select(Member).where(Member.email.in_(emails[at:at + LOOKUP_CHUNK]))))
    return found


@savepoint
def import_participant_report(actor, session, report, min_minutes, now=None):
    """Mark an online session from a participant report (bytes as uploaded, or text): present if they stayed
    at least ``min_minutes``.

    Everything is read and checked before anything is marked, so a bad file changes nothing.
    """
    report = read_report(report) if isinstance(report, bytes) else parse_participant_report(report)
    members = _members_by_email(email for _, email, _ in report.people.values() if email)
    enrolled = set(db.session.scalars(select(Enrolment.member_id).where(
        Enrolment.course_id == session.course_id, Enrolment.status == ENROLLED)))
    result = ImportResult(kind=report.kind)
    for name, email, minutes in report.people.values():
        member = members.get(email)
        if member is None:
            result.unmatched.append((name, email, round(minutes)))
        elif member.id not in enrolled:
            result.no_place.append((member, round(minutes)))
        elif minutes >= min_minutes:
            result.present.append((member, round(minutes)))
        else:
            result.absent.append((member, round(minutes)))
    for member, minutes in result.present:
        mark(actor, session, member.id, PRESENT, source="import", minutes=minutes, now=now)
    for member, minutes in result.absent:
        mark(actor, session, member.id, ABSENT, source="import", minutes=minutes,
             remark=f"Joined for {minutes} minutes", now=now)
    return result


# -- low-attendance reminders -------------------------------------------------------------------------------------

def record_low_attendance_reminders(actor, members, now=None):
    """Record a reminder for each member not yet reminded this UK day; returns those newly recorded, who are
    the ones to email. One statement: the unique (member, day) key settles two presses at once."""
    members = [m for m in members if m is not None]
    if not members:
        return []
    now = now or utcnow()
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (insert(LowAttendanceReminder)
            .values([dict(member_id=m.id, day=utc_to_london(now).date(), sent_by_id=getattr(actor, "id", None),
                          sent_at=now) for m in members])
            .on_conflict_do_nothing(index_elements=["member_id", "day"])
            .returning(LowAttendanceReminder.member_id))
    fresh = set(db.session.scalars(stmt))
    return [m for m in members if m.id in fresh]


def send_low_attendance_reminders(actor, members, link, now=None):
    """Queue a friendly reminder to each member with an address who has not had one today.
    Returns (reminded now, already reminded today)."""
    from copractice.notifications.operations import queue_email

    members = [m for m in members if m.email]
    fresh = record_low_attendance_reminders(actor, members, now)
    for member in fresh:
        queue_email(kind="attendance_reminder", to=member.email, template="attendance_reminder", member=member,
                    link=link)
    return fresh, len(members) - len(fresh)


# -- completion and certificates ----------------------------------------------------------------------------------

def member_course_marks(course_id, member_id):
    """(sessions in the course, attended, excused) for one member (one query)."""
    attended = func.sum(case((Attendance.status.in_(ATTENDED), 1), else_=0))
    excused = func.sum(case((Attendance.status == EXCUSED, 1), else_=0))
    total = select(func.count(Session.id)).where(Session.course_id == course_id).scalar_subquery()
    row = db.session.execute(
        select(total, func.coalesce(attended, 0), func.coalesce(excused, 0))
        .select_from(Session).outerjoin(Attendance, and_(Attendance.session_id == Session.id,
                                                          Attendance.member_id == member_id,
                                                          Attendance.source != CO_FACILITATING))
        .where(Session.course_id == course_id)).one_or_none()
    return tuple(int(v or 0) for v in row) if row else (0, 0, 0)


def completion_rule(course, total, attended, excused):
    """(met, counted): whether ``attended`` of ``total`` sessions meets the course's rule, and the sessions counted."""
    counted = total - (excused if course.excused_neutral else 0)
    return counted > 0 and attended / counted >= course.completion_share - 1e-9, counted


WITHDRAWN_AFTER_MARKS = "Attendance marks were corrected and the course is no longer completed."


def evaluate_completion(course, member_id, now=None, *, withdrawn_because=WITHDRAWN_AFTER_MARKS):
    """Record (or withdraw) completion under the course's rule; returns the Completion or None."""
    now = now or utcnow()
    total, attended, excused = member_course_marks(course.id, member_id)
    met, counted = completion_rule(course, total, attended, excused)
    completion = db.session.scalar(select(Completion).where(Completion.course_id == course.id,
                                                            Completion.member_id == member_id))
    if met and completion is None:
        completion = Completion(course_id=course.id, member_id=member_id, completed_at=now, attended=attended,
                                counted=counted)
        db.session.add(completion)
        db.session.flush()
        issue_certificate(course.id, member_id, now)
        get_plugins().collect("copractice_course_completed", course.theme_slug, completion=completion)
    elif met and completion is not None:
        completion.attended, completion.counted = attended, counted
    elif completion is not None:
        db.session.delete(completion)
        for certificate in db.session.scalars(select(Certificate).where(
                Certificate.course_id == course.id, Certificate.member_id == member_id,
                Certificate.revoked_at.is_(None))):
            certificate.revoked_at = now
            certificate.revoked_reason = withdrawn_because
        completion = None
    return completion


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to confuse


def new_certificate_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def issue_certificate(course_id, member_id, now=None):
    certificate = Certificate(code=new_certificate_code(), course_id=course_id, member_id=member_id,
                              issued_at=now or utcnow())
    db.session.add(certificate)
    db.session.flush()
    return certificate


def current_certificate(course_id, member_id):
    return db.session.scalar(select(Certificate).where(
        Certificate.course_id == course_id, Certificate.member_id == member_id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.id.desc()))


def revoke_certificate(actor, certificate, reason, now=None):
    if certificate.revoked_at is not None:
        raise AttendanceRefused("This certificate is already revoked.")
    certificate.revoked_at, certificate.revoked_reason = now or utcnow(), (reason or "").strip() or "Revoked"
    audit(actor, "certificate.revoked", "certificate", certificate.code, certificate.course.title,
          {"valid": True}, {"valid": False}, certificate.revoked_reason)


def reissue_certificate(actor, certificate, now=None):
    """Replace a certificate with a new code (e.g. after a name change); the old one says it was replaced."""
    if db.session.scalar(select(Completion.id).where(Completion.course_id == certificate.course_id,
                                                     Completion.member_id == certificate.member_id)) is None:
        raise AttendanceRefused("They have not completed this course, so a certificate cannot be issued.")
    new = issue_certificate(certificate.course_id, certificate.member_id, now)
    if certificate.revoked_at is None:
        certificate.revoked_at = now or utcnow()
        certificate.revoked_reason = f"Replaced by certificate {new.code}."
    audit(actor, "certificate.reissued", "certificate", certificate.code, certificate.course.title,
          {"code": certificate.code}, {"code": new.code})
    return new


# -- hours --------------------------------------------------------------------------------------------------------

def _session_seconds(dialect=None):
    if (dialect or db.session.get_bind().dialect.name) == "postgresql":
        return func.extract("epoch", Session.ends_at - Session.starts_at)
    return (func.julianday(Session.ends_at) - func.julianday(Session.starts_at)) * 86400


@cache
def _learning_hours_statement(dialect):
    # Built once per database kind (My learning asks on every request): only the member ids change.
    return (select(Attendance.member_id, func.sum(_session_seconds(dialect)))
            .join(Session, Session.id == Attendance.session_id)
            .where(Attendance.member_id.in_(bindparam("member_ids", expanding=True)), Attendance.status.in_(ATTENDED),
                   Attendance.source != CO_FACILITATING)  # co-facilitating is involvement, not learning
            .group_by(Attendance.member_id))


def learning_hours(member_ids):
    """{member_id: hours} summed from the sessions each attended (Present or Late). One query."""
    member_ids = list(member_ids)
    if not member_ids:
        return {}
    rows = db.session.execute(_learning_hours_statement(db.session.get_bind().dialect.name),
                              {"member_ids": member_ids}).all()
    hours = {member_id: 0.0 for member_id in member_ids}
    hours.update({member_id: round(float(seconds or 0) / 3600, 2) for member_id, seconds in rows})
    return hours

