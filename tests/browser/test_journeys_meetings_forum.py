"""A forum meeting, as people would (issue 15 point 8): the secretary arranges it in UK time; two members say they
are coming with their access needs; on the day the chair reads the needs sheet, shows the check-in code (a member
checks in with it) and takes the register. Every page passes axe."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from copractice.extensions import db
from copractice.meetings.meeting_models import MeetingAttendance, MeetingRsvp
from copractice.meetings.models import Meeting
from copractice.members.models import Member
from copractice.timeutil import utc_to_london, utcnow
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member
from tests.meetings_factory import make_group

pytestmark = pytest.mark.browser


def log_out(page):
    page.context.clear_cookies()


def test_a_secretary_arranges_a_forum_meeting_members_answer_and_the_chair_takes_the_register(new_page, live_server,
                                                                                              app):
    with app.test_request_context():
        chair = create_member(name="Chidi Chair", email="chair@example.org")
        secretary = create_member(name="Sofia Secretary", email="secretary@example.org")
        ana = create_member(name="Ana Member", email="ana@example.org")
        ben = create_member(name="Ben Member", email="ben@example.org", access_needs=["large_print"])
        group = make_group(name="Regional public involvement forum", theme_slug=None,
                           people=[(chair, "chair", "active"), (secretary, "secretary", "active"),
                                   (ana, "member", "active"), (ben, "member", "active")])
        slug = group.slug
    day = (utc_to_london(utcnow()) + timedelta(days=10)).date()

    # The secretary arranges the meeting: date and times in UK time, a place and how to join online.
    page = new_page()
    log_in(page, live_server, "secretary@example.org")
    nav(page, "Groups")
    expect_heading(page, "Groups")
    check_a11y(page)
    page.get_by_role("link", name="Regional public involvement forum").click()
    expect_heading(page, re.compile("^Regional public involvement forum"))
    check_a11y(page)
    page.get_by_role("link", name="Arrange a meeting").click()
    expect_heading(page, re.compile("^Arrange a meeting"))
    check_a11y(page)
    page.get_by_label("Title").fill("Forum: planning next year")
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Start time (UK time)").fill("14:00")
    page.get_by_label("End time (UK time)").fill("13:00")  # a slip: the error is shown beside the field
    page.get_by_label("Place (optional)").fill("Maidstone Community Hub, ME14 1LH")
    page.get_by_label("How to join online or by phone (optional)").fill("Zoom 812 345 6789")
    page.get_by_role("button", name="Arrange the meeting").click()
    expect(page.get_by_role("alert")).to_contain_text("The end time must be after the start time.")
    check_a11y(page)
    page.get_by_label("End time (UK time)").fill("16:00")
    page.get_by_role("button", name="Arrange the meeting").click()
    expect_heading(page, re.compile("^Forum: planning next year"))
    expect_banner(page, "The meeting is saved.")
    expect(page.get_by_text("2:00pm to 4:00pm (UK time)")).to_be_visible()
    check_a11y(page)
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id).where(Meeting.title == "Forum: planning next year"))
    meeting_url = f"{live_server}/groups/{slug}/meetings/{meeting_id}"

    # Two members say whether they are coming, checking their access and support needs.
    for email, answer, needs in (("ana@example.org", "Coming", ["British Sign Language (BSL) interpreter",
                                                                 "Step-free access"]),
                                 ("ben@example.org", "Maybe", [])):
        member_page = new_page()
        log_in(member_page, live_server, email)
        member_page.goto(meeting_url)
        expect(member_page.get_by_text("Zoom 812 345 6789")).to_be_visible()  # members see how to join
        member_page.get_by_role("link", name="Tell us if you are coming").click()
        expect_heading(member_page, re.compile("^Are you coming?"))
        check_a11y(member_page)
        member_page.get_by_role("button", name="Send your answer").click()  # nothing chosen
        expect(member_page.get_by_role("alert")).to_contain_text("Choose coming, maybe or not coming.")
        check_a11y(member_page)
        member_page.get_by_label(answer, exact=True).check()
        for need in needs:
            member_page.get_by_label(need).check()
        member_page.get_by_role("button", name="Send your answer").click()
        expect_banner(member_page, f"We have you down as: {answer}.")
        check_a11y(member_page)
    with app.app_context():
        assert db.session.scalar(select(Member.access_needs).where(Member.email == "ana@example.org")) == [
            "bsl", "step_free"]
        assert {r.answer for r in db.session.scalars(select(MeetingRsvp))} == {"yes", "maybe"}
        # The day comes: the meeting starts in a few minutes.
        meeting = db.session.get(Meeting, meeting_id)
        meeting.starts_at = utcnow() - timedelta(minutes=2)
        meeting.ends_at = meeting.starts_at + timedelta(hours=2)
        db.session.commit()

    # The chair reads the needs sheet and shows the check-in code; Ben checks in with it.
    chair_page = new_page()
    log_in(chair_page, live_server, "chair@example.org")
    chair_page.goto(meeting_url)
    chair_page.get_by_role("link", name="Access and support needs").click()
    expect_heading(chair_page, re.compile("^Access and support needs"))
    expect(chair_page.get_by_role("listitem").filter(has_text="Step-free access: 1 person")).to_be_visible()
    row = chair_page.get_by_role("row").filter(has_text="Ana Member")
    expect(row).to_contain_text("British Sign Language (BSL) interpreter; Step-free access")
    expect(chair_page.get_by_role("row").filter(has_text="Ben Member")).to_contain_text("Large print")
    check_a11y(chair_page)
    chair_page.go_back()
    ben_page = new_page()
    log_in(ben_page, live_server, "ben@example.org")
    ben_page.goto(meeting_url)
    ben_page.get_by_role("link", name="Check in at the meeting").click()
    check_a11y(ben_page)
    chair_page.get_by_role("link", name="Show the check-in code").click()
    expect_heading(chair_page, re.compile("^Check in"))
    check_a11y(chair_page)
    code = re.sub(r"\D", "", chair_page.locator(".checkin__digits").inner_text())
    ben_page.get_by_label("Check-in code").fill(code)
    ben_page.get_by_role("button", name="Check in").click()
    expect_banner(ben_page, "You are checked in: Present.")

    # The chair takes the register: Ben shows as checked in; Ana is marked present, the secretary late.
    chair_page.get_by_role("link", name="Go to the register").click()
    expect_heading(chair_page, re.compile("^Register"))
    expect(chair_page.locator(f"#person-{_id(app, 'ben@example.org')}")).to_contain_text("Present (checked in)")
    check_a11y(chair_page)
    chair_page.get_by_role("button", name=re.compile(r"^Present\s*:\s*Ana Member$")).click()
    expect(chair_page.get_by_role("button", name=re.compile(r"^Present\s*:\s*Ana Member$"))).to_have_attribute(
        "aria-pressed", "true")
    chair_page.get_by_role("button", name=re.compile(r"^Late\s*:\s*Sofia Secretary$")).click()
    expect(chair_page.get_by_role("button", name=re.compile(r"^Late\s*:\s*Sofia Secretary$"))).to_have_attribute(
        "aria-pressed", "true")
    check_a11y(chair_page)
    with app.app_context():
        marks = {db.session.get(Member, a.member_id).name: (a.status, a.source)
                 for a in db.session.scalars(select(MeetingAttendance))}
    assert marks == {"Ana Member": ("present", "register"), "Ben Member": ("present", "self_checkin"),
                     "Sofia Secretary": ("late", "register")}


def _id(app, email):
    with app.app_context():
        return db.session.scalar(select(Member.id).where(Member.email == email))
