"""A mentor match accepted, in a real browser (issue 14 points 7 and 9).

Mo offers to mentor (one person at a time) in Living with Dementia. Asha asks for a mentor, first forgetting to
say what she hopes for (the error is shown beside the field), sees Mo suggested with the reason, and sends him the
request. Mo follows the link in the email he receives (from the real SMTP server) and accepts with a message.
Asha's page shows her mentor; the admin's report shows the pair. Every page visited passes axe.
"""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from copractice.community.mentoring_models import MentorOffer
from copractice.extensions import db
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in
from tests.conftest import create_member

pytestmark = pytest.mark.browser


def test_a_mentor_match_accepted(new_page, live_server, app, enable_plugin, mailbox):
    enable_plugin("dementia")
    with app.app_context():
        create_member(name="Mo Mentor", email="mo@example.org", stakeholder_type="researcher", area="kent")
        create_member(name="Asha Asker", email="asha@example.org", stakeholder_type="carer", area="kent")
        create_member(name="Ada Admin", email="admin@example.org", role="admin")

    # Mo offers to mentor one person at a time.
    mo = new_page()
    log_in(mo, live_server, "mo@example.org")
    mo.goto(live_server + "/mentoring/")
    expect_heading(mo, "Mentoring and co-production buddies")
    check_a11y(mo)
    mo.get_by_role("link", name="Offer to be a mentor").click()
    expect_heading(mo, "Offer to be a mentor")
    check_a11y(mo)
    mo.get_by_label("Living with Dementia").check()
    mo.get_by_label("How many people at once").fill("1")
    mo.get_by_label("Your experience (optional)").fill("I have sat on research panels for ten years.")
    mo.get_by_role("button", name="Offer to be a mentor").click()
    expect_heading(mo, "Mentoring and co-production buddies")
    expect_banner(mo, "Thank you. Your offer to be a mentor is saved.")
    check_a11y(mo)

    # Asha asks for a mentor; the form tells her what is missing.
    asha = new_page()
    log_in(asha, live_server, "asha@example.org")
    asha.goto(live_server + "/mentoring/")
    asha.get_by_role("link", name="Ask for a mentor").click()
    expect_heading(asha, "Ask for a mentor")
    check_a11y(asha)
    asha.get_by_label("Living with Dementia").check()
    asha.get_by_role("button", name="Save and see suggestions").click()
    expect(asha.get_by_role("alert")).to_contain_text("Say what you hope for.")
    check_a11y(asha)
    asha.get_by_label("What do you hope for?").fill("Help to prepare for my first research panel.")
    asha.get_by_role("button", name="Save and see suggestions").click()
    expect_heading(asha, "Your request for a mentor")
    card = asha.locator(".card", has=asha.get_by_role("heading", name="Mo Mentor"))
    expect(card).to_contain_text("1 theme in common, the same area (3 points)")
    expect(asha.get_by_text("Each theme you both chose counts 2 points.")).to_be_visible()
    check_a11y(asha)
    card.get_by_role("button", name="Ask Mo Mentor to be your mentor").click()
    expect_banner(asha, "Your request has been sent to Mo Mentor.")
    check_a11y(asha)

    # Mo follows the emailed link and accepts.
    link = mailbox.link("mo@example.org", "/mentoring/requests/")
    assert link.startswith(live_server)
    mo.goto(link)
    expect_heading(mo, "Asha Asker asks you to be their mentor")
    expect(mo.get_by_text("Help to prepare for my first research panel.")).to_be_visible()
    check_a11y(mo)
    mo.get_by_label("Yes, I accept").check()
    mo.get_by_label("Message (optional)").fill("Happy to help. Shall we talk on Tuesday?")
    mo.get_by_role("button", name="Send my answer").click()
    expect_banner(mo, "You are now Asha Asker's mentor. We have told them.")
    expect_heading(mo, "You and Asha Asker")
    check_a11y(mo)
    with app.app_context():
        assert db.session.scalar(select(MentorOffer.active_pairs)) == 1

    # Asha sees her mentor and his message (and had an email saying so).
    assert "Shall we talk on Tuesday?" in mailbox.body(mailbox.to("asha@example.org")[-1])
    asha.goto(live_server + "/mentoring/")
    asha.get_by_role("link", name="Mo Mentor is your mentor").click()
    expect_heading(asha, "You and Mo Mentor")
    expect(asha.get_by_text("Shall we talk on Tuesday?")).to_be_visible()
    check_a11y(asha)

    # The admin's report shows the pair.
    admin = new_page()
    log_in(admin, live_server, "admin@example.org")
    admin.goto(live_server + "/mentoring/report")
    expect_heading(admin, "Mentoring report")
    pairs = admin.get_by_role("table", name="Active pairs")
    expect(pairs.get_by_role("row").filter(has_text="Asha Asker")).to_contain_text("Mo Mentor")
    expect(admin.get_by_role("heading", name="Waiting requests (0)")).to_be_visible()
    check_a11y(admin)
