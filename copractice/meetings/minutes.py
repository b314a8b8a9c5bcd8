"""Minutes, decisions and actions of a meeting.

Minutes are written per agenda item by those who run the group and stay a draft until they are approved at the
group's next meeting; only approved minutes are shown to the group's members. Actions have an owner (a member of
the group), a due date and a status; open ones stay on the group's later agendas until done or dropped, their
owners may mark them done, and a job reminds each owner once before the due date. Every change of an action's
status (its creation too) is told to plugins through ``copractice_action_changed``.
"""
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from copractice.audit import audit
from copractice.errors import Refused
from copractice.extensions import db
from copractice.jobs import periodic
from copractice.meetings.agenda import _group_member, next_meeting
from copractice.meetings.agenda_models import (
    ACTION_STATUSES,
    ACTION_STILL_OPEN,
    AgendaItem,
    Decision,
    MeetingAction,
    MeetingMinutes,
)
from copractice.meetings.models import Meeting
from copractice.members.models import Member
from copractice.notifications.operations import notify
from copractice.permissions import can
from copractice.plugins import get_plugins
from copractice.timeutil import uk_date, utcnow
from copractice.urls import external_url

REMIND_DAYS_BEFORE = 3  # an owner is reminded this many days before an action is due (once)
OWNER_STATUSES = ("open", "in_progress", "done")  # what an action's owner may set; dropping is for the chair


class MinutesRefused(Refused):
    """A rule of minutes and actions says no."""


def _must_run(actor, group):
    if not can(actor, "group.run", group):
        raise MinutesRefused("Only the group's chairs, secretary or theme lead can write its minutes.")


def minutes_of(meeting):
    return db.session.get(MeetingMinutes, meeting.id)


def _draft_minutes(meeting):
    """The meeting's minutes record, made as a draft the first time something is written; refused once approved."""
    minutes = minutes_of(meeting)
    if minutes is None:
        minutes = MeetingMinutes(meeting_id=meeting.id, status="draft")
        db.session.add(minutes)
    elif minutes.status == "approved":
        raise MinutesRefused("These minutes were approved at the next meeting, so they can no longer be changed.")
    return minutes


def _action_changed(action, old_status):
    get_plugins().call("copractice_action_changed", action=action, old_status=old_status)  # SKIP: left out


def save_minutes(actor, item, text):
    """Write the minutes of an agenda item (a draft until approved at the next meeting)."""
    _must_run(actor, item.meeting.group)
    _draft_minutes(item.meeting)
    item.minutes = (text or "").strip()
    db.session.flush()
    return item


def add_decision(actor, item, text):
    """Record a decision made on an agenda item."""
    _must_run(actor, item.meeting.group)
    text = (text or "").strip()
    if not text:
        raise MinutesRefused("Write what was decided.")
    _draft_minutes(item.meeting)
    decision = Decision(text=text)
    item.decisions.append(decision)
    db.session.flush()
    audit(actor, "minutes.decision_added", "meeting", item.meeting_id, text[:200])
    return decision


def _check_action(meeting, description, owner_id, due_on):
    description = (description or "").strip()
    if not description:
        raise MinutesRefused("Write what needs to be done.")
    owner = _group_member(meeting.group, owner_id, "action's owner")
    if owner is None:
        raise MinutesRefused("Choose who will do it.")
    if due_on is not None and due_on < meeting.starts_at.date():
        raise MinutesRefused("The due date must be on or after the day of the meeting.")
    return description, owner


def add_action(actor, item, *, description, owner_id, due_on=None):
    """Record an action agreed on an agenda item: an owner from the group, and a due date."""
    meeting = item.meeting
    _must_run(actor, meeting.group)
    description, owner = _check_action(meeting, description, owner_id, due_on)
    _draft_minutes(meeting)
    action = MeetingAction(group_id=meeting.group_id, meeting_id=meeting.id, item_id=item.id,
                           description=description, owner_id=owner.id, due_on=due_on, status="open")
    db.session.add(action)
    db.session.flush()
    audit(actor, "minutes.action_added", "meeting", meeting.id, description[:200], after={"owner": owner.id})
    _action_changed(action, None)
    return action


def write_item_minutes(actor, item, *, minutes, decision=None, action=None, owner_id=None, due_on=None):
    """The minutes form of an item: its minutes, and a decision and an action when given. Everything is checked
    before anything is written, so a refusal leaves the item as it was."""
    _must_run(actor, item.meeting.group)
    current = minutes_of(item.meeting)
    if current is not None and current.status == "approved":
        raise MinutesRefused("These minutes were approved at the next meeting, so they can no longer be changed.")
    if (action or "").strip():
        _check_action(item.meeting, action, owner_id, due_on)
    save_minutes(actor, item, minutes)
    if (decision or "").strip():
        add_decision(actor, item, decision)
    if (action or "").strip():
        add_action(actor, item, description=action, owner_id=owner_id, due_on=due_on)
    return item


def may_set_status(member, action, status):
    """Those who run the group set any status; the owner may mark their own action open, in progress or done."""
    if status not in ACTION_STATUSES:
        return False
    if can(member, "group.run", action.group):
        return True
    return can(member, "group.action_status", action) and status in OWNER_STATUSES


def set_action_status(actor, action, status, now=None):
    """Change an action's status; done records when."""
    if status not in ACTION_STATUSES:
        raise MinutesRefused("Choose a status from the list.")
    if not may_set_status(actor, action, status):
        raise MinutesRefused("Only the group's chairs or secretary can drop an action." if status == "dropped"
                             else "Only the action's owner or those who run the group can change it.")
    old = action.status
    if old == status:
        return action
    action.status = status
    action.done_at = (now or utcnow()) if status == "done" else None
    db.session.flush()
    audit(actor, "minutes.action_status", "meeting_action", action.id, action.description[:200],
          before={"status": old}, after={"status": status})
    _action_changed(action, old)
    return action


def approve_minutes(actor, meeting, at_meeting, now=None):
    """Approve ``meeting``'s draft minutes at ``at_meeting``, the group's next meeting; then members see them."""
    _must_run(actor, meeting.group)
    nxt = next_meeting(meeting)
    if at_meeting is None or nxt is None or nxt.id != at_meeting.id:
        raise MinutesRefused("Minutes are approved at the group's next meeting.")
    minutes = minutes_of(meeting)
    if minutes is None:
        raise MinutesRefused("No minutes have been written for this meeting yet.")
    if minutes.status == "approved":
        raise MinutesRefused("These minutes were already approved.")
    minutes.status, minutes.approved_at = "approved", now or utcnow()
    minutes.approved_at_meeting_id, minutes.approved_by_id = at_meeting.id, actor.id
    db.session.flush()
    audit(actor, "minutes.approved", "meeting", meeting.id, meeting.title, after={"at_meeting": at_meeting.id})
    return minutes


def action_of(group, action_id):
    action = db.session.get(MeetingAction, action_id)
    return action if action is not None and action.group_id == group.id else None


def item_for_minutes(meeting, item_id):
    item = db.session.get(AgendaItem, item_id)
    return item if item is not None and item.meeting_id == meeting.id else None


# -- the group's action log ------------------------------------------------------------------------------------

def action_log(group, *, still_open_only=False):
    """The group's actions with their meeting and owner, newest meeting first."""
    query = (select(MeetingAction).join(Meeting, Meeting.id == MeetingAction.meeting_id)
             .where(MeetingAction.group_id == group.id)
             .options(selectinload(MeetingAction.owner), selectinload(MeetingAction.meeting))
             .order_by(Meeting.starts_at.desc(), MeetingAction.id))
    if still_open_only:
        query = query.where(MeetingAction.status.in_(ACTION_STILL_OPEN))
    return db.session.scalars(query).all()


ACTION_LOG_HEADERS = ["Meeting", "Meeting date", "Action", "Owner", "Due", "Status", "Done on"]


def action_log_rows(group):
    """The action log as rows for a CSV or XLSX export (one query: the columns it shows, no ORM objects)."""
    rows = db.session.execute(
        select(Meeting.title, Meeting.starts_at, MeetingAction.description, Member.name, MeetingAction.due_on,
               MeetingAction.status, MeetingAction.done_at)
        .join(Meeting, Meeting.id == MeetingAction.meeting_id)
        .outerjoin(Member, Member.id == MeetingAction.owner_id)
        .where(MeetingAction.group_id == group.id).order_by(Meeting.starts_at, MeetingAction.id))
    for title, starts_at, description, owner, due_on, status, done_at in rows:
        yield [title, uk_date(starts_at), description, owner or "", uk_date(due_on) if due_on else "",
               ACTION_STATUSES.get(status, status), uk_date(done_at) if done_at else ""]


# -- reminders ---------------------------------------------------------------------------------------------------

def send_action_reminders(now=None):
    """Remind each owner, once, of an open action due in the next few days. Returns how many were reminded.

    Each action is claimed with a conditional update before its reminder is written, so two runs never remind
    twice."""
    now = now or utcnow()
    today = now.date()
    due = db.session.scalars(select(MeetingAction).where(
        MeetingAction.status.in_(ACTION_STILL_OPEN), MeetingAction.reminded_at.is_(None),
        MeetingAction.owner_id.is_not(None), MeetingAction.due_on.is_not(None),
        MeetingAction.due_on >= today, MeetingAction.due_on <= today + timedelta(days=REMIND_DAYS_BEFORE))
        .options(selectinload(MeetingAction.owner), selectinload(MeetingAction.group))
        .order_by(MeetingAction.id)).all()
    sent = 0
    for action in due:
        claimed = db.session.execute(
            update(MeetingAction).where(MeetingAction.id == action.id, MeetingAction.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            continue
        notify([action.owner], "action_reminder", "action_reminder",
               link=external_url("agenda.actions", slug=action.group.slug), action=action, group=action.group)
        sent += 1
    return sent


@periodic("remind_action_owners", request=True, hour="7", minute="0")
def _reminders_job():
    """Every morning: remind owners of actions due in the next few days, once each."""
    return send_action_reminders()


# -- a member's data -----------------------------------------------------------------------------------------------

def export_member_meeting_work(member):
    """What the agenda and minutes hold about ``member``: items they lead, actions they own."""
    items = db.session.execute(
        select(AgendaItem.title, Meeting.title, Meeting.starts_at).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.lead_id == member.id).order_by(Meeting.starts_at, AgendaItem.id)).all()
    actions = db.session.execute(
        select(MeetingAction.description, MeetingAction.due_on, MeetingAction.status, Meeting.title)
        .join(Meeting, Meeting.id == MeetingAction.meeting_id)
        .where(MeetingAction.owner_id == member.id).order_by(MeetingAction.id)).all()
    return {
        "agenda_items_led": [{"item": title, "meeting": meeting, "meeting_at": starts_at.isoformat() + "Z"}
                             for title, meeting, starts_at in items],
        "actions_owned": [{"action": description, "due": due.isoformat() if isinstance(due, date) else None,
                           "status": ACTION_STATUSES.get(status, status), "meeting": meeting}
                          for description, due, status, meeting in actions],
    }


def erase_member_meeting_work(member):
    """After erasure the items they led and the actions they owned stay in the group's record, without them."""
    db.session.execute(update(AgendaItem).where(AgendaItem.lead_id == member.id).values(lead_id=None))
    db.session.execute(update(MeetingAction).where(MeetingAction.owner_id == member.id).values(owner_id=None))
