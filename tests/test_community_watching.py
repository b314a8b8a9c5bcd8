"""Watching spaces and topics, @mentions, notices and one email for each post (issue 14 point 3, point 2's @mentions).

Spaces, topics and posts are made with the models here, and each post is announced as the posting code does:
``copractice.community.events.post_published(post)``. Email is counted as the real SMTP server (aiosmtpd) got it,
after a delivery round of the outbox.
"""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from copractice.community import events, watching
from copractice.community.digests import mail_due_posts
from copractice.community.models import Post, Space, SpaceRole, Topic
from copractice.community.watch_models import CommunityNotification, SpaceWatch, TopicWatch
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members.models import Member, free_handle, handle_base
from copractice.notifications.models import EmailPreference, Notice
from copractice.timeutil import utcnow
from tests.conftest import create_member, csrf_from

# -- a small factory: what the posting code does, without its pages ----------------------------------------------

_n = iter(range(1, 1_000_000))


def make_space(visibility="members", **fields):
    n = next(_n)
    space = Space(slug=f"space-{n}", name=fields.pop("name", f"Space {n}"), description="", guidelines="",
                  visibility=visibility, **fields)
    db.session.add(space)
    db.session.commit()
    return space


def publish(post, at=None):
    post.status, post.published_at = "published", at or utcnow()
    db.session.flush()
    events.post_published(post)
    db.session.commit()
    return post


def start_topic(space, author, body="Hello everyone.", title=None, at=None, status="published"):
    topic = Topic(space_id=space.id, author_id=author.id, title=title or f"Topic {next(_n)}")
    db.session.add(topic)
    db.session.flush()
    post = Post(topic_id=topic.id, number=1, author_id=author.id, body=body, html=f"<p>{body}</p>", status="held")
    db.session.add(post)
    db.session.flush()
    if status == "published":
        publish(post, at)
    db.session.commit()
    return topic, post


def reply(topic, author, body="I agree.", quote_of=None, at=None, status="published"):
    number = db.session.scalar(select(func.max(Post.number)).where(Post.topic_id == topic.id)) + 1
    post = Post(topic_id=topic.id, number=number, author_id=author.id, body=body, html=f"<p>{body}</p>",
                quote_of_id=quote_of.id if quote_of is not None else None, status="held")
    db.session.add(post)
    db.session.flush()
    if status == "published":
        publish(post, at)
    db.session.commit()
    return post


def notices(member):
    return db.session.scalars(select(Notice.message).where(Notice.member_id == member.id,
                                                            Notice.kind.like("community_%")).order_by(Notice.id)).all()


def later(minutes=11):
    return utcnow() + timedelta(minutes=minutes)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield
        db.session.remove()


# -- the counting test -----------------------------------------------------------------------------------------

def test_each_watch_level_gives_exactly_the_expected_messages_to_each_watcher(app, ctx, mailbox):
    """Every level, in-app and by email (one email for each post): a topic, a reply that mentions three people,
    a reply that quotes the author. Counted per person: notices, and emails received by the SMTP server."""
    space = make_space()
    people = {name: create_member(name=name.title()) for name in
              ("author", "watching", "first_post", "normal", "muted", "topic_muted", "topic_watching")}
    for name, member in people.items():
        watching.set_delivery(member, "immediate")
        if name in ("watching", "first_post", "muted"):
            watching.set_space_level(member, space, name)
        if name == "topic_muted":
            watching.set_space_level(member, space, "watching")
    db.session.commit()
    p = people
    topic, first = start_topic(space, p["author"], title="Carers' evening")
    watching.set_topic_level(p["topic_muted"], topic, "muted")
    watching.set_topic_level(p["topic_watching"], topic, "watching")
    db.session.commit()
    second = reply(topic, p["author"], f"Thank you @{p['normal'].handle}, @{p['muted'].handle} "
                                       f"and @{p['topic_muted'].handle}.")
    reply(topic, p["normal"], "Quoting you, with thanks.", quote_of=second)

    expected = {"author": 1,  # the reply quoting them (posting made them watch the topic, but once a post)
                "watching": 3,  # every post
                "first_post": 1,  # the new topic only
                "normal": 1,  # the mention only
                "muted": 0,  # a muted space: not even a mention
                "topic_muted": 1,  # the first post, before muting the topic; then nothing, not even a mention
                "topic_watching": 2}  # the two replies after they chose to watch
    assert {name: len(notices(m)) for name, m in p.items()} == expected
    assert notices(p["normal"]) == ["Author mentioned you in \u201cCarers' evening\u201d"]
    assert notices(p["author"]) == ["Normal replied to your post in \u201cCarers' evening\u201d"]
    assert notices(p["first_post"]) == [f"New topic in {space.name}: \u201cCarers' evening\u201d"]
    assert db.session.scalar(select(Notice.link).where(Notice.member_id == p["normal"].id)) == \
        f"http://localhost/community/topics/{topic.id}#post-2"  # from BASE_URL, like every notice's link

    assert mail_due_posts(now=utcnow()) == 0  # within the edit window: nothing yet
    queued = mail_due_posts(now=later())
    assert queued == sum(expected.values())
    assert {name: len(mailbox.to(m.email)) for name, m in p.items()} == expected
    assert mail_due_posts(now=later(12)) == 0 and len(mailbox.messages) == sum(expected.values())  # claimed once
    mention = mailbox.to(p["normal"].email)[0]
    assert mention["Subject"] == "Author mentioned you in \u201cCarers' evening\u201d"
    assert f"http://localhost/community/topics/{topic.id}#post-2" in mailbox.body(mention)
    assert mention["List-Unsubscribe"].startswith("<http://localhost/community/unsubscribe/")
    assert mention["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_second_announcement_of_the_same_post_tells_nobody_twice(app, ctx):
    space = make_space()
    author, watcher = create_member(), create_member()
    watching.set_space_level(watcher, space, "watching")
    _topic, post = start_topic(space, author)
    events.post_published(post)  # e.g. hidden and restored by a moderator
    db.session.commit()
    assert len(notices(watcher)) == 1


def test_posting_makes_you_watch_the_topic_unless_you_chose_otherwise(app, ctx):
    space = make_space()
    author, replier, quiet = create_member(), create_member(), create_member()
    topic, _first = start_topic(space, author)
    watching.set_topic_level(quiet, topic, "muted")
    db.session.commit()
    reply(topic, replier)
    reply(topic, quiet, "Just this once.")
    assert watching.topic_level(author, topic) == ("watching", True)
    assert watching.topic_level(replier, topic) == ("watching", True)
    assert watching.topic_level(quiet, topic) == ("muted", True)
    reply(topic, author, "Thanks both.")
    assert len(notices(replier)) == 2 and notices(quiet) == []  # quiet's reply and the author's


def test_a_topic_level_overrides_the_space_level(app, ctx):
    space = make_space()
    author, member = create_member(), create_member()
    watching.set_space_level(member, space, "muted")
    topic, _first = start_topic(space, author)
    assert watching.topic_level(member, topic) == ("muted", False)
    watching.set_topic_level(member, topic, "watching")
    db.session.commit()
    reply(topic, author)
    assert len(notices(member)) == 1
    watching.set_space_level(member, space, "first_post")
    other, _first = start_topic(space, author)
    assert watching.topic_level(member, other) == ("normal", False)  # first post is out: Normal in the topic


def test_nobody_is_told_about_a_space_they_may_not_read_nor_when_erased_inactive_or_the_author(app, ctx, mailbox):
    private = make_space(visibility="private")
    author, invited, outsider, inactive, erased = (create_member() for _ in range(5))
    for member in (author, invited, inactive, erased):
        db.session.add(SpaceRole(space_id=private.id, member_id=member.id, role="member"))
    for member in (author, invited, outsider, inactive, erased):
        db.session.add(SpaceWatch(member_id=member.id, space_id=private.id, level="watching"))  # access lost later
        watching.set_delivery(member, "immediate")
    inactive.active = False
    erased.erased_at = utcnow()
    db.session.commit()
    with pytest.raises(Refused):
        watching.set_space_level(outsider, private, "watching")
    topic, _first = start_topic(private, author, f"Hello @{outsider.handle}, @{author.handle}")
    assert [len(notices(m)) for m in (author, invited, outsider, inactive, erased)] == [0, 1, 0, 0, 0]
    mail_due_posts(now=later())
    assert [len(mailbox.to(m.email)) for m in (author, invited, outsider)] == [0, 1, 0]


def test_held_and_hidden_posts_are_never_told_or_mailed(app, ctx, mailbox):
    space = make_space()
    author, watcher = create_member(), create_member()
    watching.set_space_level(watcher, space, "watching")
    watching.set_delivery(watcher, "immediate")
    topic, _first = start_topic(space, author, status="held")
    assert notices(watcher) == []
    post = reply(topic, author, "Soon hidden.")
    assert len(notices(watcher)) == 1
    post.status, post.hidden_reason = "hidden", "Off-topic"
    db.session.commit()
    assert mail_due_posts(now=later()) == 0 and mailbox.to(watcher.email) == []


def test_edits_within_the_edit_window_are_what_is_mailed(app, ctx, mailbox):
    space = make_space()
    author, watcher = create_member(), create_member()
    watching.set_space_level(watcher, space, "watching")
    watching.set_delivery(watcher, "immediate")
    _topic, post = start_topic(space, author, "Meeting on Tusday")
    post.body, post.edited_at = "Meeting on Tuesday", utcnow()
    db.session.commit()
    assert mail_due_posts(now=later(9)) == 0
    assert mail_due_posts(now=later(11)) == 1
    body = mailbox.body(mailbox.to(watcher.email)[0])
    assert "Meeting on Tuesday" in body and "Tusday" not in body


def test_the_edit_window_is_a_setting(app, ctx, mailbox):
    app.config["COMMUNITY_EDIT_WINDOW_MINUTES"] = 0
    space = make_space()
    author, watcher = create_member(), create_member()
    watching.set_space_level(watcher, space, "watching")
    watching.set_delivery(watcher, "immediate")
    start_topic(space, author)
    assert mail_due_posts(now=utcnow() + timedelta(seconds=1)) == 1


def test_an_email_kind_switched_off_keeps_the_notice_but_sends_no_email(app, ctx, mailbox):
    space = make_space()
    author, member = create_member(), create_member()
    watching.set_delivery(member, "immediate")
    db.session.add(EmailPreference(member_id=member.id, kind="community_mention", email=False))
    db.session.commit()
    start_topic(space, author, f"Over to you @{member.handle}")
    assert len(notices(member)) == 1
    assert mail_due_posts(now=later()) == 0 and mailbox.to(member.email) == []


def test_members_who_chose_digests_or_no_email_get_no_email_for_each_post(app, ctx, mailbox):
    space = make_space()
    author = create_member()
    members = {how: create_member() for how in ("daily", "weekly", "none")}
    for how, member in members.items():
        watching.set_delivery(member, how)
        watching.set_space_level(member, space, "watching")
    start_topic(space, author)
    assert mail_due_posts(now=later()) == 0 and mailbox.messages == []
    assert all(len(notices(m)) == 1 for m in members.values())


# -- @mentions -------------------------------------------------------------------------------------------------

def test_members_get_a_unique_handle_made_from_their_name(app, ctx):
    first = create_member(name="Mary O'Brien")
    second = create_member(name="Mary O'Brien")
    assert (first.handle, second.handle) == ("mary_o_brien", "mary_o_brien2")
    assert handle_base("Zoë Ångström-Hill") == "zoe_angstrom_hill"
    assert free_handle("", set()) == "member"
    both = [Member(name="Sam Lee", email=f"sam{i}@example.org", stakeholder_type="carer") for i in range(2)]
    db.session.add_all(both)
    db.session.commit()
    assert sorted(m.handle for m in both) == ["sam_lee", "sam_lee2"]  # added in one flush: still unique


def test_mentions_are_found_outside_code_quotes_and_addresses(app, ctx):
    body = ("Hi @Ann_B and @joe.\n> @quoted said so\n`@incode` and\n```\n@fenced\n```\n"
            "mail ann@example.org, again @ann_b, and @x")
    assert watching.mentioned_handles(body) == ["ann_b", "joe"]
    app.config["COMMUNITY_MAX_MENTIONS"] = 3
    assert watching.mentioned_handles("@aa @bb @cc @dd @ee") == ["aa", "bb", "cc"]


def test_a_mention_notifies_once_per_post_and_only_those_who_may_read_the_space(app, ctx):
    private = make_space(visibility="private")
    author, invited, outsider = create_member(), create_member(), create_member()
    for member in (author, invited):
        db.session.add(SpaceRole(space_id=private.id, member_id=member.id, role="member"))
    db.session.commit()
    _topic, post = start_topic(private, author, f"@{invited.handle} and @{outsider.handle} and @{invited.handle}")
    assert len(notices(invited)) == 1 and notices(outsider) == []
    assert db.session.scalar(select(func.count()).select_from(CommunityNotification)
                             .where(CommunityNotification.post_id == post.id)) == 1


# -- pages -----------------------------------------------------------------------------------------------------

def test_settings_page_saves_the_email_choice_and_shows_errors_beside_the_field(app, client, login, make_member):
    member = make_member(name="Rita Patel")
    login(client, member)
    page = client.get("/community/watch/settings")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "@rita_patel" in html
    assert re.search(r'<input checked[^>]*value="daily"', html)
    token = csrf_from(html)
    bad = client.post("/community/watch/settings", data={"csrf_token": token, "delivery": "hourly"})
    assert bad.status_code == 400 and "There is a problem" in bad.get_data(as_text=True)
    done = client.post("/community/watch/settings", data={"csrf_token": token, "delivery": "weekly"})
    assert done.status_code == 302
    with app.app_context():
        assert watching.delivery(db.session.get(Member, member.id)) == "weekly"
    assert "/community/watch/settings" in client.get("/account/notifications").get_data(as_text=True)


def test_choosing_levels_from_the_settings_page_and_the_forum_pages(app, client, login, make_member):
    member = make_member()
    with app.app_context():
        space = make_space(name="Regional forum")
        author = create_member()
        topic, _first = start_topic(space, author, title="Budgets")
        space_slug, topic_id = space.slug, topic.id
    login(client, member)
    html = client.get("/community/watch/settings").get_data(as_text=True)
    assert "Regional forum" in html
    token = csrf_from(html)
    done = client.post(f"/community/watch/spaces/{space_slug}",
                       data={"csrf_token": token, "level": "first_post", "next": "/community/watch/settings"})
    assert done.status_code == 302 and done.headers["Location"] == "/community/watch/settings"
    away = client.post(f"/community/watch/topics/{topic_id}",
                       data={"csrf_token": token, "level": "muted", "next": "https://evil.example/"})
    assert away.headers["Location"] == "/community/watch/settings"  # never off the site
    refused = client.post(f"/community/watch/topics/{topic_id}", data={"csrf_token": token, "level": "first_post"})
    assert refused.status_code == 302  # not a topic level: refused with a message, nothing changed
    assert "Choose how closely to watch this topic." in client.get("/community/watch/settings").get_data(as_text=True)
    with app.app_context():
        me = db.session.get(Member, member.id)
        assert watching.space_level(me, db.session.get(Space, db.session.scalar(
            select(Space.id).where(Space.slug == space_slug)))) == "first_post"
        assert db.session.scalar(select(TopicWatch.level).where(TopicWatch.member_id == member.id)) == "muted"
    assert client.post("/community/watch/spaces/no-such-space", data={"csrf_token": token, "level": "muted"}
                       ).status_code == 404


def test_the_forum_pages_include_forms_show_the_level(app, client, login, make_member):
    member = make_member()
    with app.app_context():
        space = make_space()
        topic, _first = start_topic(space, create_member())
        watching.set_space_level(db.session.get(Member, member.id), space, "watching")
        db.session.commit()
        space_id, topic_id = space.id, topic.id
    login(client, member)
    with app.test_request_context():
        from flask import render_template_string
        from flask_login import login_user

        me = db.session.get(Member, member.id)
        login_user(me)
        space, topic = db.session.get(Space, space_id), db.session.get(Topic, topic_id)
        space_html = render_template_string('{% include "community/_watch_space.html" %}', space=space)
        topic_html = render_template_string('{% include "community/_watch_topic.html" %}', topic=topic, space=space)
    assert f'action="/community/watch/spaces/{space.slug}"' in space_html
    assert '<option value="watching" selected>' in space_html and 'name="csrf_token"' in space_html
    assert f'action="/community/watch/topics/{topic_id}"' in topic_html
    assert '<option value="watching" selected>' in topic_html and "follows the space" in topic_html
    assert "first_post" not in topic_html


@pytest.mark.parametrize("role", ["anonymous", "trainee", "facilitator", "theme_lead", "admin"])
def test_who_may_choose_a_level_for_each_kind_of_space(app, make_member, login, role):
    """The watch routes by role and visibility: a private space only for those who may read it."""
    client = app.test_client()
    with app.app_context():
        spaces = {v: make_space(visibility=v).slug for v in ("open", "members", "private")}
        topics = {v: start_topic(db.session.scalar(select(Space).where(Space.slug == s)), create_member())[0].id
                  for v, s in spaces.items()}
    if role != "anonymous":
        login(client, make_member(role=role))
    token = csrf_from(client.get("/password/forgot").get_data(as_text=True))
    got = {}
    for visibility, slug in spaces.items():
        got[visibility] = (
            client.post(f"/community/watch/spaces/{slug}", data={"csrf_token": token, "level": "watching"}).status_code,
            client.post(f"/community/watch/topics/{topics[visibility]}",
                        data={"csrf_token": token, "level": "watching"}).status_code)
    if role in ("anonymous", "admin"):  # visitors are sent to log in; admins read every space
        assert got == {v: (302, 302) for v in spaces}
        location = client.post(f"/community/watch/spaces/{spaces['open']}", data={"csrf_token": token}).location
        assert location.startswith("/login?next=") is (role == "anonymous")
    else:
        assert got == {"open": (302, 302), "members": (302, 302), "private": (403, 403)}


def test_the_settings_page_reads_a_fixed_number_of_statements_however_much_is_watched(app, client, login,
                                                                                   make_member):
    from tests.query_budget import queries_for

    member = make_member()
    login(client, member)

    def watch_more(count):
        with app.app_context():
            me = db.session.get(Member, member.id)
            for _ in range(count):
                space = make_space()
                watching.set_space_level(me, space, "watching")
                topic, _first = start_topic(space, create_member())
                watching.set_topic_level(me, topic, "muted")
            db.session.commit()

    watch_more(1)
    status, few = queries_for(app, client, "/community/watch/settings")
    watch_more(15)
    status_many, many = queries_for(app, client, "/community/watch/settings")
    assert status == status_many == 200
    assert many == few <= 8


def test_normal_hears_of_replies_to_their_topic_and_quotes_of_their_posts_only(app, ctx):
    space = make_space()
    starter, replier, other = create_member(), create_member(), create_member()
    topic, _first = start_topic(space, starter)
    watching.set_topic_level(starter, topic, "normal")  # no longer watching the topic they started
    db.session.commit()
    answer = reply(topic, replier, "A reply to the topic.")
    reply(topic, other, "Quoting the replier.", quote_of=answer)
    assert len(notices(starter)) == 1  # the reply to their topic; not the quote of someone else
    assert notices(replier) == [f"{other.name} replied to your post in \u201c{topic.title}\u201d"]


def test_the_data_export_holds_watching_and_erasure_removes_it_with_the_handle(app, ctx):
    from copractice.members.data_rights import erase_member, export_member_data

    space = make_space(name="Regional forum")
    member, author = create_member(name="Lena Ward"), create_member()
    watching.set_space_level(member, space, "watching")
    watching.set_delivery(member, "weekly")
    start_topic(space, author, title="Budgets")
    got = export_member_data(member)
    assert got["account"]["handle"] == "lena_ward"
    assert got["community_watching"]["email"] == "weekly"
    assert got["community_watching"]["spaces"] == [{"space": "Regional forum", "level": "watching"}]
    assert [n["why"] for n in got["community_watching"]["told_about_posts"]] == ["first_post"]
    erase_member(member)
    db.session.commit()
    assert member.handle is None
    for model in (SpaceWatch, TopicWatch, CommunityNotification):
        assert db.session.scalar(select(func.count()).select_from(model).where(model.member_id == member.id)) == 0


def test_publishing_runs_a_fixed_number_of_statements_however_many_are_told(app, ctx):
    from tests.query_budget import counted_queries

    space = make_space()
    author = create_member()
    topic, _first = start_topic(space, author)

    def statements_for_a_reply_with(watchers):
        members = [Member(name=f"Watcher {next(_n)}", email=f"w{next(_n)}@example.org", stakeholder_type="carer")
                   for _ in range(watchers)]
        db.session.add_all(members)
        db.session.commit()
        db.session.add_all([SpaceWatch(member_id=m.id, space_id=space.id, level="watching") for m in members])
        db.session.commit()
        with counted_queries(app) as statements:
            reply(topic, author)
        return len(statements)

    # The budget includes writing the post itself and its search row (community/search.py follows every flush).
    assert statements_for_a_reply_with(2) == statements_for_a_reply_with(40) <= 22
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 2 + 42
