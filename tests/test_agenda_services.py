"""Agenda and papers, minutes, decisions and actions, "you said, we did" (issue 15 points 2-4): the rules, called
directly, and the pages that show them."""
import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from copractice.errors import Refused
from copractice.extensions import db
from copractice.library.uploads import UploadRefused, check_upload
from copractice.meetings import agenda as ops
from copractice.meetings import log as said
from copractice.meetings import minutes as mins
from copractice.meetings.agenda_models import AgendaItem, MeetingAction
from copractice.meetings.models import Group, GroupMember, Meeting
from copractice.members.models import Member
from copractice.notifications.models import Notice, OutboxMessage
from copractice.testing import log_in
from copractice.timeutil import utcnow
from tests import library_files as files
from tests.conftest import create_member, post_form
from tests.plugins import agenda_actions_plugin
from tests.test_library import Upload, add

_n = iter(range(1, 1_000_000))


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["agenda_actions=tests.plugins.agenda_actions_plugin",
                              "agenda_raising=tests.plugins.agenda_raising_plugin"]}


def make_forum(*, members=2, theme_slug=None, meetings=2, first_in=timedelta(days=3)):
    """A forum group with a secretary, a chair and ``members`` members, and ``meetings`` meetings a month apart.
    Inside an app context; returns a namespace of ids."""
    n = next(_n)
    group = Group(slug=f"forum-{n}", name=f"Regional forum {n}", kind="forum", theme_slug=theme_slug,
                  joining="invite")
    db.session.add(group)
    db.session.flush()
    secretary = create_member(name=f"Sam Secretary {n}")
    chair = create_member(name=f"Chris Chair {n}")
    people = [create_member(name=f"Member {n}-{i}") for i in range(members)]
    db.session.add(GroupMember(group_id=group.id, member_id=secretary.id, role="secretary", status="active"))
    db.session.add(GroupMember(group_id=group.id, member_id=chair.id, role="chair", status="active"))
    for person in people:
        db.session.add(GroupMember(group_id=group.id, member_id=person.id, role="member", status="active"))
    start = utcnow().replace(microsecond=0, second=0) + first_in
    made = []
    for i in range(meetings):
        at = start + timedelta(days=28 * i)
        meeting = Meeting(group_id=group.id, title=f"Forum meeting {i + 1}", starts_at=at,
                          ends_at=at + timedelta(hours=2), venue="Town hall", papers_days_before=7)
        db.session.add(meeting)
        made.append(meeting)
    db.session.commit()

    class Forum:
        pass

    forum = Forum()
    forum.group_id, forum.slug = group.id, group.slug
    forum.secretary, forum.chair, forum.members = secretary.id, chair.id, [p.id for p in people]
    forum.meetings = [m.id for m in made]
    return forum


def get(model, ident):
    return db.session.get(model, ident)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


# -- agenda items ----------------------------------------------------------------------------------------------

def test_items_are_added_in_order_with_a_lead_from_the_group_and_start_times(ctx):
    forum = make_forum()
    secretary, meeting = get(Member, forum.secretary), get(Meeting, forum.meetings[0])
    first = ops.add_item(secretary, meeting, title="Welcome", lead_id=forum.chair, minutes_allotted=10)
    second = ops.add_item(secretary, meeting, title="Papers", lead_id=forum.members[0], minutes_allotted=30)
    third = ops.add_item(secretary, meeting, title="Any other business")
    agenda = ops.agenda_for(secretary, meeting)
    assert [i.title for i in agenda.items] == ["Welcome", "Papers", "Any other business"]
    assert agenda.start_times[first.id] == meeting.starts_at
    assert agenda.start_times[second.id] == meeting.starts_at + timedelta(minutes=10)
    assert agenda.start_times[third.id] == meeting.starts_at + timedelta(minutes=40)
    ops.move_item_up(secretary, third)
    assert [i.title for i in ops.agenda_for(secretary, meeting).items] == ["Welcome", "Any other business", "Papers"]
    outsider = create_member()
    with pytest.raises(Refused, match="member of the group"):
        ops.add_item(secretary, meeting, title="x", lead_id=outsider.id)
    with pytest.raises(Refused, match="chairs, secretary"):
        ops.add_item(get(Member, forum.members[0]), meeting, title="Mine")
    with pytest.raises(Refused, match="minutes"):
        ops.add_item(secretary, meeting, title="Long", minutes_allotted=0)


# -- papers ----------------------------------------------------------------------------------------------------

def test_papers_from_the_library_respect_visibility_and_uploads_are_checked_by_content(ctx):
    forum = make_forum()
    secretary, meeting = get(Member, forum.secretary), get(Meeting, forum.meetings[0])
    item = ops.add_item(secretary, meeting, title="Papers")
    public = add(title="Public guide")
    draft = add(title="Draft guide", status="draft")
    paper = ops.attach_library_paper(secretary, item, public)
    assert paper.title == "Public guide" and paper.resource_id == public.id
    with pytest.raises(Refused, match="library"):
        ops.attach_library_paper(secretary, item, draft)  # the secretary may not see a draft
    assert draft.id not in {row.id for row in ops.library_choices(secretary)}
    upload = check_upload(Upload(files.pdf("Terms of reference"), "terms.pdf"))
    uploaded = ops.upload_paper(secretary, item, upload, title="Terms of reference")
    assert uploaded.storage_key and uploaded.content_type == "application/pdf"
    with pytest.raises(UploadRefused):
        check_upload(Upload(b"<html><script>alert(1)</script></html>", "paper.pdf"))


def test_papers_are_seen_only_by_those_who_run_the_group_until_sent_then_by_members(ctx):
    forum = make_forum()
    secretary, member = get(Member, forum.secretary), get(Member, forum.members[0])
    meeting = get(Meeting, forum.meetings[0])
    item = ops.add_item(secretary, meeting, title="Papers")
    paper = ops.upload_paper(secretary, item, check_upload(Upload(files.pdf(), "p.pdf")), title="P")
    db.session.commit()
    assert ops.agenda_for(secretary, meeting).show_papers and ops.may_download(secretary, paper)
    assert not ops.agenda_for(member, meeting).show_papers and not ops.may_download(member, paper)
    assert ops.publish_papers(meeting, actor=secretary) is True
    assert ops.agenda_for(member, meeting).show_papers and ops.may_download(member, paper)
    assert not ops.may_download(create_member(), paper)  # not in the group


def test_the_papers_job_sends_once_to_active_members_when_due(ctx):
    forum = make_forum(first_in=timedelta(days=10))  # papers 7 days before: due in 3 days
    meeting_id = forum.meetings[0]
    db.session.add(GroupMember(group_id=forum.group_id, member_id=create_member().id, status="invited"))
    db.session.commit()
    assert ops.send_due_papers() == 0
    later = utcnow() + timedelta(days=3, minutes=1)
    assert ops.send_due_papers(now=later) == 1
    db.session.commit()
    assert ops.send_due_papers(now=later) == 0  # once
    assert get(Meeting, meeting_id).papers_sent_at is not None
    told = db.session.scalars(select(Notice.member_id).where(Notice.kind == "meeting_papers")).all()
    assert sorted(told) == sorted([forum.secretary, forum.chair, *forum.members])  # not the invited one
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "meeting_papers").limit(1))
    assert f"/groups/{forum.slug}/meetings/{meeting_id}/agenda" in mail.body and mail.body.count("http://") >= 1


def test_the_command_sends_due_papers_and_reminders(app, runner):
    with app.test_request_context():
        forum = make_forum(first_in=timedelta(days=2))
    result = runner.invoke(args=["meeting-mail"])
    assert result.exit_code == 0 and "papers were sent 1" in result.output
    with app.app_context():
        assert get(Meeting, forum.meetings[0]).papers_sent_at is not None


def test_easy_read_versions_link_like_library_variants(ctx):
    forum = make_forum()
    secretary, member = get(Member, forum.secretary), get(Member, forum.members[0])
    meeting = get(Meeting, forum.meetings[0])
    item = ops.add_item(secretary, meeting, title="Papers")
    original = add(title="Annual report")
    easy = add(title="Annual report, Easy Read", variant_of_id=original.id, variant_kind="easy_read")
    separate = add(title="Terms, Easy Read", variant_kind="easy_read")
    from_library = ops.attach_library_paper(secretary, item, original)
    uploaded = ops.upload_paper(secretary, item, check_upload(Upload(files.pdf(), "t.pdf")), title="Terms",
                                easy_read_id=separate.id)
    ops.publish_papers(meeting, actor=secretary)
    db.session.commit()
    agenda = ops.agenda_for(member, meeting)
    assert agenda.easy_read[from_library.id].id == easy.id
    assert agenda.easy_read[uploaded.id].id == separate.id


# -- minutes, decisions, actions -------------------------------------------------------------------------------

def test_minutes_are_a_draft_until_approved_at_the_next_meeting(ctx):
    forum = make_forum(meetings=3)
    secretary, member = get(Member, forum.secretary), get(Member, forum.members[0])
    first, second, third = (get(Meeting, i) for i in forum.meetings)
    item = ops.add_item(secretary, first, title="Budget")
    mins.save_minutes(secretary, item, "We talked about the budget.")
    mins.add_decision(secretary, item, "Pay members for their time.")
    db.session.commit()
    assert ops.agenda_for(secretary, first).show_minutes
    assert not ops.agenda_for(member, first).show_minutes
    with pytest.raises(Refused, match="next meeting"):
        mins.approve_minutes(secretary, first, third)
    with pytest.raises(Refused, match="chairs, secretary"):
        mins.approve_minutes(member, first, second)
    assert ops.agenda_for(secretary, second).may_approve_previous
    mins.approve_minutes(get(Member, forum.chair), first, second)
    db.session.commit()
    shown = ops.agenda_for(member, first)
    assert shown.show_minutes and shown.minutes.approved_at_meeting_id == second.id
    assert [d.text for d in shown.items[0].decisions] == ["Pay members for their time."]
    with pytest.raises(Refused, match="approved"):
        mins.save_minutes(secretary, item, "Changed later")


def test_open_actions_are_carried_to_later_agendas_until_done_and_owners_mark_them_done(ctx):
    forum = make_forum(meetings=3)
    secretary = get(Member, forum.secretary)
    owner, other = get(Member, forum.members[0]), get(Member, forum.members[1])
    first, second, third = (get(Meeting, i) for i in forum.meetings)
    item = ops.add_item(secretary, first, title="Outreach")
    action = mins.add_action(secretary, item, description="Write to the library", owner_id=owner.id,
                             due_on=first.starts_at.date() + timedelta(days=14))
    dropped = mins.add_action(secretary, item, description="Old idea", owner_id=other.id)
    with pytest.raises(Refused, match="member of the group"):
        mins.add_action(secretary, item, description="x", owner_id=create_member().id)
    db.session.commit()
    assert ops.agenda_for(secretary, first).carried_actions == []
    assert {a.id for a in ops.agenda_for(other, second).carried_actions} == {action.id, dropped.id}
    mins.set_action_status(owner, action, "in_progress")
    assert [a.id for a in ops.agenda_for(other, third).carried_actions] == [action.id, dropped.id]
    with pytest.raises(Refused):
        mins.set_action_status(other, action, "done")  # not theirs
    with pytest.raises(Refused, match="drop"):
        mins.set_action_status(owner, action, "dropped")  # owners mark done; the chair drops
    mins.set_action_status(owner, action, "done")
    mins.set_action_status(secretary, dropped, "dropped")
    db.session.commit()
    assert ops.agenda_for(other, third).carried_actions == []
    assert action.done_at is not None


def test_action_changed_hook_hears_creation_and_each_change_and_a_raising_plugin_is_skipped(ctx, enable_plugin):
    enable_plugin("agenda_actions")
    enable_plugin("agenda_raising")
    agenda_actions_plugin.CHANGES.clear()
    forum = make_forum()
    secretary, owner = get(Member, forum.secretary), get(Member, forum.members[0])
    item = ops.add_item(secretary, get(Meeting, forum.meetings[0]), title="Outreach")
    action = mins.add_action(secretary, item, description="Call the council", owner_id=owner.id)
    mins.set_action_status(owner, action, "done")
    mins.set_action_status(owner, action, "done")  # no change: not told
    assert [(action.id, None, "open"), (action.id, "open", "done")] == agenda_actions_plugin.CHANGES


def test_owners_are_reminded_once_before_the_due_date(ctx):
    forum = make_forum(first_in=timedelta(hours=2))
    secretary, owner = get(Member, forum.secretary), get(Member, forum.members[0])
    meeting = get(Meeting, forum.meetings[0])
    item = ops.add_item(secretary, meeting, title="Outreach")
    today = utcnow().date()
    soon = mins.add_action(secretary, item, description="Book the room", owner_id=owner.id,
                           due_on=meeting.starts_at.date() + timedelta(days=1))
    mins.add_action(secretary, item, description="Later", owner_id=owner.id, due_on=today + timedelta(days=30))
    done = mins.add_action(secretary, item, description="Done", owner_id=owner.id, due_on=soon.due_on)
    mins.set_action_status(owner, done, "done")
    db.session.commit()
    assert mins.send_action_reminders() == 1
    db.session.commit()
    assert mins.send_action_reminders() == 0
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "action_reminder"))
    assert "Book the room" in mail.body and f"/groups/{forum.slug}/actions" in mail.body
    assert mail.to_address == owner.email


# -- "you said, we did" ------------------------------------------------------------------------------------------

def test_the_log_is_written_by_those_who_run_the_group_and_read_by_anyone(ctx, client):
    forum = make_forum()
    other = make_forum()
    secretary, member = get(Member, forum.secretary), get(Member, forum.members[0])
    group = get(Group, forum.group_id)
    entry = said.add_entry(secretary, group, you_said="The room was hard to reach by bus.",
                           we_did="We moved to the library by the bus station.", meeting_id=forum.meetings[0])
    with pytest.raises(Refused, match="meetings"):
        said.add_entry(secretary, group, you_said="a", we_did="b", meeting_id=other.meetings[0])
    with pytest.raises(Refused, match="chairs, secretary"):
        said.add_entry(member, group, you_said="a", we_did="b")
    db.session.commit()
    rows = said.impact_entries(group=group)
    assert [(r.id, r.meeting_title, r.group_slug) for r in rows] == [(entry.id, "Forum meeting 1", forum.slug)]
    assert said.impact_entries(theme_slug="no-such-theme") == []
    page = client.get(f"/groups/{forum.slug}/you-said-we-did")  # a visitor
    assert page.status_code == 200 and "hard to reach by bus" in page.get_data(as_text=True)


# -- exports -------------------------------------------------------------------------------------------------------

def test_action_log_exports_are_injection_safe(app, client):
    with app.test_request_context():
        forum = make_forum()
        secretary = get(Member, forum.secretary)
        item = ops.add_item(secretary, get(Meeting, forum.meetings[0]), title="Risky")
        mins.add_action(secretary, item, description='=HYPERLINK("http://evil.example","x")',
                        owner_id=forum.members[0])
        db.session.commit()
        email = secretary.email
    log_in(client, email)
    response = client.get(f"/groups/{forum.slug}/actions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == mins.ACTION_LOG_HEADERS and rows[1][2].startswith("'=HYPERLINK")
    book = load_workbook(io.BytesIO(client.get(f"/groups/{forum.slug}/actions.xlsx").data))
    cells = [c.value for c in next(iter(book.active.iter_rows(min_row=2, max_row=2)))]
    assert cells[2].startswith("'=HYPERLINK") and cells[5] == "Open"


# -- pages ----------------------------------------------------------------------------------------------------------

def test_bad_input_is_shown_beside_the_fields_not_a_500(app, client):
    with app.test_request_context():
        forum = make_forum()
        email = get(Member, forum.secretary).email
        item = ops.add_item(get(Member, forum.secretary), get(Meeting, forum.meetings[0]), title="Item")
        db.session.commit()
        item_id = item.id
    log_in(client, email)
    base = f"/groups/{forum.slug}/meetings/{forum.meetings[0]}"
    cases = [
        (f"{base}/agenda/new", {"title": "", "minutes_allotted": "ten"}, "Enter the item&#39;s title."),
        (f"{base}/agenda/new", {"title": "x", "lead_id": "999999"}, "Not a valid choice"),
        (f"{base}/agenda/{item_id}/papers/new", {"resource_id": ""}, "Choose a resource from the library or upload"),
        (f"{base}/agenda/{item_id}/minutes", {"action": "Do it", "owner_id": ""}, "Choose who will do the action."),
        (f"{base}/agenda/{item_id}/minutes", {"due_on": "31 2 2026"}, "Not a valid date"),
        (f"/groups/{forum.slug}/you-said-we-did/new", {"you_said": "", "we_did": ""}, "Write what members said."),
    ]
    for url, data, message in cases:
        response = post_form(client, url, data)
        assert response.status_code == 200, url
        assert message in response.get_data(as_text=True) and "There is a problem" in response.get_data(as_text=True)
    upload = post_form(client, f"{base}/agenda/{item_id}/papers/new",
                       {"file": (io.BytesIO(b"<svg onload=alert(1)>"), "paper.pdf")},
                       content_type="multipart/form-data")
    assert upload.status_code == 200 and "not a type we accept" in upload.get_data(as_text=True)
    assert db_count(app, AgendaItem) == 1


def db_count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_seams_show_the_agenda_and_open_actions(app):
    with app.test_request_context():
        forum = make_forum()
        secretary = get(Member, forum.secretary)
        meeting, group = get(Meeting, forum.meetings[0]), get(Group, forum.group_id)
        item = ops.add_item(secretary, meeting, title="Welcome and introductions")
        mins.add_action(secretary, item, description="Send the survey", owner_id=forum.members[0])
        db.session.commit()
        from flask import render_template
        from flask_login import login_user

        login_user(secretary)
        shown = render_template("meetings/_meeting_agenda.html", meeting=meeting, group=group, may_run=True)
        work = render_template("meetings/_group_work.html", group=group, may_run=True)
    assert "Welcome and introductions" in shown and f"/meetings/{meeting.id}/agenda" in shown
    assert "Send the survey" in work and f"/groups/{forum.slug}/you-said-we-did" in work
    assert MeetingAction.__tablename__ == "meeting_action"


def test_the_worker_runs_the_papers_and_reminder_jobs_in_their_own_unit_of_work(app):
    from copractice.jobs import jobs_for

    with app.test_request_context():
        forum = make_forum(first_in=timedelta(days=2))  # papers were due 5 days ago
        secretary = get(Member, forum.secretary)
        item = ops.add_item(secretary, get(Meeting, forum.meetings[0]), title="Outreach")
        mins.add_action(secretary, item, description="Ring the council", owner_id=forum.members[0],
                        due_on=utcnow().date() + timedelta(days=2))
        db.session.commit()
    jobs = jobs_for(app)
    jobs.huey  # noqa: B018  (defines the tasks)
    jobs.tasks["send_meeting_papers"].call_local()
    jobs.tasks["remind_action_owners"].call_local()
    with app.app_context():
        assert get(Meeting, forum.meetings[0]).papers_sent_at is not None  # committed by the job
        kinds = db.session.scalars(select(OutboxMessage.kind)).all()
        assert kinds.count("meeting_papers") == 4 and kinds.count("action_reminder") == 1


def test_a_refused_action_leaves_the_items_minutes_and_decisions_as_they_were(ctx):
    forum = make_forum()
    secretary = get(Member, forum.secretary)
    meeting = get(Meeting, forum.meetings[0])
    item = ops.add_item(secretary, meeting, title="Outreach")
    with pytest.raises(Refused, match="due date"):
        mins.write_item_minutes(secretary, item, minutes="Talked", decision="Go ahead", action="Ring them",
                                owner_id=forum.members[0], due_on=meeting.starts_at.date() - timedelta(days=1))
    assert item.minutes == "" and item.decisions == [] and mins.minutes_of(meeting) is None
    mins.write_item_minutes(secretary, item, minutes="Talked", decision="Go ahead", action="Ring them",
                            owner_id=forum.members[0])
    assert item.minutes == "Talked" and [d.text for d in item.decisions] == ["Go ahead"]
