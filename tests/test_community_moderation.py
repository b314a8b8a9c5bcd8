"""Moderating the community (issue 14 point 4): held posts published or not, flags and the safeguarding route,
hiding and restoring with a reason the author sees, stopping a member posting, the moderation log; and what a
member who is not a moderator cannot do (the attack tests)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from copractice.community import events
from copractice.community import moderation as mod
from copractice.community.models import Post
from copractice.community.safety_models import ModerationEntry, PostFlag, PostingStop
from copractice.errors import Refused
from copractice.extensions import db
from copractice.notifications.models import Notice, OutboxMessage
from copractice.timeutil import utcnow
from tests.community_safety_factory import make_post, make_space, make_topic
from tests.conftest import AuthActions, create_member, csrf_from
from tests.query_budget import queries_for


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def published(monkeypatch):
    """The posts events.post_published was called with (the watchers' part is built elsewhere)."""
    seen = []
    original = events.watching.post_published
    monkeypatch.setattr(events.watching, "post_published", lambda post: (seen.append(post.id), original(post)))
    return seen


def notices(member):
    return db.session.scalars(select(Notice.message).where(Notice.member_id == member.id).order_by(Notice.id)).all()


def log_actions(space):
    return [(e.action, e.reason) for e in db.session.scalars(
        select(ModerationEntry).where(ModerationEntry.space_id == space.id).order_by(ModerationEntry.id))]


# -- held posts --------------------------------------------------------------------------------------------

def test_approving_a_held_reply_publishes_it_once_and_tells_its_author(app, ctx, published):
    moderator, author = create_member(name="Mo"), create_member(name="Rosa")
    space = make_space(moderators=[moderator])
    topic, _ = make_topic(space, moderator)
    reply = make_post(topic, author, "Thank you, that helps.", status="held")
    mod.approve(moderator, reply)
    assert reply.status == "published" and reply.published_at is not None
    assert (topic.reply_count, topic.last_posted_at) == (1, reply.published_at)
    assert published == [reply.id]
    assert notices(author) == [f'Your post in "{topic.title}" is published']
    with pytest.raises(Refused, match="not waiting for a moderator any more"):
        mod.approve(create_member(role="admin"), reply)  # a second moderator a moment later
    assert published == [reply.id]
    assert log_actions(space) == [("approve", None)]


def test_a_held_first_post_makes_its_topic_visible_when_approved(app, ctx, published):
    moderator, author = create_member(), create_member()
    space = make_space(moderators=[moderator])
    topic, first = make_topic(space, author, status="held")
    assert topic.reply_count == 0
    mod.approve(moderator, first)
    assert first.status == "published" and topic.reply_count == 0 and topic.last_posted_at == first.published_at
    assert published == [first.id]


def test_rejecting_a_held_post_hides_it_with_the_reason_and_tells_nobody_else(app, ctx, published):
    moderator, author = create_member(), create_member()
    space = make_space(moderators=[moderator])
    topic, _ = make_topic(space, moderator)
    reply = make_post(topic, author, "Buy my product", status="held")
    with pytest.raises(Refused, match="Say why"):
        mod.reject(moderator, reply, "  ")
    mod.reject(moderator, reply, "Advertising is not allowed here.")
    assert (reply.status, reply.hidden_reason, reply.hidden_by_id) == ("hidden", "Advertising is not allowed here.",
                                                                       moderator.id)
    assert published == [] and topic.reply_count == 0
    assert notices(author) == [f'Your post in "{topic.title}" was not published']
    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.to_address == author.email))
    assert "Advertising is not allowed here." in body


def test_hiding_and_restoring_keep_the_counts_right_and_tell_the_author_why(app, ctx, published):
    moderator, author = create_member(), create_member()
    space = make_space(moderators=[moderator])
    topic, first = make_topic(space, moderator)
    reply = make_post(topic, author, "Something unkind")
    reply.published_at = first.published_at + timedelta(minutes=5)
    topic.last_posted_at = reply.published_at
    mod.hide(moderator, reply, "Please be kind to each other.")
    assert (reply.status, topic.reply_count, topic.last_posted_at) == ("hidden", 0, first.published_at)
    assert notices(author) == [f'A moderator hid your post in "{topic.title}"']
    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.to_address == author.email))
    assert "Please be kind to each other." in body
    with pytest.raises(Refused, match="not showing"):
        mod.hide(moderator, reply, "again")
    mod.restore(moderator, reply)
    assert (reply.status, reply.hidden_reason, topic.reply_count, topic.last_posted_at) == (
        "published", None, 1, reply.published_at)
    assert published == []  # it had been published before: watchers were told then
    with pytest.raises(Refused, match="not hidden"):
        mod.restore(moderator, reply)
    assert [a for a, _ in log_actions(space)] == ["hide", "restore"]


def test_restoring_a_post_that_was_never_published_publishes_it(app, ctx, published):
    moderator, author = create_member(), create_member()
    space = make_space(moderators=[moderator])
    topic, _ = make_topic(space, moderator)
    reply = make_post(topic, author, "Held, rejected, then let through", status="held")
    mod.reject(moderator, reply, "Not sure")
    mod.restore(moderator, reply)
    assert reply.published_at is not None and published == [reply.id] and topic.reply_count == 1


# -- flags -------------------------------------------------------------------------------------------------

def test_an_ordinary_flag_waits_in_the_queue_and_tells_no_lead(app, ctx):
    lead, reader, author = create_member(), create_member(), create_member()
    space = make_space(safeguarding_lead=lead)
    _, post = make_topic(space, author)
    flag = mod.raise_flag(reader, post, "off_topic", "This belongs in another space.")
    assert mod.open_flags(space) == [flag]
    assert notices(lead) == [] and db.session.scalar(select(OutboxMessage.id)) is None


def test_a_member_flagging_a_post_twice_makes_one_flag(app, ctx):
    reader, author = create_member(), create_member()
    space = make_space()
    _, post = make_topic(space, author)
    first = mod.raise_flag(reader, post, "unkind")
    assert mod.raise_flag(reader, post, "unkind", "still rude") is first
    assert mod.raise_flag(reader, post, "off_topic") is first
    assert db.session.query(PostFlag).count() == 1


def test_a_safeguarding_flag_goes_at_once_to_the_named_lead_by_email_and_notice(app, ctx, sent_mail):
    app.config["SAFEGUARDING_EMAIL"] = "safeguarding@example.org"
    lead = create_member(name="Sally Safeguarding", email="sally@example.org")
    space_lead, reader, author = create_member(), create_member(name="Rita Reader"), create_member()
    space = make_space(name="Carers' corner", safeguarding_lead=lead, leads=[space_lead])
    _, post = make_topic(space, author, body="I can't go on any more.")
    flag = mod.raise_flag(reader, post, "safeguarding", "She sounds in danger.")
    assert post.status == "published"  # nothing is hidden automatically
    assert notices(lead) == ["Safeguarding concern raised in Carers' corner"]
    assert notices(space_lead) == []
    got = {m["To"]: sent_mail.body(m) for m in sent_mail.messages}
    assert set(got) == {"sally@example.org", "safeguarding@example.org"}
    assert f"/community/moderation/flags/{flag.id}" in got["sally@example.org"]
    assert "Rita Reader has raised a safeguarding concern" in got["sally@example.org"]
    assert "She sounds in danger" not in got["sally@example.org"]  # what was written stays behind the sign-in
    assert "can't go on" not in got["sally@example.org"]


def test_a_safeguarding_lead_who_switched_email_off_still_gets_it(app, ctx):
    from copractice.notifications.models import EmailPreference

    lead = create_member(email="lead@example.org")
    db.session.add(EmailPreference(member_id=lead.id, kind=mod.SAFEGUARDING_NOTICE, email=False))
    space = make_space(safeguarding_lead=lead)
    _, post = make_topic(space, create_member())
    mod.raise_flag(create_member(), post, "safeguarding")
    assert db.session.scalar(select(OutboxMessage.to_address)) == "lead@example.org"


def test_without_a_named_lead_a_safeguarding_flag_goes_to_the_space_leads_and_admins(app, ctx):
    space_lead, admin, moderator = create_member(), create_member(role="admin"), create_member()
    create_member(role="admin", active=False)  # switched off: not told
    space = make_space(leads=[space_lead], moderators=[moderator])
    _, post = make_topic(space, create_member())
    mod.raise_flag(create_member(), post, "safeguarding")
    told = set(db.session.scalars(select(Notice.member_id).where(Notice.kind == mod.SAFEGUARDING_NOTICE)))
    assert told == {space_lead.id, admin.id}


def test_flagging_again_as_a_safeguarding_concern_reaches_the_lead(app, ctx):
    lead, reader = create_member(), create_member()
    space = make_space(safeguarding_lead=lead)
    _, post = make_topic(space, create_member())
    flag = mod.raise_flag(reader, post, "unkind", "rude")
    assert mod.raise_flag(reader, post, "safeguarding", "and worrying") is flag
    assert flag.reason == "safeguarding" and flag.note == "rude\n\nand worrying"
    assert len(notices(lead)) == 1


def test_a_member_cannot_flag_a_post_they_cannot_read(app, ctx):
    author, outsider = create_member(), create_member()
    _, post = make_topic(make_space(visibility="private", invited=[author]), author)
    with pytest.raises(Refused):
        mod.raise_flag(outsider, post, "unkind")
    _, held = make_topic(make_space(), author, status="held")
    with pytest.raises(Refused):
        mod.raise_flag(outsider, held, "unkind")


def test_resolving_a_flag_takes_it_out_of_the_queue_and_into_the_log(app, ctx):
    moderator = create_member()
    space = make_space(moderators=[moderator])
    _, post = make_topic(space, create_member())
    flag = mod.raise_flag(create_member(), post, "personal_information")
    mod.resolve_flag(moderator, flag, "Asked them to remove the phone number.")
    assert mod.open_flags(space) == []
    assert log_actions(space)[-1] == ("flag_resolved", "It shares someone's personal information. Asked them to "
                                                       "remove the phone number.")
    with pytest.raises(Refused, match="already been dealt with"):
        mod.resolve_flag(moderator, flag)


# -- stopping members --------------------------------------------------------------------------------------

def test_stopping_and_letting_a_member_post_again_are_told_and_logged(app, ctx):
    moderator, member = create_member(), create_member()
    space = make_space(moderators=[moderator])
    with pytest.raises(Refused, match="end date in the future"):
        mod.stop_posting(moderator, member, space, "Spam", until=utcnow() - timedelta(days=1))
    with pytest.raises(Refused, match="moderates this space"):
        mod.stop_posting(create_member(role="admin"), moderator, space, "Testing")
    stop = mod.stop_posting(moderator, member, space, "Spam")
    assert mod.stops_in_force(space) == [stop]
    mod.resume_posting(moderator, stop)
    assert mod.stops_in_force(space) == []
    assert notices(member) == [f"You cannot post in {space.name} for now", f"You can post in {space.name} again"]
    assert log_actions(space) == [("stop", "Spam"), ("resume", None)]


# -- the pages ---------------------------------------------------------------------------------------------

def _setup(app):
    """A members' space with a moderator, a held reply, a published reply and a hidden reply; ids."""
    with app.app_context():
        moderator = create_member(email="mod@example.org", name="Mo Moderator")
        create_member(email="reader@example.org", name="Rita Reader")
        author = create_member(email="author@example.org", name="Andy Author")
        space = make_space(name="Carers' corner", moderators=[moderator])
        topic, first = make_topic(space, moderator, title="Respite care")
        held = make_post(topic, author, "Waiting for a moderator", status="held")
        shown = make_post(topic, author, "A published reply")
        hidden = make_post(topic, author, "A hidden reply", status="hidden")
        private = make_space(visibility="private", moderators=[moderator])
        _, secret = make_topic(private, moderator, title="Private matters")
        db.session.commit()
        return {"space": space.slug, "held": held.id, "shown": shown.id, "hidden": hidden.id, "secret": secret.id,
                "private": private.slug, "author": author.id, "topic": topic.id}


def _post(client, url, data=None):
    token = csrf_from(client.get("/password/forgot").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})})


def test_a_member_who_is_not_a_moderator_can_change_nothing(app, client):
    ids = _setup(app)
    AuthActions(client).login("reader@example.org")
    for url, data in ((f"/community/posts/{ids['held']}/approve", {}),
                      (f"/community/posts/{ids['held']}/reject", {"reason": "x"}),
                      (f"/community/posts/{ids['shown']}/hide", {"reason": "x"}),
                      (f"/community/posts/{ids['hidden']}/restore", {}),
                      (f"/community/moderation/spaces/{ids['space']}/members/{ids['author']}/stop", {"reason": "x"})):
        assert _post(client, url, data).status_code == 403, url
    for url in (f"/community/moderation/spaces/{ids['space']}", f"/community/moderation/spaces/{ids['space']}/log",
                f"/community/posts/{ids['shown']}/hide"):
        assert client.get(url).status_code == 403, url
    with app.app_context():
        statuses = dict(db.session.execute(select(Post.id, Post.status)).all())
        assert (statuses[ids["held"]], statuses[ids["shown"]], statuses[ids["hidden"]]) == (
            "held", "published", "hidden")
        assert db.session.query(PostingStop).count() == 0 and db.session.query(ModerationEntry).count() == 0


def test_a_member_cannot_flag_what_they_cannot_read_nor_review_others_flags(app, client):
    ids = _setup(app)
    AuthActions(client).login("reader@example.org")
    assert client.get(f"/community/posts/{ids['secret']}/flag").status_code == 404  # a private space
    assert _post(client, f"/community/posts/{ids['secret']}/flag", {"reason": "unkind"}).status_code == 404
    assert client.get(f"/community/posts/{ids['held']}/flag").status_code == 404  # someone else's held post
    assert client.get("/community/posts/999999/flag").status_code == 404
    with app.app_context():
        other = create_member()
        flag = PostFlag(post_id=ids["shown"], member_id=other.id, reason="safeguarding")
        db.session.add(flag)
        db.session.commit()
        flag_id = flag.id
    assert client.get(f"/community/moderation/flags/{flag_id}").status_code == 403
    assert _post(client, f"/community/moderation/flags/{flag_id}", {"outcome": "done"}).status_code == 403
    with app.app_context():
        assert db.session.get(PostFlag, flag_id).resolved_at is None


def test_the_flag_form_says_what_is_missing_and_then_thanks_the_member(app, client):
    ids = _setup(app)
    AuthActions(client).login("reader@example.org")
    page = client.get(f"/community/posts/{ids['shown']}/flag").get_data(as_text=True)
    assert "Report this post" in page and "A published reply" in page
    response = _post(client, f"/community/posts/{ids['shown']}/flag", {"reason": "", "note": "x" * 3000})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in text
    assert "Choose why you are flagging this post." in text and "Keep it under 2,000 characters." in text
    response = _post(client, f"/community/posts/{ids['shown']}/flag", {"reason": "nonsense"})
    assert "There is a problem" in response.get_data(as_text=True)
    response = _post(client, f"/community/posts/{ids['shown']}/flag", {"reason": "unkind", "note": "Mean"})
    assert "The moderators of Carers&#39; corner will look at the post." in response.get_data(as_text=True)


def test_the_moderator_works_from_the_queue_and_sees_the_log(app, client):
    ids = _setup(app)
    AuthActions(client).login("mod@example.org")
    queue = f"/community/moderation/spaces/{ids['space']}"
    page = client.get(queue).get_data(as_text=True)
    assert "Waiting for a moderator" in page and "Andy Author" in page
    assert "Carers&#39; corner" in client.get("/community/moderation/").get_data(as_text=True)
    response = _post(client, f"/community/posts/{ids['held']}/approve")
    assert response.status_code == 302 and response.headers["Location"] == queue
    assert "No posts are waiting." in client.get(queue).get_data(as_text=True)
    response = _post(client, f"/community/posts/{ids['shown']}/hide", {"reason": ""})
    assert "Say why" in response.get_data(as_text=True)
    response = _post(client, f"/community/posts/{ids['shown']}/hide",
                     {"reason": "Off-topic", "next": f"/community/topics/{ids['topic']}#post-3"})
    assert response.headers["Location"] == f"/community/topics/{ids['topic']}#post-3"
    response = _post(client, f"/community/posts/{ids['hidden']}/restore", {"next": "https://evil.example/"})
    assert response.headers["Location"] == queue  # only pages of this site
    response = _post(client, f"/community/moderation/spaces/{ids['space']}/members/{ids['author']}/stop",
                     {"reason": "Cooling off", "until": "not a date"})
    assert "Enter a real date" in response.get_data(as_text=True)
    response = _post(client, f"/community/moderation/spaces/{ids['space']}/members/{ids['author']}/stop",
                     {"reason": "Cooling off", "everywhere": "y"})
    assert response.status_code == 403  # only admins stop a member everywhere
    _post(client, f"/community/moderation/spaces/{ids['space']}/members/{ids['author']}/stop",
          {"reason": "Cooling off"})
    log = client.get(f"{queue}/log").get_data(as_text=True)
    for text in ("Published a held post", "Hid a post", "Off-topic", "Showed a hidden post again",
                 "Stopped a member posting", "Cooling off"):
        assert text in log
    with app.app_context():
        stop = db.session.scalar(select(PostingStop))
        assert stop.space_id is not None and stop.member_id == ids["author"]


def test_a_safeguarding_concern_is_for_the_lead_and_the_space_leads_not_every_moderator(app, client):
    with app.app_context():
        lead, space_lead = create_member(email="sally@example.org"), create_member(email="lee@example.org")
        moderator = create_member(email="mod@example.org")
        space = make_space(safeguarding_lead=lead, leads=[space_lead], moderators=[moderator])
        _, post = make_topic(space, create_member(), body="Worrying words")
        concern = PostFlag(post_id=post.id, member_id=create_member().id, reason="safeguarding", note="Private")
        ordinary = PostFlag(post_id=post.id, member_id=create_member().id, reason="off_topic")
        db.session.add_all([concern, ordinary])
        db.session.commit()
        ids = (concern.id, ordinary.id, space.slug)
    statuses = {}
    for email in ("sally@example.org", "lee@example.org", "mod@example.org"):
        member_client = app.test_client()
        AuthActions(member_client).login(email)
        statuses[email] = [member_client.get(f"/community/moderation/flags/{i}").status_code for i in ids[:2]]
        if email == "mod@example.org":
            queue = member_client.get(f"/community/moderation/spaces/{ids[2]}").get_data(as_text=True)
            assert "With the safeguarding lead" in queue and f"/community/moderation/flags/{ids[0]}" not in queue
            assert f"/community/moderation/flags/{ids[1]}" in queue
    assert statuses == {"sally@example.org": [200, 403], "lee@example.org": [200, 200], "mod@example.org": [403, 200]}


def test_the_named_safeguarding_lead_reads_the_flag_without_moderating(app, client):
    with app.app_context():
        lead = create_member(email="lead@example.org")
        space = make_space(safeguarding_lead=lead)
        _, post = make_topic(space, create_member(), body="Worrying words")
        reader = create_member()
        ordinary = PostFlag(post_id=post.id, member_id=create_member().id, reason="unkind")
        concern = PostFlag(post_id=post.id, member_id=reader.id, reason="safeguarding", note="Please check")
        db.session.add_all([ordinary, concern])
        db.session.commit()
        ids = (ordinary.id, concern.id, space.slug)
    AuthActions(client).login("lead@example.org")
    page = client.get(f"/community/moderation/flags/{ids[1]}").get_data(as_text=True)
    assert "Worrying words" in page and "Please check" in page
    assert client.get(f"/community/moderation/flags/{ids[0]}").status_code == 403  # not a safeguarding concern
    assert client.get(f"/community/moderation/spaces/{ids[2]}").status_code == 403
    response = _post(client, f"/community/moderation/flags/{ids[1]}", {"outcome": "Called the member."})
    assert response.headers["Location"] == f"/community/moderation/flags/{ids[1]}"
    with app.app_context():
        assert db.session.get(PostFlag, ids[1]).outcome == "Called the member."


def _forms():
    """The macros a topic page imports once and its per-post partials use (``f``)."""
    from flask import current_app

    return current_app.jinja_env.get_template("_forms.html").module


def test_post_tools_offer_reporting_and_moderators_buttons(app, ctx):
    from flask import render_template
    from flask_login import login_user

    moderator, reader, author = create_member(), create_member(), create_member()
    space = make_space(moderators=[moderator])
    topic, _ = make_topic(space, moderator)
    shown, held = make_post(topic, author, "Shown"), make_post(topic, author, "Held", status="held")
    login_user(reader)
    html = render_template("community/_post_tools_safety.html", f=_forms(), post=shown, topic=topic, space=space)
    assert f"/community/posts/{shown.id}/flag" in html and "Hide" not in html
    from flask import g

    g.pop("_moderates_space", None)
    login_user(moderator)
    held_html = render_template("community/_post_tools_safety.html", f=_forms(), post=held, topic=topic, space=space)
    assert f"/community/posts/{held.id}/approve" in held_html and "csrf_token" in held_html
    assert f"/community/posts/{shown.id}/hide" in render_template(
        "community/_post_tools_safety.html", f=_forms(), post=shown, topic=topic, space=space)


def test_the_queue_and_log_read_a_fixed_number_of_queries(app, client):
    from copractice.community.models import Space
    from copractice.members.models import Member

    ids = _setup(app)
    AuthActions(client).login("mod@example.org")

    def add(rows):
        with app.test_request_context():
            space = db.session.scalar(select(Space).where(Space.slug == ids["space"]))
            moderator = db.session.scalar(select(Member).where(Member.email == "mod@example.org"))
            for n in range(rows):
                author = create_member()
                topic, _ = make_topic(space, author, status="held", title=f"Topic {n}")
                mod.raise_flag(create_member(), make_post(topic, author, "Shown"), "unkind")
                mod.stop_posting(moderator, create_member(), space, f"Reason {n}")
                mod.approve(moderator, make_post(topic, author, "Held", status="held"))
            db.session.commit()

    urls = (f"/community/moderation/spaces/{ids['space']}", f"/community/moderation/spaces/{ids['space']}/log",
            "/community/moderation/")
    add(1)
    before = [queries_for(app, client, url) for url in urls]
    add(8)
    after = [queries_for(app, client, url) for url in urls]
    assert [s for s, _ in after] == [200, 200, 200]
    assert [n for _, n in after] == [n for _, n in before], (before, after)
    assert max(n for _, n in after) <= 12
