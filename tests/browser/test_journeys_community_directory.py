"""The member directory in a real browser (issue 14 points 5 and 9: "a directory search and a message").

A carer turns on the directory consent on her choices page and fills her directory entry (a mistake first,
explained beside its field); a researcher searches the directory with a facet and finds her, with her lived
experience shown because she agreed to it, and never her email address; he sends her a message from her entry,
and she reads it in her messages. Every page visited passes axe.
"""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in
from tests.conftest import create_member

pytestmark = pytest.mark.browser

CARA = "cara.carer@example.org"
ROB = "rob.researcher@example.org"


@pytest.fixture
def people(app):
    with app.app_context():
        create_member(name="Cara Carer", email=CARA, stakeholder_type="carer", area="medway",
                      organisation="Medway Memory Cafe")
        create_member(name="Rob Researcher", email=ROB, stakeholder_type="researcher", area="kent")
        create_member(name="Kim Kent", stakeholder_type="carer", area="kent")  # not in the directory


def test_a_carer_joins_the_directory_and_a_researcher_finds_her(new_page, live_server, people):
    page = new_page()
    log_in(page, live_server, CARA)
    page.get_by_role("link", name="Change your choices").click()
    expect_heading(page, "Your choices")
    check_a11y(page)
    page.get_by_label("Show me in the member directory").check()
    page.get_by_role("button", name="Save your choices").click()
    expect_banner(page, "Your choices have been saved.")

    page.get_by_role("link", name="Change your choices").click()
    page.get_by_role("link", name="member directory").click()
    expect_heading(page, "Member directory")
    check_a11y(page)
    page.get_by_role("link", name="Change your entry or leave the directory").click()
    expect_heading(page, "Your directory entry")
    check_a11y(page)
    expect(page.get_by_label("Show me in the member directory")).to_be_checked()

    # Too many tags: explained in the summary and beside the field; nothing is saved.
    expertise = page.get_by_label("Your expertise (optional)")
    expertise.fill(", ".join(f"topic {n}" for n in range(12)))
    page.get_by_role("button", name="Save your entry").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("Add no more than 10 tags.")
    expect(page.locator("#expertise-error")).to_contain_text("Add no more than 10 tags.")
    check_a11y(page)

    page.get_by_label("Your expertise (optional)").fill("Memory cafes, Easy read")
    page.get_by_role("group", name="Themes you work in (optional)").get_by_label("Cross-cutting").check()
    page.get_by_label("I am open to mentoring other members").check()
    page.get_by_label("Show my lived experience in the directory").check()
    page.get_by_label("Carer of someone with dementia").check()
    page.get_by_role("button", name="Save your entry").click()
    expect_banner(page, "Your directory entry has been saved.")
    expect_heading(page, "Member directory")
    expect(page.locator("main")).to_contain_text("Memory cafes, Easy read")
    check_a11y(page)

    # A researcher searches by area, then narrows down by lived experience, and finds her.
    other = new_page()
    log_in(other, live_server, ROB)
    other.goto(live_server + "/directory/")
    expect_heading(other, "Member directory")
    check_a11y(other)
    other.get_by_label("Area").select_option(label="Medway")
    other.get_by_role("button", name="Search").click()
    expect(other.get_by_role("status").first).to_contain_text("1 member")
    other.get_by_role("link", name=re.compile(r"^Carer of someone with dementia")).click()
    expect(other.get_by_role("link", name=re.compile(r"^Remove filter: Carer of someone with dementia"))).to_be_visible()
    entry = other.get_by_role("listitem").filter(has=other.get_by_role("heading", name="Cara Carer"))
    expect(entry).to_contain_text("Medway Memory Cafe")
    expect(entry).to_contain_text("Carer of someone with dementia")
    expect(entry).to_contain_text("Open to mentoring")
    expect(other.locator("main")).not_to_contain_text("Kim Kent")
    assert CARA not in other.content()
    check_a11y(other)

    # From her entry, he sends her a message through the site (neither sees the other's address).
    entry.get_by_role("link", name="Send a message to Cara Carer").click()
    expect_heading(other, "Start a conversation")
    check_a11y(other)
    other.get_by_label("Your message").fill("Hello Cara, would you help us plan a carers' workshop?")
    other.get_by_role("button", name="Send message").click()
    expect_banner(other, "Your message has been sent.")
    expect(other.locator("main")).to_contain_text("would you help us plan a carers' workshop?")
    assert CARA not in other.content()
    check_a11y(other)

    page.goto(live_server + "/messages/")
    expect_heading(page, "Messages")
    conversation = page.get_by_role("link", name=re.compile(r"^Conversation with Rob Researcher"))
    expect(conversation).to_contain_text("new messages")
    check_a11y(page)
    conversation.click()
    expect(page.locator("main")).to_contain_text("would you help us plan a carers' workshop?")
    assert ROB not in page.content()
    check_a11y(page)
