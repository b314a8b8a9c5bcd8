"""The rules of involvement (issue 17 points 1, 3 and 6): opportunities, interest, selection with places kept,
the contributor's own payment choice, own-time confirmation, benefits advice and consent to be credited.

Operations flush and never commit (copractice.unitofwork). Places are kept by locking the opportunity's row
(a no-op UPDATE: a row lock on PostgreSQL, the write lock on SQLite) before counting who holds a place, then
moving the involvement by compare-and-set, so two organisers confirming at once cannot pass ``places``.
"""
from datetime import timedelta
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from copractice.audit import audit
from copractice.errors import Refused
from copractice.extensions import db
from copractice.involvement.models import (
    CONTRIBUTOR_CHOICES,
    INVOLVEMENT_STATUSES,
    PAYMENT_CHOICES,
    ROLES,
    TAKING_A_PLACE,
    Involvement,
    Opportunity,
)
from copractice.members.models import Member
from copractice.notifications.operations import notify
from copractice.permissions import can
from copractice.plugins import PluginFailure, get_plugins
from copractice.timeutil import utcnow
from copractice.unitofwork import savepoint
from copractice.urls import external_url

# Stakeholder types that are staff of public bodies: they confirm the work is outside their job and in their
# own time before payment is offered (config INVOLVEMENT_PUBLIC_BODY_STAKEHOLDERS).
DEFAULT_PUBLIC_BODY = ("practitioner", "commissioner", "researcher")


def activity_types() -> dict[str, str]:
    """{key: label}: the core's roles, then those plugins add through ``copractice_involvement_activity_types``."""
    kinds = dict(ROLES)
    for key, label in get_plugins().collect("copractice_involvement_activity_types"):
        kinds.setdefault(key, label)
    return kinds


def role_label(key, kinds=None):
    return (kinds if kinds is not None else activity_types()).get(key, key.replace("_", " ").capitalize())


def is_public_body_staff(member: Member) -> bool:
    kinds = current_app.config.get("INVOLVEMENT_PUBLIC_BODY_STAKEHOLDERS", DEFAULT_PUBLIC_BODY)
    return member.stakeholder_type in kinds


def _theme_of(session, meeting):
    if session is not None:
        return session.course.theme_slug
    if meeting is not None:
        return meeting.group.theme_slug
    return None


def save_opportunity(actor, opportunity, *, title, role, description, easy_read=None, expected_minutes,
                     places, session=None, meeting=None, project=None, theme_slug=None):
    """Set up (``opportunity`` None) or change an opportunity. It must be linked to a session, a meeting or a
    project, and the actor must be allowed to organise it (``opportunity.manage``)."""
    title, project = (title or "").strip(), (project or "").strip() or None
    if not title:
        raise Refused("Enter a title.")
    if role not in activity_types():
        raise Refused("Choose a kind of role.")
    if session is None and meeting is None and project is None:
        raise Refused("Link the opportunity to a course session, a meeting or a project.")
    if places is None or places < 1:
        raise Refused("There must be at least 1 place.")
    if expected_minutes is None or expected_minutes < 0:
        raise Refused("Enter the expected time.")
    created = opportunity is None
    if created:
        opportunity = Opportunity(created_by_id=actor.id, status="open")
    before = None if created else {"title": opportunity.title, "places": opportunity.places}
    opportunity.title, opportunity.role = title, role
    opportunity.description, opportunity.easy_read = (description or "").strip(), (easy_read or "").strip() or None
    opportunity.expected_minutes, opportunity.places = expected_minutes, places
    opportunity.session, opportunity.meeting, opportunity.project = session, meeting, project
    opportunity.session_id = session.id if session is not None else None
    opportunity.meeting_id = meeting.id if meeting is not None else None
    opportunity.theme_slug = _theme_of(session, meeting) or theme_slug
    if not can(actor, "opportunity.manage", opportunity):
        raise Refused("You can only set up opportunities for sessions, meetings or themes you organise.")
    if created:
        db.session.add(opportunity)
    db.session.flush()
    audit(actor, "involvement.opportunity_saved", "involvement_opportunity", opportunity.id, title,
          before=before, after={"title": title, "places": places, "role": role})
    return opportunity


def organisers(opportunity):
    """Who hears that someone is interested: whoever set the opportunity up (if still a member)."""
    return [opportunity.created_by] if opportunity.created_by is not None else []


def check_eligible(member, opportunity):
    """Refused with the first reason a plugin gives (``copractice_involvement_eligibility``) why ``member`` may not
    take part in ``opportunity``; a plugin that fails refuses too (it is never silently allowed)."""
    try:
        reasons = get_plugins().collect("copractice_involvement_eligibility", member=member, opportunity=opportunity)
    except PluginFailure as failure:
        current_app.logger.error("involvement eligibility check of plugin %s failed: %s", failure.plugin,
                                 failure.error)
        raise Refused("We could not check whether this opportunity is open to you just now. Nothing has changed. "
                      "Please try again later.") from None
    if reasons:
        raise Refused(str(reasons[0]))


@savepoint
def express_interest(member, opportunity):
    """The member says they would like to take part. Saying it again after withdrawing is allowed."""
    if opportunity.status != "open":
        raise Refused("This opportunity is closed. Look at the other opportunities.")
    check_eligible(member, opportunity)
    existing = db.session.scalar(select(Involvement).where(Involvement.opportunity_id == opportunity.id,
                                                           Involvement.member_id == member.id))
    if existing is not None:
        if existing.status != "withdrawn":
            raise Refused("You have already said you are interested.")
        existing.status = "interested"
        involvement = existing
    else:
        involvement = Involvement(opportunity=opportunity, member_id=member.id, status="interested",
                                  payment_choice="not_offered",
                                  own_time_confirmed=False if is_public_body_staff(member) else None)
        db.session.add(involvement)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            raise Refused("You have already said you are interested.") from None
    audit(member, "involvement.interest", "involvement", involvement.id, opportunity.title)
    notify(organisers(opportunity), "involvement_interest", "involvement_interest",
           link=external_url("involvement.manage", opportunity_id=opportunity.id),
           opportunity=opportunity, person=member)
    db.session.flush()
    return involvement


def withdraw(member, involvement):
    """The contributor steps back (any time). Their place, if they had one, is free again."""
    _own(member, involvement)
    if involvement.status == "withdrawn":
        raise Refused("You have already withdrawn.")
    before = involvement.status
    involvement.status = "withdrawn"
    audit(member, "involvement.withdrawn", "involvement", involvement.id, involvement.opportunity.title,
          before={"status": before}, after={"status": "withdrawn"})
    db.session.flush()


def _lock(opportunity_id):
    db.session.execute(update(Opportunity).where(Opportunity.id == opportunity_id)
                       .values(places=Opportunity.places).execution_options(synchronize_session=False))


def places_taken(opportunity_id, excluding=None):
    stmt = select(func.count(Involvement.id)).where(Involvement.opportunity_id == opportunity_id,
                                                    Involvement.status.in_(TAKING_A_PLACE))
    if excluding is not None:
        stmt = stmt.where(Involvement.id != excluding)
    return db.session.scalar(stmt) or 0


DECIDE = {
    "selected": ("interested", "declined"),
    "confirmed": ("interested", "selected", "declined"),
    "declined": ("interested", "selected", "confirmed"),
}
DECIDE_NOTICE = {"selected": "involvement_selected", "confirmed": "involvement_selected",
                 "declined": "involvement_not_selected"}


@savepoint
def decide(actor, involvement, status):
    """An organiser selects, confirms or says no to someone. Selecting and confirming take a place: refused
    when every place is taken, even when two organisers press at the same moment."""
    if status not in DECIDE:
        raise Refused("Choose select, confirm or not selected.")
    opportunity = involvement.opportunity
    if not can(actor, "opportunity.manage", opportunity):
        raise Refused("Only the organisers of this opportunity can choose who takes part.")
    if status in TAKING_A_PLACE:
        check_eligible(involvement.member, opportunity)  # rules may have changed since they said they were interested
    _lock(opportunity.id)  # before anything is read: the count below sees every committed choice
    if status in TAKING_A_PLACE and places_taken(opportunity.id, excluding=involvement.id) >= opportunity.places:
        raise Refused(f"All {opportunity.places} places are taken. Say no to someone first, or add a place.")
    before = db.session.scalar(select(Involvement.status).where(Involvement.id == involvement.id)) or ""
    if before not in DECIDE[status]:
        raise Refused(f"This person is {INVOLVEMENT_STATUSES.get(before, before).lower()}: that cannot change "
                      "to " + INVOLVEMENT_STATUSES[status].lower() + ".")
    result = cast(CursorResult, db.session.execute(
        update(Involvement).where(Involvement.id == involvement.id, Involvement.status == before)
        .values(status=status, updated_at=utcnow()).execution_options(synchronize_session=False)))
    if result.rowcount != 1:
        raise Refused("Someone else changed this just now. Look again.")
    db.session.refresh(involvement)
    audit(actor, "involvement." + status, "involvement", involvement.id, opportunity.title,
          before={"status": before}, after={"status": status})
    notify([involvement.member], DECIDE_NOTICE[status], DECIDE_NOTICE[status],
           link=external_url("involvement.mine"), opportunity=opportunity, status=status,
           status_label=INVOLVEMENT_STATUSES[status])
    return involvement


# -- payment: the contributor's choice -------------------------------------------------------------------------

def _own(member, involvement):
    if involvement.member_id != member.id:
        raise Refused("This is someone else's involvement.")


def _payment_audit(actor, involvement, before, **after):
    audit(actor, "involvement.payment", "involvement", involvement.id, involvement.opportunity.title,
          before=before, after=after)


def offer_payment(actor, involvement):
    """An organiser offers payment. Staff of public bodies must first confirm the work is in their own time."""
    if not can(actor, "opportunity.manage", involvement.opportunity):
        raise Refused("Only the organisers of this opportunity can offer payment.")
    if involvement.status not in TAKING_A_PLACE:
        raise Refused("Payment is offered to people who are selected or confirmed.")
    if involvement.payment_offered_at is not None:
        raise Refused("Payment has already been offered.")
    if is_public_body_staff(involvement.member) and involvement.own_time_confirmed is not True:
        raise Refused("Payment cannot be offered yet: this person works for a public body and has not confirmed "
                      "the work is outside their job and in their own time.")
    before = involvement.payment_choice
    involvement.payment_offered_at = utcnow()
    if before == "not_offered":  # a "no, thank you" given before the offer stands until they change it
        involvement.payment_choice = "offered"
    _payment_audit(actor, involvement, {"payment_choice": before}, payment_choice=involvement.payment_choice,
                   offered=True)
    notify([involvement.member], "involvement_payment_offered", "involvement_payment_offered",
           link=external_url("involvement.mine"), opportunity=involvement.opportunity)
    db.session.flush()


def choose_payment(member, involvement, choice):
    """The contributor's choice, changeable at any time. Saying no is always possible (e.g. because of benefits);
    being paid, a voucher or payment to an organisation once payment is offered."""
    _own(member, involvement)
    if choice not in CONTRIBUTOR_CHOICES:
        raise Refused("Choose how you would like to be paid, or no payment.")
    if choice != "declined":
        if involvement.payment_offered_at is None:
            raise Refused("Payment has not been offered for this yet. You can say no to payment at any time.")
        if is_public_body_staff(member) and involvement.own_time_confirmed is not True:
            raise Refused("First confirm this work is outside your job and in your own time.")
    before = involvement.payment_choice
    involvement.payment_choice = choice
    _payment_audit(member, involvement, {"payment_choice": before}, payment_choice=choice)
    db.session.flush()


def confirm_own_time(member, involvement, confirmed):
    """Staff of public bodies confirm (or take back) that the work is outside their job and in their own time.
    Taking it back withdraws an offer they had not taken up, and stops payment they had chosen."""
    _own(member, involvement)
    if not is_public_body_staff(member):
        raise Refused("Only staff of public bodies are asked this.")
    before = {"own_time_confirmed": involvement.own_time_confirmed, "payment_choice": involvement.payment_choice}
    involvement.own_time_confirmed = bool(confirmed)
    if not confirmed:
        involvement.payment_offered_at = None
        if involvement.payment_choice in ("offered", "accepted", "voucher", "organisation"):
            involvement.payment_choice = "not_offered"
    _payment_audit(member, involvement, before, own_time_confirmed=involvement.own_time_confirmed,
                   payment_choice=involvement.payment_choice)
    db.session.flush()


def set_benefits_advice(member, involvement, wanted):
    """"Get benefits advice first": the contributor's flag; the page then signposts advice."""
    _own(member, involvement)
    before = involvement.benefits_advice
    involvement.benefits_advice = bool(wanted)
    _payment_audit(member, involvement, {"benefits_advice": before}, benefits_advice=involvement.benefits_advice)
    db.session.flush()


def set_credit_consent(member, involvement, consent):
    """Consent to be credited by name on their profile and on the certificates of those they co-facilitated for."""
    _own(member, involvement)
    before = involvement.credit_consent
    involvement.credit_consent = bool(consent)
    audit(member, "involvement.credit_consent", "involvement", involvement.id, involvement.opportunity.title,
          before={"credit_consent": before}, after={"credit_consent": involvement.credit_consent})
    db.session.flush()


def benefits_advice():
    """(text, link) signposting benefits advice, from config."""
    cfg = current_app.config
    return (cfg.get("INVOLVEMENT_BENEFITS_ADVICE_TEXT") or "", cfg.get("INVOLVEMENT_BENEFITS_ADVICE_URL") or "")


def payment_label(choice):
    return PAYMENT_CHOICES.get(choice, choice)


# -- pages' queries --------------------------------------------------------------------------------------------

def open_opportunities():
    return db.session.scalars(select(Opportunity).where(Opportunity.status == "open")
                              .order_by(Opportunity.created_at.desc(), Opportunity.id.desc())).all()


def my_involvements(member):
    """The member's involvements with their opportunities (one query)."""
    from sqlalchemy.orm import joinedload

    return db.session.scalars(select(Involvement).where(Involvement.member_id == member.id)
                              .options(joinedload(Involvement.opportunity))
                              .order_by(Involvement.created_at.desc(), Involvement.id.desc())).all()


def credited_hours(member):
    """Involvement hours (confirmed, with consent to be credited) and the number of co-facilitations."""
    rows = db.session.execute(select(Opportunity.role, Opportunity.expected_minutes).join(
        Involvement, Involvement.opportunity_id == Opportunity.id).where(
        Involvement.member_id == member.id, Involvement.status == "confirmed",
        Involvement.credit_consent.is_(True))).all()
    minutes = sum(m or 0 for _r, m in rows)
    return {"hours": round(minutes / 60, 1), "count": len(rows),
            "co_facilitations": sum(1 for r, _m in rows if r == "co_facilitator")}


def co_facilitators_of_course(course_id):
    """Names of those confirmed as co-facilitators of the course's sessions who consent to be credited."""
    from copractice.courses.models import Session

    names = db.session.scalars(select(Member.name).join(Involvement, Involvement.member_id == Member.id).join(
        Opportunity, Opportunity.id == Involvement.opportunity_id).join(Session, Session.id == Opportunity.session_id)
        .where(Session.course_id == course_id, Opportunity.role == "co_facilitator",
               Involvement.status == "confirmed", Involvement.credit_consent.is_(True),
               Member.erased_at.is_(None)).distinct().order_by(Member.name)).all()
    return list(names)


# -- data rights ---------------------------------------------------------------------------------------------

def export_member_involvement(member):
    return [{"opportunity": inv.opportunity.title, "role": role_label(inv.opportunity.role),
             "status": INVOLVEMENT_STATUSES.get(inv.status, inv.status),
             "payment_choice": payment_label(inv.payment_choice), "benefits_advice_first": inv.benefits_advice,
             "own_time_confirmed": inv.own_time_confirmed, "credit_consent": inv.credit_consent,
             "since": inv.created_at.isoformat() if inv.created_at else None}
            for inv in my_involvements(member)]


def erase_member_involvement(member):
    db.session.execute(delete(Involvement).where(Involvement.member_id == member.id))


def link_choices(actor, now=None):
    """[(value, label)] of the sessions and meetings (from a month ago on) the actor may link an opportunity to:
    "session:<id>" of courses they run, "meeting:<id>" of groups they run."""
    from sqlalchemy.orm import joinedload

    from copractice.courses.models import Course, Session
    from copractice.meetings.models import Group, Meeting
    from copractice.timeutil import uk_date

    since = (now or utcnow()) - timedelta(days=31)
    sessions = db.session.scalars(select(Session).join(Course, Course.id == Session.course_id)
                                  .where(Session.starts_at >= since)
                                  .options(joinedload(Session.course).selectinload(Course.facilitators))
                                  .order_by(Session.starts_at).limit(300)).all()
    meetings = db.session.scalars(select(Meeting).where(Meeting.starts_at >= since, Meeting.status == "planned")
                                  .options(joinedload(Meeting.group).selectinload(Group.memberships))
                                  .order_by(Meeting.starts_at).limit(300)).all()
    choices = [(f"session:{s.id}", f"{s.course.title}: session on {uk_date(s.starts_at)}") for s in sessions
               if can(actor, "course.run", s.course)]
    choices += [(f"meeting:{m.id}", f"{m.group.name}: {m.title} on {uk_date(m.starts_at)}") for m in meetings
                if can(actor, "group.run", m.group)]
    return choices


def resolve_link(value):
    """(session, meeting) for a "session:<id>" / "meeting:<id>" choice (None, None for none or a stale one)."""
    from copractice.courses.models import Session
    from copractice.meetings.models import Meeting

    kind, _, ident = (value or "").partition(":")
    if not ident.isdigit():
        return None, None
    if kind == "session":
        return db.session.get(Session, int(ident)), None
    if kind == "meeting":
        return None, db.session.get(Meeting, int(ident))
    return None, None


def organised_by(actor):
    """The opportunities the actor may manage, newest first (what the permission reads, loaded up front)."""
    from sqlalchemy.orm import selectinload

    from copractice.courses.models import Course, Session
    from copractice.meetings.models import Group, Meeting

    rows = db.session.scalars(select(Opportunity).options(
        selectinload(Opportunity.involvements),
        selectinload(Opportunity.session).joinedload(Session.course).selectinload(Course.facilitators),
        selectinload(Opportunity.meeting).joinedload(Meeting.group).selectinload(Group.memberships))
        .order_by(Opportunity.created_at.desc(), Opportunity.id.desc()).limit(500)).all()
    return [o for o in rows if can(actor, "opportunity.manage", o)]
