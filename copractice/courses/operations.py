"""Course rules: saving courses and sessions, enrolment, the waiting list and offers of places.

Capacity is kept by one mechanism only. ``Course.places_taken`` counts the places held by
enrolled members and open offers, and changes only through conditional UPDATEs
(``places_taken < capacity`` to take, ``places_taken > 0`` to give back) whose row count is
checked. Each enrolment moves between states by compare-and-set UPDATEs on its own row, and a
unique (course, member) key stops duplicates. That holds with many threads, processes or
servers on SQLite and on PostgreSQL, where SELECT ... FOR UPDATE would not (SQLite ignores it).

Operations flush and never commit: the request (or CLI command) commits once at its end
(copractice.unitofwork). ``enrol`` runs in a savepoint, so a refusal after it has written (a full
course, for an organiser) undoes its own work only; on SQLite the savepoint takes the write lock
(waiting politely) before anything is read. A duplicate key rolls back only the insert's own
savepoint.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from copractice import pieces
from copractice.audit import audit
from copractice.courses.models import (
    ACTIVE,
    CANCELLED,
    ENROLLED,
    HOLDS_PLACE,
    LEFT_WAITLIST,
    OFFER_DECLINED,
    OFFER_EXPIRED,
    OFFERED,
    REMOVED,
    WAITING,
    Course,
    CourseFacilitator,
    Enrolment,
    Session,
)
from copractice.errors import Refused
from copractice.extensions import db
from copractice.kept_pages import belongs_to
from copractice.members.models import Member
from copractice.notifications.operations import notify
from copractice.plugins import PluginFailure, get_plugins
from copractice.timeutil import uk_time, utcnow
from copractice.unitofwork import savepoint
from copractice.urls import external_url, slugify

log = logging.getLogger(__name__)


class EnrolmentRefused(Refused):
    """The member cannot take this step; ``str(exc)`` is the plain-English reason they see."""


class CourseRuleBroken(Refused):
    """An organiser's change breaks a rule; the message says which."""


class FacilitatorRefused(CourseRuleBroken):
    """A plugin's rule does not let this person facilitate this course (e.g. no safeguarding check)."""


# -- courses -------------------------------------------------------------------------------------

def unique_slug(title, course_id=None):
    base = slugify(title, fallback="course")
    taken = set(db.session.scalars(
        select(Course.slug).where(or_(Course.slug == base, Course.slug.like(f"{base}-%")),
                                  Course.id != (course_id or 0))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


COURSE_FIELDS = ("title", "summary", "description", "theme_slug", "audience", "level", "format", "capacity",
                 "enrolment_opens_at", "enrolment_closes_at", "status")


@savepoint
def save_course(actor, course=None, *, facilitators=None, extras=None, **fields):
    """Create or change a course; ``facilitators`` is [(member, lived_experience)]; ``extras`` answers the
    questions enabled plugins add to the course form, {(plugin, name): answer} (copractice/courses/extras.py;
    SettingsInvalid, before anything is written, if one is wrong). Caller commits.

    Raising the capacity offers the new places to the waiting list at once.
    """
    from copractice.courses import extras as course_extras  # it reads the plugins' questions: import it late

    created = course is None
    extra_texts = course_extras.checked(extras)
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise TypeError(f"not course fields: {sorted(unknown)}")
    if fields.get("capacity") is not None and fields["capacity"] < 0:
        raise CourseRuleBroken("Capacity cannot be below zero.")
    opens, closes = fields.get("enrolment_opens_at"), fields.get("enrolment_closes_at")
    if opens and closes and closes <= opens:
        raise CourseRuleBroken("Enrolment must close after it opens.")
    if created:
        # The slug is fixed at creation (links keep working when the title changes); work it
        # out before the new row joins the session, or the look-up would flush it half-made.
        course = Course(places_taken=0, slug=unique_slug(fields.get("title") or "course"))
        db.session.add(course)
    before = None if created else {k: _plain(getattr(course, k)) for k in ("title", "status", "capacity", "theme_slug")}
    old_capacity = course.capacity or 0
    for key, value in fields.items():
        setattr(course, key, value)
    if facilitators is not None:
        _check_facilitators(course, facilitators)
        _set_facilitators(course, facilitators)
    if not created:
        touch(course)  # audience or facilitators may change without a column of the course changing
    db.session.flush()
    after = {k: _plain(getattr(course, k)) for k in ("title", "status", "capacity", "theme_slug")}
    audit(actor, "course.created" if created else "course.updated", "course", course.id, course.title, before, after)
    if not created and (course.capacity or 0) > old_capacity:
        fill_places(course)
    course_extras.store(actor, course, extra_texts)
    get_plugins().collect("copractice_course_saved", course.theme_slug, course=course, created=created)
    return course


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _check_facilitators(course, facilitators):
    """Ask plugins whether each new facilitator may run this course; refuse (fail closed) if one raises."""
    current = {row.member_id for row in course.facilitators}
    for member, _lived in facilitators:
        if member.id in current:
            continue
        try:
            reasons = get_plugins().collect("copractice_facilitator_check", course.theme_slug, member=member,
                                            course=course)
        except PluginFailure as failure:
            log.error("facilitator check of plugin %s failed; refused: %s", failure.plugin, failure.error)
            raise FacilitatorRefused(f"We could not check whether {member.name} can facilitate this course, "
                                     "so they have not been added. Please try again later.") from None
        if reasons:
            raise FacilitatorRefused(f"{member.name} cannot facilitate this course: {reasons[0]}")


def _set_facilitators(course, facilitators):
    wanted = {member.id: bool(lived) for member, lived in facilitators}
    for row in list(course.facilitators):
        if row.member_id not in wanted:
            course.facilitators.remove(row)
        else:
            row.lived_experience = wanted.pop(row.member_id)
    for member_id, lived in wanted.items():
        course.facilitators.append(CourseFacilitator(member_id=member_id, lived_experience=lived))


# -- sessions ------------------------------------------------------------------------------------

@savepoint
def add_sessions(actor, course, times, *, venue=None, online_link=None, note=None):
    """Add one session per (start, end) UTC pair, e.g. from timeutil.weekly(). Caller commits."""
    sessions = []
    for starts_at, ends_at in times:
        if ends_at <= starts_at:
            raise CourseRuleBroken("A session must end after it starts.")
        session = Session(course=course, starts_at=starts_at, ends_at=ends_at, venue=venue or None,
                          online_link=online_link or None, note=note or None)
        db.session.add(session)
        sessions.append(session)
    db.session.flush()
    audit(actor, "session.added", "course", course.id, course.title, None,
          {"sessions": [s.starts_at.isoformat() for s in sessions]})
    _sessions_changed(course)
    return sessions


def touch(course):
    """Mark the course changed: its sessions, audience and facilitators are part of it, and the pages'
    ETags (copractice/http_cache.py) read ``course.updated_at``."""
    course.updated_at = utcnow()


def _sessions_changed(course):
    """More or fewer sessions change what completing the course means: work it out again for everyone."""
    from copractice.attendance.completion import reevaluate_course_completion  # attendance sits above courses

    touch(course)
    reevaluate_course_completion(course)


@savepoint
def update_session(actor, session, *, starts_at, ends_at, venue, online_link, note):
    """Change a session; if its time or place changes, everyone with a place is told. Caller commits.

    Every field is required, so a caller cannot wipe the venue or link by leaving it out.
    """
    if ends_at <= starts_at:
        raise CourseRuleBroken("A session must end after it starts.")
    before = (session.starts_at, session.ends_at, session.venue, session.online_link)
    session.starts_at, session.ends_at = starts_at, ends_at
    session.venue, session.online_link, session.note = venue or None, online_link or None, note or None
    after = (session.starts_at, session.ends_at, session.venue, session.online_link)
    touch(session.course)
    if before != after:
        audit(actor, "session.changed", "session", session.id, session.course.title,
              {"starts_at": before[0].isoformat(), "ends_at": before[1].isoformat(), "venue": before[2]},
              {"starts_at": after[0].isoformat(), "ends_at": after[1].isoformat(), "venue": after[2]})
        if before[0] != after[0]:
            # A new time deserves a new reminder: forget the ones sent for the old time.
            from copractice.notifications.models import SessionReminder

            db.session.execute(SessionReminder.__table__.delete().where(SessionReminder.session_id == session.id))
        members = db.session.scalars(
            select(Member).join(Enrolment, Enrolment.member_id == Member.id)
            .where(Enrolment.course_id == session.course_id, Enrolment.status.in_(HOLDS_PLACE))).all()
        notify(members, "session_changed", "session_changed", link=_course_link(session.course),
               course=session.course, session=session, old_starts_at=before[0], old_ends_at=before[1])
    return session


def delete_session(actor, session):
    """Remove a session (its marks go with it); completion is worked out again. Caller commits."""
    course = session.course
    audit(actor, "session.deleted", "session", session.id, course.title,
          {"starts_at": session.starts_at.isoformat()}, None)
    course.sessions.remove(session)  # delete-orphan: the course's list stays right for what runs next
    db.session.flush()
    _sessions_changed(course)


# -- reading enrolments ----------------------------------------------------------------------------

def enrolment_of(member, course):
    if member is None or not getattr(member, "is_authenticated", False):
        return None
    return db.session.scalar(select(Enrolment).where(Enrolment.course_id == course.id,
                                                     Enrolment.member_id == member.id))


def waiting_position(enrolment):
    """1 for the first person waiting, 2 for the next..."""
    ahead = db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.course_id == enrolment.course_id, Enrolment.status == WAITING,
        or_(Enrolment.queue_key < enrolment.queue_key,
            and_(Enrolment.queue_key == enrolment.queue_key, Enrolment.id < enrolment.id))))
    return (ahead or 0) + 1


def waiting_count(course):
    return db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.course_id == course.id, Enrolment.status == WAITING))


def waiting_list(course):
    return db.session.scalars(
        select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.status == WAITING)
        .order_by(Enrolment.queue_key, Enrolment.id)).all()


# -- eligibility -----------------------------------------------------------------------------------

def closed_reason(course, now=None):
    """Why nobody can enrol now, or None when enrolment is open."""
    now = now or utcnow()
    if course.status == "archived":
        return "This course has finished."
    if course.status != "published":
        return "This course is not open yet."
    if course.enrolment_opens_at and now < course.enrolment_opens_at:
        return f"Enrolment opens on {_uk(course.enrolment_opens_at)}."
    if course.enrolment_closes_at and now >= course.enrolment_closes_at:
        return f"Enrolment closed on {_uk(course.enrolment_closes_at)}."
    return None


def _uk(dt):
    return uk_time(dt, "date_at_time")


def plugin_refusal(member, course):
    """Ask enabled plugins whether ``member`` may enrol: a reason to refuse, or None.

    A plugin that raises refuses the enrolment (fail closed) and the error is logged.
    """
    try:
        reasons = get_plugins().collect("copractice_enrolment_check", course.theme_slug, member=member, course=course)
    except PluginFailure as failure:
        log.error("enrolment check of plugin %s failed; enrolment refused: %s", failure.plugin, failure.error)
        return ("We could not check whether you can join this course just now, so we have not enrolled you. "
                "Please try again later or contact the programme team.")
    return reasons[0] if reasons else None


def check_can_enrol(member, course, now=None, *, organiser=False):
    """Raise EnrolmentRefused with the member-facing reason, or return quietly.

    Organisers adding someone by hand may do so outside the enrolment window, but plugin
    rules (such as parental consent) still apply.
    """
    if not organiser:
        reason = closed_reason(course, now)
        if reason:
            raise EnrolmentRefused(reason)
    elif course.status == "archived":
        raise EnrolmentRefused("This course has finished.")
    reason = plugin_refusal(member, course)
    if reason:
        raise EnrolmentRefused(reason)


# -- the two counters ------------------------------------------------------------------------------

def _take_place(course_id):
    result = cast(CursorResult, db.session.execute(
        update(Course).where(Course.id == course_id, Course.places_taken < Course.capacity)
        .values(places_taken=Course.places_taken + 1).execution_options(synchronize_session=False)))
    if result.rowcount == 1:
        pieces.changed("catalogue-places")  # "has places" may now leave the course out
    return result.rowcount == 1


def _give_back_place(course_id):
    result = cast(CursorResult, db.session.execute(
        update(Course).where(Course.id == course_id, Course.places_taken > 0)
        .values(places_taken=Course.places_taken - 1).execution_options(synchronize_session=False)))
    if result.rowcount:
        pieces.changed("catalogue-places")


def _move(enrolment_id, from_statuses, **values):
    """Compare-and-set: change the row only if it is still in one of ``from_statuses``."""
    values.setdefault("updated_at", utcnow())
    result = cast(CursorResult, db.session.execute(
        update(Enrolment).where(Enrolment.id == enrolment_id, Enrolment.status.in_(from_statuses))
        .values(**values).execution_options(synchronize_session=False)))
    return result.rowcount == 1


def _queue_key(now):
    return now.timestamp()


def _next_queue_key(course_id):
    """The key that puts a new joiner at the back of the queue, taken while holding the course row.

    The no-op UPDATE locks the course row (PostgreSQL) or holds the write lock (SQLite) until commit,
    so joiners get their keys in commit order, and the position we tell them counts everyone ahead.
    """
    db.session.execute(update(Course).where(Course.id == course_id).values(places_taken=Course.places_taken)
                       .execution_options(synchronize_session=False))
    last = db.session.scalar(select(func.max(Enrolment.queue_key)).where(
        Enrolment.course_id == course_id, Enrolment.status == WAITING))
    return max(utcnow().timestamp(), (last or 0) + 1e-3)


def _course_link(course):
    return external_url("courses.course", slug=course.slug)


def _reload(enrolment_id):
    return db.session.execute(
        select(Enrolment).where(Enrolment.id == enrolment_id).execution_options(populate_existing=True)
    ).scalar_one()


# -- what happens after every change ------------------------------------------------------------------

@dataclass
class Change:
    enrolment: Enrolment
    old_status: str | None
    new_status: str


def _after(changes, course):
    """Tell people (the mail goes to the outbox) and run plugin hooks; the unit of work commits."""
    from copractice.courses.calendar import course_ics_attachment

    db.session.expire(course, ["places_taken"])
    plugins = get_plugins()
    for change in changes:
        member = db.session.get(Member, change.enrolment.member_id)
        link = _course_link(course)
        if change.new_status == ENROLLED and change.old_status != ENROLLED:
            notify([member], "enrolled", "enrolled", link=link, course=course,
                   attachment=course_ics_attachment(course))
        elif change.new_status == WAITING:
            notify([member], "waitlist_joined", "waitlist_joined", link=link, course=course,
                   position=waiting_position(change.enrolment))
        elif change.new_status == OFFERED:
            notify([member], "place_offered", "place_offered", link=link, course=course,
                   expires_at=change.enrolment.offer_expires_at)
        elif change.new_status == OFFER_EXPIRED:
            notify([member], "offer_expired", "offer_expired", link=link, course=course)
        elif change.new_status in (CANCELLED, REMOVED):
            notify([member], "cancelled", "cancelled", link=link, course=course, removed=change.new_status == REMOVED)
        plugins.collect("copractice_enrolment_changed", course.theme_slug, enrolment=change.enrolment,
                        old_status=change.old_status, new_status=change.new_status)


def fill_places(course, now=None):
    """Offer every free place to the next person waiting, in order. Returns the changes made.

    Each offer holds a place for WAITLIST_OFFER_HOURS; the member accepts or it passes on.
    """
    now = now or utcnow()
    expires = now + timedelta(hours=current_app.config["WAITLIST_OFFER_HOURS"])
    changes = []
    while _take_place(course.id):
        offered = None
        for enrolment in waiting_list(course):
            with belongs_to(courses=[course.id], members=[enrolment.member_id]):  # theirs, not only the leaver's
                moved = _move(enrolment.id, [WAITING], status=OFFERED, offered_at=now, offer_expires_at=expires)
            if moved:
                offered = _reload(enrolment.id)
                break
        if offered is None:
            _give_back_place(course.id)  # nobody waiting: the place stays free
            break
        changes.append(Change(offered, WAITING, OFFERED))
    return changes


# -- a member's own steps -------------------------------------------------------------------------------

@savepoint
def enrol(member, course, *, now=None, organiser=None, reason=None):
    """Give ``member`` a place, or a place in the waiting list when the course is full.

    Idempotent: a member already enrolled, offered or waiting keeps what they have. With
    ``organiser`` set (someone adding them by hand) a full course is refused instead of queued,
    and the refusal undoes this enrolment's writes (the savepoint) and nothing else.
    """
    now = now or utcnow()
    check_can_enrol(member, course, now, organiser=organiser is not None)
    existing = enrolment_of(member, course)
    if existing is not None and existing.status in ACTIVE:
        if organiser is not None and existing.status != ENROLLED:
            raise EnrolmentRefused(f"{member.name} is {existing.status_label.lower()}: use the waiting list controls.")
        return existing
    with belongs_to(courses=[course.id], members=[member.id]):  # pages of other courses and members stay kept
        old_status = existing.status if existing else None
        queued = dict(status=WAITING, queue_key=_queue_key(now), enrolled_at=None, offered_at=None,
                      offer_expires_at=None)
        try:
            with db.session.begin_nested():  # a conflict undoes this insert only
                if existing is None:
                    enrolment = Enrolment(course_id=course.id, member_id=member.id, created_at=now, updated_at=now,
                                          **queued)
                    db.session.add(enrolment)
                    db.session.flush()  # the unique key turns a double click into an IntegrityError here
                elif _move(existing.id, [old_status], **queued):
                    enrolment = existing
                else:
                    raise _LostRace()
        except (IntegrityError, _LostRace):
            # What the other request made of it: read afresh (the row in this session may be stale).
            current = db.session.execute(
                select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.member_id == member.id)
                .execution_options(populate_existing=True)).scalar_one_or_none()
            if current is None:
                raise
            return current
        if _take_place(course.id):
            _move(enrolment.id, [WAITING], status=ENROLLED, queue_key=None, enrolled_at=now)
        elif organiser is not None:
            raise EnrolmentRefused("The course is full. Raise the capacity, or add them to the waiting list.")
        else:
            _move(enrolment.id, [WAITING], queue_key=_next_queue_key(course.id))
        enrolment = _reload(enrolment.id)
        if organiser is not None:
            audit(organiser, "enrolment.added_by_organiser", "course", course.id, course.title,
                  {"member": member.name, "member_id": member.id, "status": old_status},
                  {"member": member.name, "member_id": member.id, "status": enrolment.status},
                  reason)
        _after([Change(enrolment, old_status, enrolment.status)], course)
        return enrolment


class _LostRace(Exception):
    """Another request changed this enrolment first."""


def _leave(enrolment, course, from_statuses, to_status, now, *, actor=None, reason=None, action=None):
    with belongs_to(courses=[course.id], members=[enrolment.member_id]):
        return _leave_course(enrolment, course, from_statuses, to_status, now, actor=actor, reason=reason,
                             action=action)


def _leave_course(enrolment, course, from_statuses, to_status, now, *, actor=None, reason=None, action=None):
    held = enrolment.status in HOLDS_PLACE
    old_status = enrolment.status
    if not _move(enrolment.id, from_statuses, status=to_status, queue_key=None, offer_expires_at=None):
        raise EnrolmentRefused("That has already changed. Please check the page again.")
    if held:
        _give_back_place(course.id)
    changes = [Change(_reload(enrolment.id), old_status, to_status)]
    if held:
        changes += fill_places(course, now)
    if action:
        audit(actor, action, "course", course.id, course.title,
              {"member_id": enrolment.member_id, "status": old_status},
              {"member_id": enrolment.member_id, "status": to_status}, reason)
    _after(changes, course)
    return changes[0].enrolment


def cancel_place(member, course, *, now=None):
    """The member gives up their place; the first person waiting is offered it."""
    enrolment = enrolment_of(member, course)
    if enrolment is None or enrolment.status != ENROLLED:
        raise EnrolmentRefused("You do not have a place on this course.")
    return _leave(enrolment, course, [ENROLLED], CANCELLED, now or utcnow())


def give_up_enrolment(enrolment, *, now=None):
    """End a place, an offer or a place in the waiting list as the member's own step would.

    A place given up is offered to the first person waiting, exactly as when someone cancels.
    Account erasure calls it, in the same unit of work, so erasure is all or nothing. Returns the enrolment, or None if it was not active.
    """
    if enrolment.status not in ACTIVE:
        return None
    course = db.session.get(Course, enrolment.course_id)
    to_status = LEFT_WAITLIST if enrolment.status == WAITING else CANCELLED
    return _leave(enrolment, course, [enrolment.status], to_status, now or utcnow())


def leave_waiting_list(member, course, *, now=None):
    enrolment = enrolment_of(member, course)
    if enrolment is None or enrolment.status != WAITING:
        raise EnrolmentRefused("You are not on the waiting list for this course.")
    return _leave(enrolment, course, [WAITING], LEFT_WAITLIST, now or utcnow())


def accept_offer(member, course, *, now=None):
    """Take up an offered place while the offer lasts.

    An offer found to have run out is ended (and passed on) before the refusal: the unit of work
    keeps that, since the view answers the refusal with a redirect."""
    now = now or utcnow()
    enrolment = enrolment_of(member, course)
    if enrolment is None or enrolment.status != OFFERED:
        raise EnrolmentRefused("There is no offer of a place waiting for you on this course.")
    if enrolment.offer_expires_at and enrolment.offer_expires_at <= now:
        expire_offers(now=now, course=course)
        raise EnrolmentRefused("Sorry, this offer has run out and the place has gone to the next person.")
    with belongs_to(courses=[course.id], members=[member.id]):
        if not _move(enrolment.id, [OFFERED], status=ENROLLED, enrolled_at=now, offer_expires_at=None):
            raise EnrolmentRefused("That has already changed. Please check the page again.")
        changed = _reload(enrolment.id)
        _after([Change(changed, OFFERED, ENROLLED)], course)
    return changed


def decline_offer(member, course, *, now=None):
    enrolment = enrolment_of(member, course)
    if enrolment is None or enrolment.status != OFFERED:
        raise EnrolmentRefused("There is no offer of a place waiting for you on this course.")
    return _leave(enrolment, course, [OFFERED], OFFER_DECLINED, now or utcnow())


def expire_offers(*, now=None, course=None):
    """End offers whose time is up and pass each place to the next person. Safe to run any time."""
    now = now or utcnow()
    stmt = select(Enrolment).where(Enrolment.status == OFFERED, Enrolment.offer_expires_at <= now).order_by(Enrolment.id)
    if course is not None:
        stmt = stmt.where(Enrolment.course_id == course.id)
    expired = 0
    for enrolment in db.session.scalars(stmt).all():
        if not _move(enrolment.id, [OFFERED], status=OFFER_EXPIRED, offer_expires_at=None):
            continue  # accepted or expired by someone else a moment ago
        _give_back_place(enrolment.course_id)
        the_course = db.session.get(Course, enrolment.course_id)
        changes = [Change(_reload(enrolment.id), OFFERED, OFFER_EXPIRED)] + fill_places(the_course, now)
        _after(changes, the_course)
        expired += 1
    return expired


# -- organisers' steps ---------------------------------------------------------------------------------------

def remove_member(actor, enrolment, reason=None, *, now=None):
    """An organiser takes someone off the course or its waiting list."""
    course = db.session.get(Course, enrolment.course_id)
    if enrolment.status not in ACTIVE:
        raise EnrolmentRefused("They are not on this course or its waiting list.")
    return _leave(enrolment, course, [enrolment.status], REMOVED, now or utcnow(),
                  actor=actor, reason=reason, action="enrolment.removed_by_organiser")


def move_in_waiting_list(actor, enrolment, direction, reason=None):
    """Move someone one step up (-1) or down (+1) the waiting list."""
    queue = waiting_list(db.session.get(Course, enrolment.course_id))
    ids = [e.id for e in queue]
    if enrolment.id not in ids:
        raise EnrolmentRefused("They are not on the waiting list.")
    index = ids.index(enrolment.id)
    other_index = index + (1 if direction > 0 else -1)
    if not 0 <= other_index < len(queue):
        return enrolment
    other = queue[other_index]
    mine, theirs = enrolment.queue_key, other.queue_key
    if mine == theirs:  # same instant: separate them first
        theirs = mine + (1e-6 if direction > 0 else -1e-6)
    _move(enrolment.id, [WAITING], queue_key=theirs)
    _move(other.id, [WAITING], queue_key=mine)
    audit(actor, "waiting_list.reordered", "course", enrolment.course_id, enrolment.course.title,
          {"member_id": enrolment.member_id, "position": index + 1},
          {"member_id": enrolment.member_id, "position": other_index + 1}, reason)
    return _reload(enrolment.id)


# -- what the course page offers -------------------------------------------------------------------------------

@dataclass
class Choice:
    """The one thing the course page offers this person, and why."""

    action: str  # login, enrol, join_waitlist, leave_waitlist, cancel, accept_offer, closed
    reason: str | None = None
    enrolment: Enrolment | None = None
    position: int | None = None


def choice_for(member, course, enrolment=None, now=None):
    now = now or utcnow()
    status = enrolment.status if enrolment is not None else None
    if status == ENROLLED:
        return Choice("cancel", enrolment=enrolment)
    if status == OFFERED:
        return Choice("accept_offer", enrolment=enrolment)
    if status == WAITING:
        return Choice("leave_waitlist", enrolment=enrolment, position=waiting_position(enrolment))
    reason = closed_reason(course, now)
    if reason:
        return Choice("closed", reason=reason)
    if member is None or not member.is_authenticated:
        return Choice("login")
    refusal = plugin_refusal(member, course)
    if refusal:
        return Choice("closed", reason=refusal)
    return Choice("enrol" if course.places_left > 0 else "join_waitlist")
