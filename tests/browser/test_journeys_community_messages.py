"""A message between members, in a real browser (issue 14 points 6 and 9): Ann writes to Bea from a "Send a
message" link, the email notice reaches Bea through the real SMTP server without the text, Bea signs in, sees it
unread, replies, and reports an earlier message; an admin sees the report.

Every page visited passes axe (no serious or critical problems).
"""
import re

import pytest
from playwright.sync_api import expect

from copractice.extensions import db
from copractice.members.models import ConsentEvent
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member

pytestmark = pytest.mark.browser


def test_a_member_sends_a_message_and_the_other_reads_it_and_replies(app, new_page, live_server, mailbox):
    with app.app_context():
        ann = create_member(name="Ann Adams", email="ann@example.org")
        bea = create_member(name="Bea Brown", email="bea@example.org")
        create_member(name="Ada Admin", email="admin@example.org", role="admin")
        db.session.add(ConsentEvent(member_id=bea.id, kind="directory", granted=True))
        db.session.commit()
        bea_id = bea.id
        assert ann.id

    # Ann finds Bea by name, as from the directory's "Send a message" link (/messages/new?to=<id>).
    page = new_page()
    log_in(page, live_server, "ann@example.org")
    nav(page, "Messages")
    expect_heading(page, "Messages")
    check_a11y(page)
    page.get_by_role("link", name="Start a conversation").click()
    expect_heading(page, "Start a conversation")
    page.get_by_label("Find a member by name").fill("Bea")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Add Bea Brown")).to_be_visible()
    check_a11y(page)
    page.goto(f"{live_server}/messages/new?to={bea_id}")
    expect_heading(page, "Start a conversation")
    expect(page.get_by_role("main")).to_contain_text("Bea Brown")
    check_a11y(page)
    page.get_by_role("button", name="Send message").click()  # empty: the error is beside the box
    expect(page.get_by_role("alert")).to_contain_text("Write your message.")
    check_a11y(page)
    page.get_by_label("Your message").fill("Hello Bea, would you co-lead the carers' session in March?")
    page.get_by_role("button", name="Send message").click()
    expect_heading(page, "Conversation with Bea Brown")
    expect_banner(page, "Your message has been sent.")
    check_a11y(page)

    # The email notice arrives: who wrote and a link, never the text.
    [email] = mailbox.to("bea@example.org")
    assert email["Subject"] == "Ann Adams sent you a message"
    body = mailbox.body(email)
    assert "co-lead" not in body and "ann@example.org" not in body
    link = mailbox.link("bea@example.org", "/messages/")
    assert link.startswith(live_server + "/messages/")

    # Bea signs in and sees it unread in her messages.
    other = new_page()
    log_in(other, live_server, "bea@example.org")
    nav(other, "Messages")
    expect_heading(other, "Messages")
    expect(other.get_by_role("listitem").filter(has_text="Conversation with Ann Adams")).to_contain_text("New")
    check_a11y(other)
    other.get_by_role("link", name=re.compile(r"^Conversation with Ann Adams\s*: new messages$")).click()
    expect_heading(other, "Conversation with Ann Adams")
    expect(other.get_by_role("main")).to_contain_text("would you co-lead the carers' session in March?")
    check_a11y(other)
    other.get_by_label("Your message").fill("Yes, gladly.\nTuesday afternoons suit me best.")
    other.get_by_role("button", name="Send reply").click()
    expect_banner(other, "Your message has been sent.")
    check_a11y(other)
    other.goto(link)  # the email's link leads to the same conversation
    expect_heading(other, "Conversation with Ann Adams")

    # Ann sees the reply as new.
    nav(page, "Messages")
    expect(page.get_by_role("listitem").filter(has_text="Conversation with Bea Brown")).to_contain_text("New")
    page.get_by_role("link", name=re.compile(r"^Conversation with Bea Brown\s*: new messages$")).click()
    expect(page.get_by_role("main")).to_contain_text("Tuesday afternoons suit me best.")

    # Bea reports Ann's message; an admin sees the report.
    other.get_by_role("link", name="Report this message from Ann Adams").click()
    expect_heading(other, "Report a message")
    check_a11y(other)
    other.get_by_role("button", name="Send report").click()
    expect(other.get_by_role("alert")).to_contain_text("Choose why you are reporting this message.")
    check_a11y(other)
    other.get_by_label("It is unkind, rude or bullying").check()
    other.get_by_role("button", name="Send report").click()
    expect_banner(other, "The site's admins have been told")
    other.goto(live_server + "/messages/blocked")
    expect_heading(other, "People you have blocked")
    check_a11y(other)

    admin = new_page()
    log_in(admin, live_server, "admin@example.org")
    admin.goto(mailbox.link("admin@example.org", "/messages/reports"))
    expect_heading(admin, "Reported messages")
    expect(admin.get_by_role("row").filter(has_text="Ann Adams")).to_contain_text("It is unkind, rude or bullying")
    check_a11y(admin)
    admin.get_by_role("button", name="Mark as dealt with").click()
    expect_banner(admin, "The report is marked as dealt with.")
    check_a11y(admin)
