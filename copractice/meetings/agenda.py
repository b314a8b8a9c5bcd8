"""A meeting's agenda and its papers: items with a lead, a time and an order; papers from the library or uploaded;
sent to the group's members a set number of days before the meeting, once.

Before the papers go out only those who run the group see them. A library paper is shown only to those the
library lets see it (``resource.view``); an Easy Read version is the library's own variant of the resource, or a
library resource linked to an uploaded paper.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import lazyload, selectinload

from copractice.audit import audit
from copractice.errors import Refused
from copractice.extensions import db
from copractice.jobs import periodic
from copractice.library.models import Resource
from copractice.library.storage import get_storage
from copractice.meetings.agenda_models import (
    ACTION_STILL_OPEN,
    AgendaItem,
    AgendaPaper,
    MeetingAction,
    MeetingMinutes,
)
from copractice.meetings.models import Group, GroupMember, Meeting
from copractice.members.models import Member
from copractice.notifications.operations import notify
from copractice.permissions import can, visible_resources
from copractice.timeutil import utcnow
from copractice.urls import external_url

MAX_MINUTES = 480
# The papers job looks this far ahead for meetings whose papers are due (papers_days_before is at most this).
LOOK_AHEAD_DAYS = 120


class AgendaRefused(Refused):
    """A rule of agendas and papers says no."""


def _must_run(actor, group):
    if not can(actor, "group.run", group):
        raise AgendaRefused("Only the group's chairs, secretary or theme lead can change its agenda.")


# -- finding things --------------------------------------------------------------------------------------------

def group_by_slug(slug):
    """The group, with its memberships (every permission check on the page then reads them, not the database)."""
    return db.session.scalar(select(Group).where(Group.slug == slug).options(selectinload(Group.memberships)))


def meeting_of(group, meeting_id):
    """The group's meeting with this id, or None (a meeting of another group is not found)."""
    meeting = db.session.get(Meeting, meeting_id)
    return meeting if meeting is not None and meeting.group_id == group.id else None


def item_of(meeting, item_id):
    item = db.session.get(AgendaItem, item_id)
    return item if item is not None and item.meeting_id == meeting.id else None


def paper_of(meeting, paper_id):
    paper = db.session.get(AgendaPaper, paper_id)
    return paper if paper is not None and paper.item.meeting_id == meeting.id else None


def active_members(group):
    """(id, name) of the group's active members, by name: who may lead an item or own an action."""
    return db.session.execute(
        select(Member.id, Member.name).join(GroupMember, GroupMember.member_id == Member.id)
        .where(GroupMember.group_id == group.id, GroupMember.status == "active", Member.erased_at.is_(None))
        .order_by(Member.name, Member.id)).all()


def _group_member(group, member_id, what):
    """The active member of ``group`` with this id, or a refusal naming ``what`` they were chosen for."""
    if member_id is None:
        return None
    if member_id not in {row.id for row in active_members(group)}:
        raise AgendaRefused(f"Choose a member of the group as the {what}.")
    return db.session.get(Member, member_id)


# -- agenda items ----------------------------------------------------------------------------------------------

def _check_minutes(minutes_allotted):
    if minutes_allotted is not None and not 1 <= minutes_allotted <= MAX_MINUTES:
        raise AgendaRefused(f"Give the item between 1 and {MAX_MINUTES} minutes.")


def add_item(actor, meeting, *, title, description="", lead_id=None, minutes_allotted=None):
    """Add an item at the end of the meeting's agenda."""
    _must_run(actor, meeting.group)
    _check_minutes(minutes_allotted)
    lead = _group_member(meeting.group, lead_id, "lead")
    last = db.session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
    item = AgendaItem(meeting_id=meeting.id, position=(last or 0) + 1, title=title.strip(),
                      description=(description or "").strip(), lead_id=lead.id if lead else None,
                      minutes_allotted=minutes_allotted)
    db.session.add(item)
    db.session.flush()
    audit(actor, "agenda.item_added", "meeting", meeting.id, item.title)
    return item


def update_item(actor, item, *, title, description="", lead_id=None, minutes_allotted=None):
    """Change an item's title, description, lead or time."""
    _must_run(actor, item.meeting.group)
    _check_minutes(minutes_allotted)
    lead = _group_member(item.meeting.group, lead_id, "lead")
    item.title, item.description = title.strip(), (description or "").strip()
    item.lead_id, item.minutes_allotted = (lead.id if lead else None), minutes_allotted
    db.session.flush()
    return item


def move_item_up(actor, item):
    """Swap the item with the one before it."""
    _must_run(actor, item.meeting.group)
    before = db.session.scalar(select(AgendaItem).where(
        AgendaItem.meeting_id == item.meeting_id, AgendaItem.position < item.position)
        .order_by(AgendaItem.position.desc()).limit(1))
    if before is not None:
        item.position, before.position = before.position, item.position
        db.session.flush()
    return item


def remove_item(actor, item):
    """Take an item off the agenda, with its papers and minutes (its actions stay in the group's log)."""
    _must_run(actor, item.meeting.group)
    audit(actor, "agenda.item_removed", "meeting", item.meeting_id, item.title)
    db.session.delete(item)
    db.session.flush()


# -- papers ----------------------------------------------------------------------------------------------------

def _easy_read(actor, easy_read_id):
    if easy_read_id is None:
        return None
    resource = db.session.get(Resource, easy_read_id)
    if resource is None or not can(actor, "resource.view", resource):
        raise AgendaRefused("Choose an Easy Read version from the library.")
    return resource


def attach_library_paper(actor, item, resource, *, title=None, easy_read_id=None):
    """Attach a library resource as a paper; the actor must be able to see it."""
    _must_run(actor, item.meeting.group)
    if resource is None or not can(actor, "resource.view", resource):
        raise AgendaRefused("Choose a resource from the library.")
    paper = AgendaPaper(item_id=item.id, title=(title or "").strip() or resource.title, resource_id=resource.id,
                        easy_read_id=getattr(_easy_read(actor, easy_read_id), "id", None),
                        uploaded_by_id=actor.id)
    db.session.add(paper)
    db.session.flush()
    audit(actor, "agenda.paper_added", "meeting", item.meeting_id, paper.title)
    return paper


def upload_paper(actor, item, upload, *, title, easy_read_id=None):
    """Attach an uploaded file (a ``copractice.library.uploads.CheckedUpload``: checked by its content) as a paper.
    Raises StorageFailed, before anything is written, when the file cannot be stored."""
    _must_run(actor, item.meeting.group)
    easy_read = _easy_read(actor, easy_read_id)
    key = get_storage().save(upload.data)
    paper = AgendaPaper(item_id=item.id, title=(title or "").strip() or upload.filename, storage_key=key,
                        original_name=upload.filename, content_type=upload.content_type, size=len(upload.data),
                        easy_read_id=getattr(easy_read, "id", None), uploaded_by_id=actor.id)
    db.session.add(paper)
    db.session.flush()
    audit(actor, "agenda.paper_added", "meeting", item.meeting_id, paper.title)
    return paper


def remove_paper(actor, paper):
    _must_run(actor, paper.item.meeting.group)
    audit(actor, "agenda.paper_removed", "meeting", paper.item.meeting_id, paper.title)
    db.session.delete(paper)
    db.session.flush()


def library_choices(member, limit=300):
    """(id, title) of published library resources ``member`` may see, newest first: what a paper can be."""
    return db.session.execute(
        select(Resource.id, Resource.title).where(visible_resources(member), Resource.variant_of_id.is_(None))
        .order_by(Resource.updated_at.desc(), Resource.id.desc()).limit(limit)).all()


def easy_read_choices(member, limit=300):
    """(id, title) of the Easy Read resources ``member`` may see."""
    return db.session.execute(
        select(Resource.id, Resource.title).where(visible_resources(member), Resource.variant_kind == "easy_read")
        .order_by(Resource.title, Resource.id).limit(limit)).all()


def papers_due_at(meeting):
    """When the papers go to the group's members."""
    return meeting.starts_at - timedelta(days=meeting.papers_days_before)


def may_see_papers(member, meeting):
    """Those who run the group always; its members once the papers were sent."""
    group = meeting.group
    if can(member, "group.run", group):
        return True
    return meeting.papers_sent_at is not None and can(member, "group.view", group)


def may_download(member, paper):
    """A paper's file: those who may see the meeting's papers (and, for a library paper, the resource)."""
    if not may_see_papers(member, paper.item.meeting):
        return False
    return paper.resource is None or can(member, "resource.view", paper.resource)


def visible_resource_ids(member, ids):
    """The ids among ``ids`` of resources ``member`` may see (one query)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return set()
    return set(db.session.scalars(select(Resource.id).where(Resource.id.in_(ids), visible_resources(member))))


def easy_read_of(paper, visible_ids):
    """The paper's Easy Read version among the resources ``visible_ids``: linked to the paper, or the library
    resource's own Easy Read variant (as the library links variants)."""
    if paper.easy_read is not None and paper.easy_read_id in visible_ids:
        return paper.easy_read
    if paper.resource is not None:
        for variant in paper.resource.variants:
            if variant.variant_kind == "easy_read" and variant.id in visible_ids:
                return variant
    return None


def publish_papers(meeting, *, actor=None, now=None):
    """Send the agenda and papers to the group's active members, once: True when this call sent them.

    The meeting is claimed with a conditional update first, so two runs at once (two workers, the job and the
    button) never send twice.
    """
    if actor is not None:
        _must_run(actor, meeting.group)
    if meeting.status != "planned":
        raise AgendaRefused("The meeting is cancelled: its papers are not sent.")
    now = now or utcnow()
    claimed = db.session.execute(update(Meeting).where(Meeting.id == meeting.id, Meeting.papers_sent_at.is_(None))
                                 .values(papers_sent_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return False
    db.session.refresh(meeting, ["papers_sent_at"])
    members = db.session.scalars(select(Member).join(GroupMember, GroupMember.member_id == Member.id).where(
        GroupMember.group_id == meeting.group_id, GroupMember.status == "active")).all()
    items = db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                               .order_by(AgendaItem.position, AgendaItem.id)).all()
    notify(members, "meeting_papers", "meeting_papers",
           link=external_url("agenda.agenda", slug=meeting.group.slug, meeting_id=meeting.id),
           meeting=meeting, group=meeting.group, items=items)
    audit(actor, "meeting.papers_sent", "meeting", meeting.id, meeting.title, after={"members": len(members)})
    return True


def send_due_papers(now=None):
    """Send the papers of every planned meeting whose day for them has come (the job and the command). Returns
    how many meetings' papers were sent."""
    now = now or utcnow()
    candidates = db.session.scalars(select(Meeting).where(
        Meeting.status == "planned", Meeting.papers_sent_at.is_(None), Meeting.starts_at > now,
        Meeting.starts_at <= now + timedelta(days=LOOK_AHEAD_DAYS)).order_by(Meeting.starts_at)).all()
    return sum(1 for meeting in candidates if papers_due_at(meeting) <= now and publish_papers(meeting, now=now))


@periodic("send_meeting_papers", request=True, minute="*/15")
def _papers_job():
    """Every 15 minutes: the agenda and papers of meetings whose day for them has come, once."""
    return send_due_papers()


# -- the agenda as a page shows it -----------------------------------------------------------------------------

@dataclass
class Agenda:
    """What a meeting's agenda page shows, loaded in a fixed number of queries."""

    meeting: Meeting
    items: list
    start_times: dict  # item id -> UTC datetime it starts, from the minutes given to the items before it
    show_papers: bool
    minutes: MeetingMinutes | None
    show_minutes: bool
    carried_actions: list  # open actions raised at earlier meetings of the group ("actions from last time")
    actions_raised: list  # actions raised at this meeting
    previous: Meeting | None  # the group's meeting before this one
    previous_minutes: MeetingMinutes | None
    papers_due_at: datetime | None = None
    easy_read: dict = field(default_factory=dict)  # paper id -> Resource
    hidden_papers: set = field(default_factory=set)

    @property
    def minutes_status(self):
        return self.minutes.status if self.minutes else "draft"

    @property
    def may_approve_previous(self):
        return self.previous is not None and self.previous_minutes is not None \
            and self.previous_minutes.status == "draft"


def previous_meeting(meeting):
    return db.session.scalar(select(Meeting).where(
        Meeting.group_id == meeting.group_id, Meeting.status == "planned", Meeting.starts_at < meeting.starts_at)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(1))


def next_meeting(meeting):
    return db.session.scalar(select(Meeting).where(
        Meeting.group_id == meeting.group_id, Meeting.status == "planned", Meeting.starts_at > meeting.starts_at)
        .order_by(Meeting.starts_at, Meeting.id).limit(1))


def carried_actions(meeting):
    """Actions raised at the group's earlier meetings and not yet done or dropped, oldest first."""
    return db.session.scalars(
        select(MeetingAction).join(Meeting, Meeting.id == MeetingAction.meeting_id)
        .where(MeetingAction.group_id == meeting.group_id, MeetingAction.status.in_(ACTION_STILL_OPEN),
               Meeting.starts_at < meeting.starts_at)
        .options(selectinload(MeetingAction.owner), selectinload(MeetingAction.meeting))
        .order_by(MeetingAction.due_on.is_(None), MeetingAction.due_on, MeetingAction.id)).all()


def agenda_for(member, meeting):
    """The agenda of ``meeting`` as ``member`` may see it."""
    group = meeting.group
    may_run = can(member, "group.run", group)
    # Only the resources' slugs and titles are shown: their themes, audiences and tags are not loaded.
    bare = (lazyload(Resource.theme_rows), lazyload(Resource.audience_rows), lazyload(Resource.tag_rows))
    papers = selectinload(AgendaItem.papers)
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        .options(selectinload(AgendaItem.lead), selectinload(AgendaItem.decisions),
                 papers.selectinload(AgendaPaper.resource).options(
                     *bare, selectinload(Resource.variants).options(*bare)),
                 papers.selectinload(AgendaPaper.easy_read).options(*bare))
        .order_by(AgendaItem.position, AgendaItem.id)).all()
    start_times, at = {}, meeting.starts_at
    for item in items:
        start_times[item.id] = at
        at = at + timedelta(minutes=item.minutes_allotted) if at is not None and item.minutes_allotted else None
    minutes = db.session.get(MeetingMinutes, meeting.id)
    show_papers = may_run or (meeting.papers_sent_at is not None and can(member, "group.view", group))
    previous = previous_meeting(meeting)
    previous_minutes = db.session.get(MeetingMinutes, previous.id) if previous is not None else None
    raised = db.session.scalars(select(MeetingAction).where(MeetingAction.meeting_id == meeting.id)
                                .options(selectinload(MeetingAction.owner)).order_by(MeetingAction.id)).all()
    agenda = Agenda(meeting=meeting, items=items, start_times=start_times, show_papers=show_papers,
                    minutes=minutes, show_minutes=may_run or (minutes is not None and minutes.status == "approved"),
                    carried_actions=carried_actions(meeting), actions_raised=raised, previous=previous,
                    previous_minutes=previous_minutes, papers_due_at=papers_due_at(meeting))
    if show_papers:
        papers = [paper for item in items for paper in item.papers]
        ids = {p.resource_id for p in papers} | {p.easy_read_id for p in papers}
        ids |= {v.id for p in papers if p.resource is not None for v in p.resource.variants}
        visible = visible_resource_ids(member, ids)
        for paper in papers:
            agenda.easy_read[paper.id] = easy_read_of(paper, visible)
            if paper.resource_id is not None and paper.resource_id not in visible:
                agenda.hidden_papers.add(paper.id)  # a library paper this member may not see: not listed
    return agenda
