"""Finding the community's tools from the community home page (review of issue 14): a moderator follows the link
to the moderation queue, a member to mentoring, and an admin from the dashboard to reported messages. Every page
visited passes axe (no serious or critical problems)."""
import pytest

from copractice.community.models import Space, SpaceRole
from copractice.extensions import db
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_heading, log_in
from tests.conftest import create_member

pytestmark = pytest.mark.browser


def test_a_moderator_and_an_admin_find_their_tools_from_the_menus(app, page, new_page, live_server):
    with app.app_context():
        space = Space(slug="carers-forum", name="Carers' forum", visibility="members")
        db.session.add(space)
        db.session.flush()
        moderator = create_member(name="Mo Moderator")
        db.session.add(SpaceRole(space_id=space.id, member_id=moderator.id, role="moderator"))
        admin = create_member(name="Ada Admin", role="admin")
        db.session.commit()
        moderator_email, admin_email = moderator.email, admin.email

    log_in(page, live_server, moderator_email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Community").click()
    expect_heading(page, "Community")
    check_a11y(page)
    page.get_by_role("link", name="Moderation", exact=True).click()
    expect_heading(page, "Moderating spaces")
    page.go_back()
    page.get_by_role("link", name="Mentoring and co-production buddies").click()
    expect_heading(page, "Mentoring and co-production buddies")

    other = new_page()
    log_in(other, live_server, admin_email)
    other.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect_heading(other, "Admin")
    check_a11y(other)
    other.get_by_role("link", name="Reported messages").click()
    expect_heading(other, "Reported messages")
