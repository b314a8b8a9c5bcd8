"""A forum meeting's agenda, papers, minutes and an action carried to the next meeting, in a real browser (issue 15
points 2, 3, 4 and 8).

The regional forum and its next two meetings exist (made through the services). Sam, its secretary, adds two
agenda items (first forgetting the title: the error is shown beside the field), attaches the annual report from the
library (its Easy Read version is linked by itself) and uploads the terms of reference, sends the papers, and
writes the minutes of the report item with a decision and an action for Mia. Mia sees the papers but not the draft
minutes; on the next meeting's agenda she finds her action under "Actions from last time" and marks it done. At
the next meeting Chris, the chair, approves the minutes, and Mia can read them. Sam adds a line to the public
"you said, we did" log, which a visitor reads. Every page visited passes axe.
"""
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from copractice.extensions import db
from copractice.meetings.agenda_models import MeetingAction
from copractice.meetings.models import Group, GroupMember, Meeting
from copractice.testing import create_resource
from copractice.timeutil import utcnow
from tests import library_files as files
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, log_in
from tests.conftest import create_member

pytestmark = pytest.mark.browser


def h1(page, text):
    expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def test_a_forum_meeting_from_agenda_to_approved_minutes(new_page, live_server, app, tmp_path):
    with app.test_request_context():
        sam = create_member(name="Sam Secretary", email="sam@example.org")
        chris = create_member(name="Chris Chair", email="chris@example.org")
        mia = create_member(name="Mia Member", email="mia@example.org")
        forum = Group(slug="regional-forum", name="Regional involvement forum", kind="forum", joining="invite")
        db.session.add(forum)
        db.session.flush()
        for person, role in ((sam, "secretary"), (chris, "chair"), (mia, "member")):
            db.session.add(GroupMember(group_id=forum.id, member_id=person.id, role=role, status="active"))
        start = utcnow().replace(second=0, microsecond=0) + timedelta(days=10)
        first = Meeting(group_id=forum.id, title="December forum", starts_at=start, ends_at=start + timedelta(hours=2))
        second = Meeting(group_id=forum.id, title="January forum", starts_at=start + timedelta(days=35),
                         ends_at=start + timedelta(days=35, hours=2))
        db.session.add_all([first, second])
        db.session.commit()
        report = create_resource(title="Annual involvement report")
        create_resource(title="Annual involvement report (Easy Read)", variant_of_id=report.id,
                        variant_kind="easy_read")
        first_url = f"{live_server}/groups/regional-forum/meetings/{first.id}/agenda"
        second_url = f"{live_server}/groups/regional-forum/meetings/{second.id}/agenda"
        due = (start + timedelta(days=14)).date().isoformat()
    terms = tmp_path / "terms-of-reference.pdf"
    terms.write_bytes(files.pdf("Terms of reference of the forum"))

    # Sam sets up the agenda.
    page = new_page()
    log_in(page, live_server, "sam@example.org")
    page.goto(first_url)
    h1(page, "December forum")
    check_a11y(page)
    page.get_by_role("link", name="Add an agenda item").click()
    h1(page, "Add an agenda item")
    check_a11y(page)
    page.get_by_role("button", name="Save the item").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the item's title.")
    check_a11y(page)
    page.get_by_label("Title").fill("Welcome and introductions")
    page.get_by_label("Who leads it (optional)").select_option(label="Chris Chair")
    page.get_by_label("Minutes for this item (optional)").fill("10")
    page.get_by_role("button", name="Save the item").click()
    expect_banner(page, "Item added to the agenda.")
    page.get_by_role("link", name="Add an agenda item").click()
    page.get_by_label("Title").fill("Annual report")
    page.get_by_label("Minutes for this item (optional)").fill("30")
    page.get_by_role("button", name="Save the item").click()
    expect_banner(page, "Item added to the agenda.")
    expect(page.get_by_text("From")).to_have_count(2)
    check_a11y(page)

    # Two papers: one from the library, one uploaded.
    page.get_by_role("link", name="Add a paper to Annual report").click()
    h1(page, "Add a paper")
    check_a11y(page)
    page.get_by_label("A resource from the library").select_option(label="Annual involvement report")
    page.get_by_role("button", name="Add the paper").click()
    expect_banner(page, "Paper added.")
    page.get_by_role("link", name="Add a paper to Annual report").click()
    page.get_by_label("Title of the paper (optional)").fill("Terms of reference")
    page.get_by_label("Or upload a file").set_input_files(str(terms))
    page.get_by_role("button", name="Add the paper").click()
    expect_banner(page, "Paper added.")
    item = page.locator("li.agenda__item", has=page.get_by_role("heading", name="Annual report"))
    expect(item.get_by_role("link", name="Annual involvement report", exact=True)).to_be_visible()
    expect(item.get_by_role("link", name="Easy Read version of Annual involvement report")).to_be_visible()
    expect(item.get_by_role("link", name="Terms of reference")).to_be_visible()
    check_a11y(page)
    page.get_by_role("button", name="Send the agenda and papers now").click()
    expect_banner(page, "The agenda and papers were sent to the group's members.")

    # Minutes of the report item, with a decision and an action for Mia.
    page.get_by_role("link", name="Write minutes of Annual report").click()
    h1(page, "Minutes")
    check_a11y(page)
    page.get_by_label("Minutes", exact=True).fill("The forum went through the annual report page by page.")
    page.get_by_label("A decision made (optional)").fill("The report is agreed, with the changes asked for.")
    page.get_by_label("An action agreed (optional)").fill("Share the report with the carers' group")
    page.get_by_label("Who will do it").select_option(label="Mia Member")
    page.get_by_label("Due by (optional)").fill(due)
    page.get_by_role("button", name="Save the minutes").click()
    expect_banner(page, "Minutes saved.")
    check_a11y(page)

    # Mia sees the papers, not the draft minutes; her action is on the next agenda and she marks it done.
    mia_page = new_page()
    log_in(mia_page, live_server, "mia@example.org")
    mia_page.goto(first_url)
    h1(mia_page, "December forum")
    expect(mia_page.get_by_role("link", name="Terms of reference")).to_be_visible()
    expect(mia_page.get_by_text("page by page")).to_have_count(0)
    expect(mia_page.get_by_text("The minutes are shown here once they are approved")).to_be_visible()
    check_a11y(mia_page)
    mia_page.goto(second_url)
    h1(mia_page, "January forum")
    carried = mia_page.locator("#action-" + str(action_id(app)))
    expect(carried).to_contain_text("Share the report with the carers' group")
    check_a11y(mia_page)
    carried.get_by_role("button", name="Mark done").click()
    expect_banner(mia_page, "Action marked done.")
    expect(mia_page.get_by_role("heading", name="Actions from last time")).to_have_count(0)
    check_a11y(mia_page)
    mia_page.goto(f"{live_server}/groups/regional-forum/actions")
    h1(mia_page, "Actions")
    expect(mia_page.locator(f"#action-{action_id(app)}")).to_contain_text("Done")
    check_a11y(mia_page)

    # At the January meeting Chris approves December's minutes; then Mia reads them.
    chair = new_page()
    log_in(chair, live_server, "chris@example.org")
    chair.goto(second_url)
    check_a11y(chair)
    chair.get_by_role("button", name="Approve the minutes of the last meeting").click()
    expect_banner(chair, "Minutes approved. The group's members can now read them.")
    check_a11y(chair)
    mia_page.goto(first_url)
    expect(mia_page.get_by_text("The forum went through the annual report page by page.")).to_be_visible()
    expect(mia_page.get_by_text("The report is agreed, with the changes asked for.")).to_be_visible()
    check_a11y(mia_page)

    # "You said, we did": Sam writes a line; a visitor reads it.
    page.goto(f"{live_server}/groups/regional-forum/you-said-we-did")
    h1(page, "You said, we did")
    check_a11y(page)
    page.get_by_role("link", name="Add to the log").click()
    check_a11y(page)
    page.get_by_label("You said").fill("The report was too long to read before the meeting.")
    page.get_by_label("We did").fill("We now send a two-page summary and an Easy Read version.")
    page.get_by_label("Meeting where it was raised (optional)").select_option(index=2)
    page.get_by_role("button", name="Add to the log").click()
    expect_banner(page, "Added to the log.")
    visitor = new_page()
    visitor.goto(f"{live_server}/groups/regional-forum/you-said-we-did")
    expect(visitor.get_by_text("We now send a two-page summary")).to_be_visible()
    expect(visitor.get_by_text("Raised at December forum")).to_be_visible()
    check_a11y(visitor)


def action_id(app):
    with app.app_context():
        return db.session.scalar(select(MeetingAction.id).where(
            MeetingAction.description == "Share the report with the carers' group"))
