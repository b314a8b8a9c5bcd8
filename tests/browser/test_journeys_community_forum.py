"""The community's forum in a real browser (issue 14, points 1, 2 and 9): a carer opens the dementia theme's space,
reads its guidelines before their first post and asks a question; a researcher answers; the carer marks the
answer, which is then shown at the top. Every page visited passes axe (no serious or critical problems)."""
import pytest
from playwright.sync_api import expect

from copractice.extensions import db
from copractice.plugin_models import PluginState
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member

pytestmark = pytest.mark.browser
pytest.importorskip("copractice_dementia")

QUESTION = "How can we make research meetings easier for carers?"


def test_a_carer_asks_a_question_a_researcher_answers_and_the_carer_marks_the_answer(new_page, live_server, app):
    with app.app_context():
        db.session.add(PluginState(name="dementia", enabled=True))
        carer = create_member(name="Cara Carer", stakeholder_type="carer").email
        researcher = create_member(name="Rita Researcher", stakeholder_type="researcher").email

    # The carer finds the dementia space from the menu.
    page = new_page()
    log_in(page, live_server, carer)
    nav(page, "Community")
    expect_heading(page, "Community")
    check_a11y(page)
    page.get_by_role("link", name="Living with Dementia", exact=True).click()
    expect_heading(page, "Living with Dementia")
    expect(page.get_by_text("No topics yet.")).to_be_visible()
    check_a11y(page)

    # Before their first post they are shown the guidelines, and asked to say they have read them.
    page.get_by_role("link", name="Start a topic").click()
    expect_heading(page, "Start a topic in Living with Dementia")
    guidelines = page.locator("#guidelines")
    expect(guidelines.get_by_role("heading", name="Before you post: Living with Dementia guidelines")).to_be_visible()
    expect(guidelines).to_contain_text("Take your time: there is no rush to reply.")
    expect(page.get_by_text("Email about your post goes out 10 minutes after you post it")).to_be_visible()
    check_a11y(page)
    page.get_by_label("Title").fill(QUESTION)
    page.get_by_role("group", name="What kind of topic is it?").get_by_label("Question", exact=True).check()
    page.get_by_label("Your post").fill("My husband gets tired in long meetings. What has worked for others?")
    page.get_by_role("button", name="Post", exact=True).click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Tick the box to say you have read the space's guidelines.")
    check_a11y(page)
    page.get_by_label("I have read the guidelines").check()
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(QUESTION)
    expect(page.locator("#post-1")).to_contain_text("My husband gets tired in long meetings.")
    check_a11y(page)

    # A researcher finds it in the space's list and answers.
    other = new_page()
    log_in(other, live_server, researcher)
    other.goto(live_server + "/community/spaces/dementia")
    expect_heading(other, "Living with Dementia")
    check_a11y(other)
    other.get_by_role("link", name=QUESTION).click()
    expect(other.get_by_role("heading", level=1)).to_contain_text(QUESTION)
    check_a11y(other)
    other.get_by_label("I have read the guidelines").check()
    other.get_by_label("Your reply").fill("Short meetings with a break every 30 minutes, and papers sent a week "
                                          "before. Online works well for some carers too.")
    other.get_by_role("button", name="Post reply").click()
    expect(other.locator("#post-2")).to_contain_text("a break every 30 minutes")
    check_a11y(other)

    # The carer marks the reply as the answer: it is shown at the top of the topic and in the space's list.
    page.reload()
    expect(page.locator("#post-2")).to_contain_text("Rita Researcher")
    page.locator("#post-2").get_by_role("button", name="Mark as the answer").click()
    expect_banner(page, "Marked as the answer.")
    answer = page.locator("#answer")
    expect(answer.get_by_role("heading", name="Answer, from Rita Researcher")).to_be_visible()
    expect(answer).to_contain_text("a break every 30 minutes")
    check_a11y(page)
    page.get_by_role("link", name="Back to Living with Dementia").click()
    expect(page.get_by_role("row", name=QUESTION)).to_contain_text("Answered")
    check_a11y(page)
