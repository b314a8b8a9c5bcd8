"""Keeping the community safe, in a real browser (issue 14 point 9): a young person's post is held for moderation
and a moderator publishes it from the queue; a safeguarding flag reaches the space's named lead by email (from
the real SMTP server) and notice.

The forum's pages are built elsewhere: the young person's post is written as the posting operations write it
(tests/community_safety_factory.write_post asks the same safety rules). Every page visited passes axe.
"""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from copractice.community.models import Post
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members.models import Member
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in
from tests.community_safety_factory import make_space, make_topic, write_post
from tests.conftest import PASSWORD, create_member

pytestmark = pytest.mark.browser

GOOD_PASSWORD = "plum kettle lantern meadow"


def test_a_young_persons_post_is_held_and_a_moderator_publishes_it(app, page, new_page, live_server, mailbox):
    with app.app_context():
        moderator = create_member(email="mo@example.org", name="Mo Moderator")
        space = make_space(name="Young people's voice", young_people=True, moderators=[moderator])
        adults = make_space(name="Researchers' room")
        db.session.commit()
        space_id, adults_id = space.id, adults.id

    # Sam signs up and says they are under 18.
    page.goto(live_server + "/register")
    expect_heading(page, "Create an account")
    check_a11y(page)
    page.get_by_label("Full name").fill("Sam Young")
    page.get_by_label("Email address").fill("sam@example.org")
    page.get_by_label("Young person", exact=True).check()
    page.get_by_label("Yes, I am under 18").check()
    page.get_by_label("County or area").select_option(label="Kent")
    page.get_by_label("Create a password").fill(GOOD_PASSWORD)
    page.get_by_label("Type your password again").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect_heading(page, "Check your email")
    check_a11y(page)
    page.goto(mailbox.link("sam@example.org", "/verify/"))
    expect_heading(page, "Log in")

    # Sam writes in the young people's space: the post waits. The researchers' room is not for Sam.
    with app.app_context():
        sam = db.session.scalar(select(Member).where(Member.email == "sam@example.org"))
        assert sam.under_18
        from copractice.community.models import Space

        with app.test_request_context():
            post = write_post(db.session.get(Space, space_id), sam, "I would like to help design the new clinic.",
                              title="Ideas for the clinic")
            assert post.status == "held"
            with pytest.raises(Refused, match="This space is for adults"):
                write_post(db.session.get(Space, adults_id), sam, "Hello")
            db.session.commit()
            post_id = post.id

    # Mo finds it in the queue and publishes it.
    log_in(page, live_server, "mo@example.org")
    page.goto(live_server + "/community/moderation/")
    expect_heading(page, "Moderating spaces")
    check_a11y(page)
    expect(page.get_by_role("row").filter(has_text="Young people's voice")).to_contain_text("1")
    page.get_by_role("link", name="Young people's voice").click()
    expect_heading(page, "Moderation: Young people's voice")
    check_a11y(page)
    expect(page.get_by_role("main")).to_contain_text("I would like to help design the new clinic.")
    page.get_by_role("button", name="Publish the post by Sam Young").click()
    expect_banner(page, "The post is published.")
    expect(page.get_by_role("main")).to_contain_text("No posts are waiting.")
    check_a11y(page)
    page.get_by_role("link", name="Moderation log").click()
    expect_heading(page, "Moderation log: Young people's voice")
    expect(page.get_by_role("row").filter(has_text="Published a held post")).to_contain_text("Mo Moderator")
    check_a11y(page)
    with app.app_context():
        assert db.session.get(Post, post_id).status == "published"

    # Sam is told.
    sam_page = new_page()
    sam_page.goto(live_server + "/login")
    sam_page.get_by_label("Email address").fill("sam@example.org")
    sam_page.get_by_label("Password", exact=True).fill(GOOD_PASSWORD)
    sam_page.get_by_role("button", name="Log in").click()
    expect_heading(sam_page, "Your account")
    sam_page.goto(live_server + "/notices")
    expect_heading(sam_page, "Notices")
    expect(sam_page.get_by_role("main")).to_contain_text('Your post in "Ideas for the clinic" is published')
    check_a11y(sam_page)
    assert any("is published" in m["Subject"] for m in mailbox.to("sam@example.org"))


def test_a_safeguarding_flag_reaches_the_named_lead(app, page, new_page, live_server, mailbox):
    with app.app_context():
        lead = create_member(email="sally@example.org", name="Sally Safeguarding")
        create_member(email="rita@example.org", name="Rita Reader")
        author = create_member(name="Chris Carer")
        space = make_space(name="Carers' corner", safeguarding_lead=lead)
        _, post = make_topic(space, author, title="A hard week", body="I don't know how much longer I can cope.")
        db.session.commit()
        post_id = post.id

    # Rita is worried and reports the post as a safeguarding concern.
    log_in(page, live_server, "rita@example.org")
    page.goto(f"{live_server}/community/posts/{post_id}/flag")
    expect_heading(page, "Report this post")
    check_a11y(page)
    page.get_by_role("button", name="Send the report").click()  # nothing chosen: told what is missing
    expect(page.get_by_role("alert")).to_contain_text("Choose why you are flagging this post.")
    check_a11y(page)
    page.get_by_label("I am worried someone is at risk of harm (a safeguarding concern)").check()
    page.get_by_label("Anything else the moderators should know? (optional)").fill("Chris sounds at the end of "
                                                                                    "their tether.")
    page.get_by_role("button", name="Send the report").click()
    expect_heading(page, "Thank you for telling us")
    expect(page.get_by_role("main")).to_contain_text("The safeguarding lead for Carers' corner has been told")
    check_a11y(page)

    # Sally gets the email at once (the delivery round the outbox worker would run), follows its link, signs in.
    messages = mailbox.to("sally@example.org")
    assert [m["Subject"] for m in messages] == ["Safeguarding concern raised in Carers' corner"]
    link = mailbox.link("sally@example.org", "/community/moderation/flags/")
    assert link.startswith(live_server)
    lead_page = new_page()
    lead_page.goto(link)
    expect_heading(lead_page, "Log in")
    lead_page.get_by_label("Email address").fill("sally@example.org")
    lead_page.get_by_label("Password", exact=True).fill(PASSWORD)
    lead_page.get_by_role("button", name="Log in").click()
    expect_heading(lead_page, "Safeguarding concern")
    main = lead_page.get_by_role("main")
    expect(main).to_contain_text("I don't know how much longer I can cope.")
    expect(main).to_contain_text("Chris sounds at the end of their tether.")
    expect(main).to_contain_text("Rita Reader")
    check_a11y(lead_page)

    # The notice is there too; Sally records what she did.
    lead_page.goto(live_server + "/notices")
    lead_page.get_by_role("link", name="Safeguarding concern raised in Carers' corner").click()
    expect_heading(lead_page, "Safeguarding concern")
    lead_page.get_by_label("What did you do? (optional)").fill("Phoned Chris; support arranged.")
    lead_page.get_by_role("button", name="Mark as dealt with").click()
    expect_banner(lead_page, "The flag is marked as dealt with.")
    expect(lead_page.get_by_role("main")).to_contain_text("Phoned Chris; support arranged.")
    check_a11y(lead_page)
    with app.app_context():
        assert db.session.get(Post, post_id).status == "published"  # nothing was hidden automatically
