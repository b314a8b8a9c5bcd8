"""Meetings (issue 15 point 1): arranged in UK time with a place and/or joining details (members only), changed and
cancelled (the meeting-saved hook, point 7); answers with access needs and the needs sheet; the register and self
check-in (attendance's marks and codes); iCal; the attendance export, injection-safe (point 6); query budgets."""
import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from copractice.attendance import operations as attendance_ops
from copractice.errors import Refused
from copractice.extensions import db
from copractice.meetings import meetings as ops
from copractice.meetings.meeting_models import MeetingAttendance
from copractice.meetings.models import Meeting
from copractice.members.models import Member
from copractice.notifications.models import Notice, OutboxMessage
from copractice.timeutil import utcnow
from tests.conftest import create_member, post_form
from tests.meetings_factory import make_group, make_meeting
from tests.plugins import meeting_hooks
from tests.query_budget import queries_for


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["meeting_hooks=tests.plugins.meeting_hooks",
                              "meeting_hooks_raising=tests.plugins.meeting_hooks_raising"]}


def forum(app, members=1):
    """A forum with a chair (chair@example.org) and ``members`` active members; returns (group, [member ids])."""
    with app.app_context():
        chair = create_member(email="chair@example.org", name="Chaz Chair")
        people = [create_member(email=f"m{i}@example.org", name=f"Member {i:03d}") for i in range(members)]
        group = make_group(people=[(chair, "chair", "active")] + [(m, "member", "active") for m in people])
        return group.slug, group.id, [m.id for m in people]


def test_a_meeting_is_arranged_in_uk_time_through_its_form(app, client, login):
    slug, group_id, _ = forum(app)
    login(client, "chair@example.org")
    url = f"/groups/{slug}/meetings/new"
    summer = {"title": "Summer forum", "date": "2027-07-03", "start_time": "14:00", "end_time": "16:00",
              "venue": "", "joining_details": "Zoom 123 456", "papers_days_before": "7"}
    assert post_form(client, url, summer).status_code == 302
    winter = {**summer, "title": "Winter forum", "date": "2027-12-01", "start_time": "09:30", "end_time": "11:00",
              "venue": "Maidstone", "joining_details": ""}
    assert post_form(client, url, winter).status_code == 302
    with app.app_context():
        got = {m.title: (m.starts_at, m.ends_at) for m in db.session.scalars(select(Meeting))}
    assert got["Summer forum"] == (datetime(2027, 7, 3, 13, 0), datetime(2027, 7, 3, 15, 0))  # BST
    assert got["Winter forum"] == (datetime(2027, 12, 1, 9, 30), datetime(2027, 12, 1, 11, 0))  # GMT
    # Bad input: errors beside the fields, never a 500.
    for bad, message in [({"start_time": "16:00", "end_time": "15:00"}, "The end time must be after the start time."),
                         ({"venue": "", "joining_details": ""}, "Give a place, joining details, or both."),
                         ({"date": "2027-03-28", "start_time": "01:30", "end_time": "03:00"}, "does not exist"),
                         ({"date": "not a date"}, "Enter the date"), ({"papers_days_before": "-3"}, "from 0 to 60")]:
        response = post_form(client, url, {**summer, **bad})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "There is a problem" in html and message in html, bad


def test_meeting_saved_hook_is_told_of_each_change_and_a_raising_one_is_skipped(app, enable_plugin):
    enable_plugin("meeting_hooks")
    enable_plugin("meeting_hooks_raising")  # raises: skipped, the meeting is saved
    meeting_hooks.SAVED.clear()
    with app.test_request_context():
        chair = create_member()
        group = make_group(people=[(chair, "chair", "active")])
        start = utcnow() + timedelta(days=3)
        meeting = ops.save_meeting(chair, group, title="Forum", starts_at=start, ends_at=start + timedelta(hours=1),
                                   venue="Hall")
        ops.save_meeting(chair, group, meeting, title="Forum (moved)")
        ops.cancel_meeting(chair, meeting)
        db.session.commit()
        saved = list(meeting_hooks.SAVED)
        assert saved == [(meeting.id, "Forum", "planned", True), (meeting.id, "Forum (moved)", "planned", False),
                         (meeting.id, "Forum (moved)", "cancelled", False)]
        assert db.session.get(Meeting, meeting.id).status == "cancelled"


def test_only_those_who_run_the_group_arrange_and_cancel(app):
    with app.test_request_context():
        chair, member = create_member(), create_member()
        group = make_group(people=[(chair, "chair", "active"), (member, "member", "active")])
        start = utcnow() + timedelta(days=3)
        with pytest.raises(Refused, match="Only the group's chair"):
            ops.save_meeting(member, group, title="Mine", starts_at=start, ends_at=start + timedelta(hours=1),
                             venue="Hall")
        meeting = make_meeting(group)
        with pytest.raises(Refused, match="Only the group's chair"):
            ops.cancel_meeting(member, meeting)
        ops.answer(member, meeting, "yes")
        ops.save_meeting(chair, group, meeting, title="A new title")  # the time and place stay: nobody is told
        assert db.session.scalar(select(Notice.kind).where(Notice.member_id == member.id)) is None
        ops.save_meeting(chair, group, meeting, venue="Another hall")
        ops.cancel_meeting(chair, meeting)
        assert db.session.scalars(select(Notice.kind).where(Notice.member_id == member.id).order_by(
            Notice.id)).all() == ["meeting_changed", "meeting_cancelled"]
        mail = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.to_address == member.email))
        assert "Maidstone Hub" in mail and "Another hall" in mail
        with pytest.raises(Refused, match="already cancelled"):
            ops.cancel_meeting(chair, meeting)
        with pytest.raises(Refused, match="cancelled"):
            ops.answer(member, meeting, "maybe")


def test_answers_confirm_access_needs_and_the_needs_sheet_counts_them(app):
    with app.test_request_context():
        chair, ana, ben, cat = (create_member(name=n) for n in ("Chair", "Ana", "Ben", "Cat"))
        outsider = create_member()
        group = make_group(people=[(chair, "chair", "active"), (ana, "member", "active"), (ben, "member", "active"),
                                   (cat, "member", "active")])
        meeting = make_meeting(group)
        ops.answer(ana, meeting, "yes", access_needs=["bsl", "step_free", "made_up"], access_needs_note="Lift please")
        ops.answer(ben, meeting, "maybe", access_needs=["step_free"])
        ops.answer(cat, meeting, "no", access_needs=["quiet_space"])
        ops.answer(ana, meeting, "yes")  # again, needs left as they are
        with pytest.raises(Refused, match="Join the group first"):
            ops.answer(outsider, meeting, "yes")
        with pytest.raises(Refused, match="Choose coming"):
            ops.answer(ana, meeting, "perhaps")
        assert db.session.get(Member, ana.id).access_needs == ["bsl", "step_free"]
        people, counts = ops.needs_sheet(meeting)
        assert [(p.name, p.answer, p.access_needs) for p in people] == [
            ("Ana", "yes", ["bsl", "step_free"]), ("Ben", "maybe", ["step_free"])]
        assert dict(counts) == {"British Sign Language (BSL) interpreter": 1, "Step-free access": 2}
        assert ops.rsvp_counts(meeting) == {"yes": 1, "maybe": 1, "no": 1}


def test_the_register_uses_attendance_marks_and_waits_for_the_meeting(app):
    with app.test_request_context():
        chair, ana, ben = create_member(), create_member(name="Ana"), create_member(name="Ben")
        outsider = create_member()
        group = make_group(people=[(chair, "chair", "active"), (ana, "member", "active"), (ben, "member", "active")])
        later = make_meeting(group)
        with pytest.raises(Refused, match="has not started yet"):
            ops.mark(chair, later, ana.id, "present")
        ops.mark(chair, later, ana.id, "excused", remark="Sent apologies")  # apologies in advance
        with pytest.raises(Refused, match="has not started yet"):
            ops.mark(chair, later, ana.id, "present")  # not even over an apology
        now = make_meeting(group, starts_in=timedelta(minutes=-5))
        with pytest.raises(Refused, match="Only the group's chair"):
            ops.mark(ana, now, ben.id, "present")
        with pytest.raises(Refused, match="not a member"):
            ops.mark(chair, now, outsider.id, "present")
        with pytest.raises(Refused, match="Choose present"):
            ops.mark(chair, now, ana.id, "here")
        ops.mark(chair, now, ben.id, "late", remark="Bus")
        assert ops.mark_everyone_present(chair, now) == 2  # the chair and Ana; Ben stays late
        rows = {r.name: (r.status, r.remark) for r in ops.register(now)}
        assert rows["Ben"] == ("late", "Bus") and rows["Ana"] == ("present", None)
        assert ops.save_remarks(chair, now, {ana.id: "Brought cake", outsider.id: "x"}) == [outsider.id]
        assert {r.name: r.remark for r in ops.register(now)}["Ana"] == "Brought cake"


def test_self_check_in_with_the_meetings_own_code(app):
    with app.test_request_context():
        chair, ana, outsider = create_member(), create_member(), create_member()
        group = make_group(people=[(chair, "chair", "active"), (ana, "member", "active")])
        meeting = make_meeting(group, starts_in=timedelta(minutes=-20))
        now = utcnow()
        code, _ = ops.current_code(meeting, now)
        session_code = attendance_ops.checkin_code(meeting, attendance_ops._slot(now))  # a course session, same id
        assert code != session_code
        with pytest.raises(Refused, match="not right"):
            ops.check_in(ana, meeting, session_code, now)
        with pytest.raises(Refused, match="Only members"):
            ops.check_in(outsider, meeting, code, now)
        row, changed = ops.check_in(ana, meeting, f"{code[:3]} {code[3:]}", now)
        assert (row.status, row.source, changed) == ("late", "self_checkin", True)  # 20 minutes in
        assert ops.check_in(ana, meeting, code, now)[1] is False
        early = make_meeting(group, starts_in=timedelta(hours=3))
        with pytest.raises(Refused, match="opens at"):
            ops.check_in(ana, early, ops.current_code(early, now)[0], now)


def test_check_in_through_the_page(app, client, login):
    slug, group_id, (member_id,) = forum(app)
    with app.test_request_context():
        from copractice.meetings.models import Group
        meeting = make_meeting(db.session.get(Group, group_id), starts_in=timedelta(minutes=-1))
        meeting_id = meeting.id
    chair = app.test_client()
    login(chair, "chair@example.org")
    login(client, "m0@example.org")
    shown = chair.get(f"/groups/{slug}/meetings/{meeting_id}/check-in-code").get_data(as_text=True)
    code = re.search(r'checkin__digits[^>]*>(\d{3}) (\d{3})<', shown).expand(r"\1\2")
    with app.test_request_context():
        assert code in attendance_ops.accepted_codes(db.session.get(Meeting, meeting_id), utcnow(), "meeting")
    url = f"/groups/{slug}/meetings/{meeting_id}/check-in"
    assert "<svg" in shown and "QR code to check in" in shown  # the QR code leads to the form, the code filled in
    fresh = chair.get(f"/groups/{slug}/meetings/{meeting_id}/check-in-code.json").get_json()  # the screen refreshes
    assert fresh["code"].isdigit() and len(fresh["code"]) == 6 and "<svg" in fresh["svg"] and fresh["seconds_left"] > 0
    assert f'value="{code}"' in client.get(f"{url}?code={code}").get_data(as_text=True)
    response = post_form(client, url, {"code": "000000" if code != "000000" else "111111"})
    assert response.status_code == 200 and "That code is not right" in response.get_data(as_text=True)
    assert post_form(client, url, {"code": code}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(MeetingAttendance.status).where(
            MeetingAttendance.member_id == member_id)) == "present"
    register = chair.get(f"/groups/{slug}/meetings/{meeting_id}/register").get_data(as_text=True)
    assert "Present (checked in)" in register


def test_icalendar_shows_joining_details_only_to_members(app, client, login):
    slug, group_id, _ = forum(app)
    with app.app_context():
        from copractice.meetings.models import Group
        meeting = make_meeting(db.session.get(Group, group_id), venue=None, joining_details="Zoom 987 654 321")
        meeting_id = meeting.id
        create_member(email="visitor@example.org")
    login(client, "m0@example.org")
    one = client.get(f"/groups/{slug}/meetings/{meeting_id}/calendar.ics")
    assert one.mimetype == "text/calendar" and b"Zoom 987 654 321" in one.data and b"BEGIN:VEVENT" in one.data
    assert b"Zoom 987 654 321" in client.get(f"/groups/{slug}/calendar.ics").data
    # The meeting page says it only to members.
    assert "Zoom 987 654 321" in client.get(f"/groups/{slug}/meetings/{meeting_id}").get_data(as_text=True)
    with app.app_context():
        from copractice.meetings.models import Group
        db.session.get(Group, group_id).joining = "open"  # a visitor may look at an open group
        db.session.commit()
    other = app.test_client()
    login(other, "visitor@example.org")
    feed = other.get(f"/groups/{slug}/calendar.ics")
    assert feed.status_code == 200 and b"BEGIN:VEVENT" in feed.data and b"987 654" not in feed.data
    page = other.get(f"/groups/{slug}/meetings/{meeting_id}").get_data(as_text=True)
    assert "987 654" not in page and "Shown to the group's members." in page


def test_a_members_private_feed_has_their_groups_meetings_with_how_to_join(app, client, login):
    slug, group_id, (member_id,) = forum(app)
    with app.app_context():
        from copractice.meetings.models import Group, GroupMember
        group = db.session.get(Group, group_id)
        make_meeting(group, venue=None, joining_details="Teams 4242", title="Ours")
        make_meeting(group, starts_in=timedelta(days=-200), title="Long ago")  # before the feed's window
        left = make_group(people=[(db.session.get(Member, member_id), "member", "left")])
        make_meeting(left, title="Theirs no more")
        make_meeting(make_group(joining="open"), title="Not theirs")
        db.session.get(Member, member_id).calendar_token = "a-secret-calendar-token-for-m0"
        db.session.commit()
        assert db.session.scalar(select(GroupMember.status).where(GroupMember.group_id == left.id)) == "left"
    feed = app.test_client().get("/groups/calendar/a-secret-calendar-token-for-m0.ics")  # no login: the secret
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    text = feed.get_data(as_text=True)
    assert "Ours" in text and "Teams 4242" in text
    assert "Long ago" not in text and "Theirs no more" not in text and "Not theirs" not in text
    assert app.test_client().get("/groups/calendar/a-wrong-calendar-token-for-m0.ics").status_code == 404
    login(client, "m0@example.org")
    assert "/groups/calendar/a-secret-calendar-token-for-m0.ics" in client.get(f"/groups/{slug}").get_data(
        as_text=True)


def test_attendance_export_is_csv_and_xlsx_and_injection_safe(app, client, login):
    slug, group_id, (member_id,) = forum(app)
    with app.test_request_context():
        from copractice.meetings.models import Group
        group = db.session.get(Group, group_id)
        meeting = make_meeting(group, starts_in=timedelta(days=-7), title="=HYPERLINK(\"http://x\")")
        chair = db.session.scalar(select(Member).where(Member.email == "chair@example.org"))
        db.session.get(Member, member_id).name = "@SUM(1+1)"
        ops.mark(chair, meeting, member_id, "present", remark="+44 call me")
        db.session.commit()
    login(client, "chair@example.org")
    response = client.get(f"/groups/{slug}/attendance.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Meeting", "Date (UK time)", "Name", "Said they would come", "Mark", "Remark"]
    assert rows[1][0].startswith("'=") and rows[1][2] == "'@SUM(1+1)" and rows[1][4:] == ["Present", "'+44 call me"]
    response = client.get(f"/groups/{slug}/attendance.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][2] == "'@SUM(1+1)" and values[1][0].startswith("'=")
    member_client = app.test_client()
    login(member_client, "m0@example.org")
    assert member_client.get(f"/groups/{slug}/attendance.csv").status_code == 403


@pytest.mark.parametrize("path", ["", "/meetings/{meeting}"])
def test_group_and_meeting_pages_stay_within_a_budget_whatever_their_size(app, login, path):
    """The group page and the meeting page run the same number of queries for 5 and for 50 members and meetings."""
    counts = []
    for size in (5, 50):
        with app.app_context():
            chair = create_member(email=f"chair{size}@example.org")
            people = [create_member() for _ in range(size)]
            group = make_group(people=[(chair, "chair", "active")] + [(m, "member", "active") for m in people])
            meetings = [make_meeting(group, starts_in=timedelta(days=d - size // 2)) for d in range(size)]
            for m in people:
                db.session.add_all([MeetingAttendance(meeting_id=meetings[0].id, member_id=m.id, status="present")])
            db.session.commit()
            url = f"/groups/{group.slug}" + path.format(meeting=meetings[-1].id)
        client = app.test_client()
        login(client, f"chair{size}@example.org")
        client.get(url)  # warm
        status, n = queries_for(app, client, url)
        assert status == 200
        counts.append(n)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 14, counts


def test_answers_and_marks_made_at_once_leave_one_row_each(app):
    """A double-clicked answer, or a check-in racing the chair's tap, is one row, never a unique-key error."""
    from tests.concurrency_helpers import at_once

    with app.test_request_context():
        chair, ana = create_member(), create_member()
        group = make_group(people=[(chair, "chair", "active"), (ana, "member", "active")])
        meeting = make_meeting(group, starts_in=timedelta(minutes=-5))
        ids = (chair.id, ana.id, meeting.id)

    def answer():
        ops.answer(db.session.get(Member, ids[1]), db.session.get(Meeting, ids[2]), "yes")

    def mark():
        ops.mark(db.session.get(Member, ids[0]), db.session.get(Meeting, ids[2]), ids[1], "present")

    at_once(app, [answer] * 4 + [mark] * 4)
    with app.app_context():
        from copractice.meetings.meeting_models import MeetingRsvp
        assert len(db.session.scalars(select(MeetingRsvp)).all()) == 1
        assert len(db.session.scalars(select(MeetingAttendance)).all()) == 1
