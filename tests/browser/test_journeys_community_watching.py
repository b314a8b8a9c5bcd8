"""A member watches a space and receives the digest from the real SMTP server (issue 14 point 9), in a real browser:
she sets the space to Watching with a daily digest, another member posts, the digest job runs, the email arrives
(subject, text, link, List-Unsubscribe), and she stops community email with the one-click link, not signed in.

Every page visited passes axe (no serious or critical problems).
"""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from copractice.community import watching
from copractice.community.models import Space
from copractice.extensions import db
from copractice.jobs import jobs_for
from copractice.members.models import Member
from copractice.timeutil import utcnow
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in
from tests.conftest import create_member
from tests.test_community_watching import make_space, start_topic

pytestmark = pytest.mark.browser


def test_a_member_watches_a_space_and_receives_the_daily_digest(app, page, new_page, live_server, mailbox):
    app.config["COMMUNITY_DIGEST_HOUR"] = 0  # the daily digest is due whenever the test runs
    with app.app_context():
        ruth = create_member(name="Ruth Carer")
        asha = create_member(name="Asha Researcher")
        space = make_space(name="Regional forum")
        ruth_id, ruth_email, asha_id, space_id = ruth.id, ruth.email, asha.id, space.id

    log_in(page, live_server, ruth_email)
    page.goto(live_server + "/account/notifications")
    expect_heading(page, "Choose which emails you get")
    check_a11y(page)
    page.get_by_role("link", name="choose when community emails come").click()
    expect_heading(page, "Community emails and watching")
    check_a11y(page)
    page.get_by_label("One email a day at most, with everything new (a daily digest)").check()
    page.get_by_role("button", name="Save my email choice").click()
    expect_banner(page, "Your community email choice is saved.")
    page.get_by_label("Regional forum").select_option(label="Watching: tell me about every new post")
    page.locator("form").filter(has=page.get_by_label("Regional forum")).get_by_role("button", name="Save").click()
    expect_banner(page, "Saved: you are now Watching for this space.")
    expect(page.get_by_label("Regional forum")).to_have_value("watching")
    check_a11y(page)

    # Another member starts a topic; its edit window is over when the digest job runs.
    with app.test_request_context():
        topic, _post = start_topic(db.session.get(Space, space_id), db.session.get(Member, asha_id),
                                   "Who would like to help plan the carers' evening in March?",
                                   title="Carers' evening", at=utcnow() - timedelta(minutes=15))
        topic_id = topic.id
    jobs = jobs_for(app)
    jobs.huey  # noqa: B018  (defines the tasks)
    assert jobs.tasks["community_digests"].call_local() == 1  # the job as the worker runs it
    assert jobs.tasks["community_digests"].call_local() == 0  # a second run sends nothing

    received = mailbox.to(ruth_email)
    assert len(received) == 1
    digest = received[0]
    assert digest["Subject"] == "Your daily community digest: 1 new post"
    body = mailbox.body(digest)
    assert "Regional forum: Carers' evening" in body
    assert "Who would like to help plan the carers' evening in March?" in body
    assert f"{live_server}/community/topics/{topic_id}#post-1" in body
    link = mailbox.link(ruth_email, "/community/unsubscribe/")
    assert link.startswith(live_server + "/community/unsubscribe/")
    assert digest["List-Unsubscribe"] == f"<{link}>"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # She follows the link from her email program: not signed in there.
    elsewhere = new_page()
    elsewhere.goto(link)
    expect_heading(elsewhere, "Stop community emails")
    check_a11y(elsewhere)
    elsewhere.get_by_role("button", name="Stop community emails").click()
    expect_heading(elsewhere, "Community emails stopped")
    check_a11y(elsewhere)
    with app.app_context():
        assert watching.delivery(db.session.get(Member, ruth_id)) == "none"

    # Back on the site, her settings say so.
    page.goto(live_server + "/community/watch/settings")
    expect(page.get_by_label("No community emails (notices on the site only)")).to_be_checked()
    check_a11y(page)
