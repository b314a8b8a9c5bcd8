"""Attendance rules: registers, apologies, self check-in, online reports, completion, certificates, hours.

Marks are upserts on the unique (session, member) key, so two facilitators marking at once, or a
check-in racing a register, leave one row. Every change is written to attendance_change, and
completion is evaluated again whenever a member's marks change. Callers commit.
"""
import csv
import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, case, func, select, union
from sqlalchemy.dialects import postgresql, sqlite

from copractice.admin.operations import audit
from copractice.attendance.models import (ABSENT, ATTENDED, EXCUSED, LATE, MARKS, PRESENT, Attendance,
                                          AttendanceChange, Certificate, Completion)
from copractice.courses.models import ENROLLED, Enrolment, Session
from copractice.extensions import db
from copractice.members.models import Member
from copractice.plugins import get_plugins
from copractice.timeutil import now_utc, utc_to_london


class AttendanceRefused(Exception):
    """The step cannot be taken; the message is what the person sees."""


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


def mark(actor, session, member_id, status, *, remark=None, source="register", minutes=None, now=None):
    """Set one member's mark for one session; returns the Attendance (unchanged marks are left alone)."""
    if status not in MARKS:
        raise AttendanceRefused(f"{status!r} is not a mark.")
    if minutes is not None and not 0 <= minutes <= 24 * 60:
        minutes = None  # no one attends longer than a day: not a real figure, and never too big for the column
    now = now or now_utc()
    old = current_mark(session.id, member_id)
    old_status, old_remark = (old.status, old.remark) if old else (None, None)
    new_remark = old_remark if remark is None else (remark.strip() or None)
    if old_status == status and old_remark == new_remark:
        return old
    _upsert(dict(session_id=session.id, member_id=member_id, status=status, remark=new_remark, source=source,
                 minutes=minutes, marked_by_id=getattr(actor, "id", None), marked_at=now))
    db.session.add(AttendanceChange(session_id=session.id, member_id=member_id, old_status=old_status,
                                    new_status=status, old_remark=old_remark, new_remark=new_remark, source=source,
                                    changed_by_id=getattr(actor, "id", None), at=now))
    db.session.flush()
    row = db.session.execute(select(Attendance).where(Attendance.session_id == session.id,
                                                      Attendance.member_id == member_id)
                             .execution_options(populate_existing=True)).scalar_one()
    get_plugins().collect("copractice_attendance_marked", attendance=row, old_status=old_status)
    evaluate_completion(session.course, member_id, now)
    return row


@dataclass
class RegisterRow:
    member: Member
    attendance: Attendance | None
    enrolled: bool


def register(session):
    """Everyone with a place, plus anyone else already marked (one query), by name."""
    enrolled_ids = select(Enrolment.member_id).where(Enrolment.course_id == session.course_id,
                                                     Enrolment.status == ENROLLED)
    marked_ids = select(Attendance.member_id).where(Attendance.session_id == session.id)
    # A union of two indexed look-ups; "enrolled OR marked" written as one condition would read every member.
    on_register = union(enrolled_ids, marked_ids).subquery()
    rows = db.session.execute(
        select(Member, Attendance, Member.id.in_(enrolled_ids))
        .join(on_register, on_register.c.member_id == Member.id)
        .outerjoin(Attendance, and_(Attendance.member_id == Member.id, Attendance.session_id == session.id))
        .order_by(func.lower(Member.name), Member.id)).all()
    return [RegisterRow(member, attendance, bool(enrolled)) for member, attendance, enrolled in rows]


def mark_everyone_present(actor, session, now=None):
    """Mark everyone not yet marked as present (apologies and earlier marks stay). Returns how many."""
    count = 0
    for row in register(session):
        if row.attendance is None and row.enrolled:
            mark(actor, session, row.member.id, PRESENT, now=now)
            count += 1
    return count


def add_walk_in(actor, session, member, now=None):
    """Someone who turned up without a place: give them one (capacity still holds) and mark them present."""
    from copractice.courses import operations as course_ops

    enrolment = course_ops.enrolment_of(member, session.course)
    if enrolment is None or enrolment.status != ENROLLED:
        try:
            course_ops.enrol(member, session.course, organiser=actor,
                             reason=f"Walk-in at the session on {utc_to_london(session.starts_at):%-d %B %Y}")
        except course_ops.EnrolmentRefused as refused:
            raise AttendanceRefused(str(refused)) from None
    return mark(actor, session, member.id, PRESENT, source="walk_in", now=now)


# -- apologies -------------------------------------------------------------------------------------------------

def _has_place(member, session):
    return db.session.scalar(select(Enrolment.id).where(
        Enrolment.course_id == session.course_id, Enrolment.member_id == member.id,
        Enrolment.status == ENROLLED)) is not None


def send_apology(member, session, reason=None, now=None):
    """A member tells us in advance they cannot come: the register shows them as Excused."""
    now = now or now_utc()
    if not _has_place(member, session):
        raise AttendanceRefused("You do not have a place on this course.")
    if now >= session.starts_at:
        raise AttendanceRefused("This session has already started. Please tell the facilitator directly.")
    return mark(member, session, member.id, EXCUSED, remark=reason or "Sent apologies", source="apology", now=now)


def withdraw_apology(member, session, now=None):
    now = now or now_utc()
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


def checkin_code(session, slot):
    """A six-digit code for a session and a time slot, derived from the secret key (nothing stored)."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"checkin:{session.id}:{slot}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def current_checkin_code(session, now=None):
    """The code to show now and the seconds until it changes."""
    now = now or now_utc()
    period = current_app.config["CHECKIN_CODE_SECONDS"]
    return checkin_code(session, _slot(now)), period - int(now.timestamp()) % period


def _accepted_codes(session, now):
    """This slot's code, and the previous one for a short grace time after it changes."""
    period, grace = current_app.config["CHECKIN_CODE_SECONDS"], current_app.config["CHECKIN_CODE_GRACE_SECONDS"]
    slot = _slot(now)
    codes = {checkin_code(session, slot)}
    if int(now.timestamp()) % period < grace:
        codes.add(checkin_code(session, slot - 1))
    return codes


def checkin_window(session):
    cfg = current_app.config
    return (session.starts_at - timedelta(minutes=cfg["CHECKIN_OPENS_MINUTES_BEFORE"]),
            session.ends_at + timedelta(minutes=cfg["CHECKIN_CLOSES_MINUTES_AFTER"]))


def _uk_time(dt):
    return utc_to_london(dt).strftime("%-I:%M%p on %-d %B").replace("AM", "am").replace("PM", "pm")


def self_check_in(member, code, session=None, now=None):
    """Check a member in with the code on the facilitator's screen. Returns (Attendance, changed).

    Without ``session`` the code is tried against the member's sessions open for check-in.
    """
    now = now or now_utc()
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
    for candidate in candidates:
        if code in _accepted_codes(candidate, now):
            existing = current_mark(candidate.id, member.id)
            if existing is not None and existing.status in ATTENDED:
                return existing, False
            late_after = candidate.starts_at + timedelta(minutes=current_app.config["CHECKIN_LATE_AFTER_MINUTES"])
            status = LATE if now > late_after else PRESENT
            return mark(member, candidate, member.id, status, source="self_checkin", now=now), True
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

EMAIL_HEADERS = ("email", "user email", "email address", "attendee email", "participant email")
NAME_HEADERS = ("name", "name (original name)", "participant", "full name", "display name", "attendee")
MINUTES_HEADERS = ("minutes", "minutes attended", "duration (minutes)", "duration (mins)", "total duration (minutes)",
                   "time in session (minutes)", "attendance duration (minutes)", "duration")


@dataclass
class ImportResult:
    present: list = field(default_factory=list)  # [(Member, minutes)]
    absent: list = field(default_factory=list)  # [(Member, minutes)] joined too briefly
    no_place: list = field(default_factory=list)  # [(Member, minutes)] matched but without a place
    unmatched: list = field(default_factory=list)  # [(name, email, minutes)]


class ImportProblem(AttendanceRefused):
    """The file could not be read; nothing was imported."""


def _column(headers, names):
    for index, header in enumerate(headers):
        if header.strip().lower().lstrip("\ufeff") in names:
            return index
    return None


def parse_participant_report(text):
    """{email or name: (name, email, minutes)} from a CSV report, adding up repeated joins."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ImportProblem(f"The file is not a CSV file we can read ({exc}).") from None
    if not rows:
        raise ImportProblem("The file is empty.")
    header = rows[0]
    email_col, name_col, minutes_col = (_column(header, EMAIL_HEADERS), _column(header, NAME_HEADERS),
                                        _column(header, MINUTES_HEADERS))
    if minutes_col is None or (email_col is None and name_col is None):
        raise ImportProblem("The file needs a column of minutes attended and a column of email addresses or names. "
                            f"The columns found were: {', '.join(h.strip() for h in header)}.")
    people = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            minutes = float((row[minutes_col] or "0").strip())
        except (ValueError, IndexError):
            raise ImportProblem(f"Row {number}: the minutes are not a number.") from None
        email = row[email_col].strip().lower() if email_col is not None and email_col < len(row) else ""
        name = row[name_col].strip() if name_col is not None and name_col < len(row) else ""
        key = email or name.lower()
        old = people.get(key, (name, email, 0.0))
        people[key] = (old[0] or name, email, old[2] + minutes)
    return people


def import_participant_report(actor, session, text, min_minutes, now=None):
    """Mark an online session from a participant report: present if they stayed at least ``min_minutes``.

    Everything is read and checked before anything is marked, so a bad file changes nothing.
    """
    people = parse_participant_report(text)
    emails = [email for _, email, _ in people.values() if email]
    members = {m.email: m for m in db.session.scalars(select(Member).where(Member.email.in_(emails)))} if emails else {}
    enrolled = set(db.session.scalars(select(Enrolment.member_id).where(
        Enrolment.course_id == session.course_id, Enrolment.status == ENROLLED)))
    result = ImportResult()
    for name, email, minutes in people.values():
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


# -- completion and certificates ----------------------------------------------------------------------------------

def member_course_marks(course_id, member_id):
    """(sessions in the course, attended, excused) for one member (one query)."""
    attended = func.sum(case((Attendance.status.in_(ATTENDED), 1), else_=0))
    excused = func.sum(case((Attendance.status == EXCUSED, 1), else_=0))
    total = select(func.count(Session.id)).where(Session.course_id == course_id).scalar_subquery()
    row = db.session.execute(
        select(total, func.coalesce(attended, 0), func.coalesce(excused, 0))
        .select_from(Session).outerjoin(Attendance, and_(Attendance.session_id == Session.id,
                                                          Attendance.member_id == member_id))
        .where(Session.course_id == course_id)).one_or_none()
    return tuple(int(v or 0) for v in row) if row else (0, 0, 0)


def evaluate_completion(course, member_id, now=None):
    """Record (or withdraw) completion under the course's rule; returns the Completion or None."""
    now = now or now_utc()
    total, attended, excused = member_course_marks(course.id, member_id)
    counted = total - (excused if course.excused_neutral else 0)
    met = counted > 0 and attended / counted >= course.completion_share - 1e-9
    completion = db.session.scalar(select(Completion).where(Completion.course_id == course.id,
                                                            Completion.member_id == member_id))
    if met and completion is None:
        completion = Completion(course_id=course.id, member_id=member_id, completed_at=now, attended=attended,
                                counted=counted)
        db.session.add(completion)
        db.session.flush()
        issue_certificate(course.id, member_id, now)
        get_plugins().collect("copractice_course_completed", completion=completion)
    elif met:
        completion.attended, completion.counted = attended, counted
    elif completion is not None:
        db.session.delete(completion)
        for certificate in db.session.scalars(select(Certificate).where(
                Certificate.course_id == course.id, Certificate.member_id == member_id,
                Certificate.revoked_at.is_(None))):
            certificate.revoked_at = now
            certificate.revoked_reason = "Attendance marks were corrected and the course is no longer completed."
        completion = None
    return completion


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to confuse


def new_certificate_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def issue_certificate(course_id, member_id, now=None):
    certificate = Certificate(code=new_certificate_code(), course_id=course_id, member_id=member_id,
                              issued_at=now or now_utc())
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
    certificate.revoked_at, certificate.revoked_reason = now or now_utc(), (reason or "").strip() or "Revoked"
    audit(actor, "certificate.revoked", "certificate", certificate.code, certificate.course.title,
          {"valid": True}, {"valid": False}, certificate.revoked_reason)


def reissue_certificate(actor, certificate, now=None):
    """Replace a certificate with a new code (e.g. after a name change); the old one says it was replaced."""
    if db.session.scalar(select(Completion.id).where(Completion.course_id == certificate.course_id,
                                                     Completion.member_id == certificate.member_id)) is None:
        raise AttendanceRefused("They have not completed this course, so a certificate cannot be issued.")
    new = issue_certificate(certificate.course_id, certificate.member_id, now)
    if certificate.revoked_at is None:
        certificate.revoked_at = now or now_utc()
        certificate.revoked_reason = f"Replaced by certificate {new.code}."
    audit(actor, "certificate.reissued", "certificate", certificate.code, certificate.course.title,
          {"code": certificate.code}, {"code": new.code})
    return new


# -- hours --------------------------------------------------------------------------------------------------------

def _session_seconds():
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", Session.ends_at - Session.starts_at)
    return (func.julianday(Session.ends_at) - func.julianday(Session.starts_at)) * 86400


def learning_hours(member_ids):
    """{member_id: hours} summed from the sessions each attended (Present or Late). One query."""
    member_ids = list(member_ids)
    if not member_ids:
        return {}
    rows = db.session.execute(
        select(Attendance.member_id, func.sum(_session_seconds()))
        .join(Session, Session.id == Attendance.session_id)
        .where(Attendance.member_id.in_(member_ids), Attendance.status.in_(ATTENDED))
        .group_by(Attendance.member_id)).all()
    hours = {member_id: 0.0 for member_id in member_ids}
    hours.update({member_id: round(float(seconds or 0) / 3600, 2) for member_id, seconds in rows})
    return hours

