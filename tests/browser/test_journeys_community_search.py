"""Community search in a real browser: a carer looks for what others said about respite, narrows to one space,
and finds nothing from a private space she is not in; the page passes axe and fits a phone."""
import pytest
from playwright.sync_api import expect

from copractice.community.models import SpaceRole
from copractice.extensions import db
from tests.browser.conftest import check_a11y
from tests.browser.journey import assert_fits, expect_heading, log_in
from tests.conftest import create_member
from tests.test_community_search import make_space, make_topic

pytestmark = pytest.mark.browser


def seed(app):
    with app.app_context():
        author = create_member(name="Ravi Researcher")
        carers = make_space("members", name="Carers in research")
        kent = make_space("open", name="Kent forum")
        private = make_space("private", name="PPI leads")
        db.session.add(SpaceRole(space_id=private.id, member_id=author.id, role="member"))
        respite = make_topic(carers, author, "Respite while taking part",
                             "How do carers arrange respite care so they can come to meetings?",
                             "Our group paid for a sitter &lt;b&gt;respite&lt;/b&gt; made the difference.")  # as typed
        make_topic(kent, author, "Kent meetings in spring", "Respite funding came up at the Kent meeting.")
        make_topic(private, author, "Budget for respite", "Confidential respite budget figures.")
        db.session.commit()
        carer = create_member(name="Cara Carer", stakeholder_type="carer")
        return carer.email, respite.id, carers.slug


def test_a_carer_searches_the_community_narrows_to_a_space_and_never_sees_a_private_one(page, live_server, app):
    email, topic_id, carers_slug = seed(app)
    log_in(page, live_server, email)
    page.goto(live_server + "/community/search")
    expect_heading(page, "Search the community")
    check_a11y(page)

    page.get_by_label("Words to look for").fill("respite")
    page.get_by_role("button", name="Search").click()
    status = page.get_by_role("main").get_by_role("status")
    expect(status).to_have_text("3 posts found for “respite”.")
    results = page.get_by_role("main").get_by_role("listitem")
    # The topic whose title has the word comes first; the private space's topic is not there.
    expect(results.first).to_contain_text("Respite while taking part")
    expect(page.get_by_text("Budget for respite")).to_have_count(0)
    expect(page.locator("mark").first).to_have_text("respite", ignore_case=True)
    expect(results.first.get_by_role("link")).to_have_attribute("href", f"/community/topics/{topic_id}#post-1")
    expect(page.get_by_text("paid for a sitter <b>respite</b> made")).to_be_visible()  # shown, not obeyed
    check_a11y(page)

    page.get_by_label("Space").select_option(label="Kent forum")
    page.get_by_role("button", name="Search").click()
    expect(status).to_have_text("1 post found for “respite”.")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Kent meetings in spring")
    expect(results.first).to_contain_text("in Kent forum")

    page.get_by_label("Words to look for").fill("confidential budget")
    page.get_by_label("Space").select_option(label="All spaces")
    page.get_by_role("button", name="Search").click()
    expect(status).to_have_text("0 posts found for “confidential budget”.")
    expect(page.get_by_role("heading", name="Nothing found")).to_be_visible()
    check_a11y(page)


def test_the_search_page_fits_a_390px_screen(new_page, live_server, app):
    seed(app)
    page = new_page(viewport={"width": 390, "height": 844})
    page.goto(live_server + "/community/search?q=respite+meetings")
    expect_heading(page, "Search the community")
    expect(page.get_by_role("main").get_by_role("status")).to_have_text("1 post found for “respite meetings”.")
    assert_fits(page, 390)
    check_a11y(page)
