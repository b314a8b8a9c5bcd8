"""One way to publish a post (review of issue 14): a held post a moderator lets through is published by the same
operation as a post published at once (``posting.publish``), so its topic's counters, its search row, the
watchers' notices and the plugins' event come out the same; and two moderators letting it through at the same
moment publish it once."""
import contextlib
import threading

import pytest
from sqlalchemy import func, select

from copractice.community import moderation, posting, search, watching
from copractice.community.models import Post, Space, Topic
from copractice.community.search import PostSearch
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.models import Notice
from tests.concurrency_helpers import together
from tests.test_community_spaces import make_space, name_in


@pytest.fixture
def app_settings():
    return {"COMMUNITY_HELD_FIRST_POSTS": 0}


def get(model, row_id):
    return db.session.get(model, row_id)


def notices_about(member_id, topic_id):
    return db.session.scalar(select(func.count(Notice.id)).where(
        Notice.member_id == member_id, Notice.link.contains(f"/community/topics/{topic_id}")))


def test_approving_a_held_reply_gives_what_publishing_it_at_once_gives(app, make_member, monkeypatch):
    space = make_space(app, slug="publishing-once")
    asker, replier, watcher, moderator = make_member(), make_member(), make_member(), make_member()
    name_in(app, space, moderator, "moderator")
    events = []
    monkeypatch.setattr(posting.events, "get_plugins", lambda: type(
        "Plugins", (), {"call": staticmethod(lambda name, post: events.append((name, post.id)))})())
    with app.test_request_context():
        stored = get(Space, space.id)
        watching.set_space_level(get(Member, watcher.id), stored, "watching")
        direct = posting.start_topic(get(Member, asker.id), stored, title="Paying members", body="How are we paid?")
        held = posting.start_topic(get(Member, asker.id), stored, title="Paying carers", body="How are carers paid?")
        at_once = posting.reply(get(Member, replier.id), direct, body="By bank transfer, within a month.")
        monkeypatch.setattr(posting.safety, "hold_new_post", lambda member, space: True)
        waiting = posting.reply(get(Member, replier.id), held, body="By bank transfer, within a fortnight.")
        assert waiting.status == "held" and held.reply_count == 0
        db.session.commit()
        events.clear()
        moderation.approve(get(Member, moderator.id), get(Post, waiting.id))
        db.session.commit()
        assert events == [("copractice_post_created", waiting.id)]  # once, as for a post published at once
        pairs = ((direct.id, at_once.id), (held.id, waiting.id))

    with app.app_context():
        for topic_id, post_id in pairs:
            topic, post = get(Topic, topic_id), get(Post, post_id)
            assert post.status == "published"
            assert (topic.reply_count, topic.last_posted_at) == (1, post.published_at)
            row = get(PostSearch, post_id)
            assert row is not None and "bank transfer" in row.body  # the search finds it
        (direct_id, at_once_id), (held_id, waiting_id) = pairs
        assert notices_about(watcher.id, direct_id) == notices_about(watcher.id, held_id) == 2
        assert notices_about(replier.id, held_id) == 1  # "your post is published": the moderation notice
        assert {f.post_id for f in search.search(get(Member, watcher.id), "transfer").items} == {
            at_once_id, waiting_id}


def test_approving_a_held_first_post_counts_and_indexes_its_topic(app, make_member, monkeypatch):
    space = make_space(app, slug="publishing-first")
    asker, moderator = make_member(), make_member()
    name_in(app, space, moderator, "moderator")
    with app.test_request_context():
        monkeypatch.setattr(posting.safety, "hold_new_post", lambda member, space: True)
        topic = posting.start_topic(get(Member, asker.id), get(Space, space.id), title="Travel costs",
                                    body="Who pays for the train?")
        first = posting.first_post(topic)
        moderation.approve(get(Member, moderator.id), first)
        db.session.commit()
        topic_id, first_id = topic.id, first.id
    with app.app_context():
        topic, first = get(Topic, topic_id), get(Post, first_id)
        assert (topic.reply_count, topic.last_posted_at) == (0, first.published_at)
        assert get(PostSearch, first.id).title == "Travel costs"


def test_two_moderators_approving_at_once_publish_once(app, make_member, monkeypatch):
    """Each approval claims the held post before publishing it: the second waits for the first's commit, then
    finds the post published and is refused; counters, notices and events happen once."""
    space = make_space(app, slug="publishing-race")
    asker, replier, watcher = make_member(), make_member(), make_member()
    moderators = [make_member(), make_member()]
    for moderator in moderators:
        name_in(app, space, moderator, "moderator")
    with app.test_request_context():
        stored = get(Space, space.id)
        watching.set_space_level(get(Member, watcher.id), stored, "watching")
        topic = posting.start_topic(get(Member, asker.id), stored, title="Room booking", body="Which room?")
        with monkeypatch.context() as patch:
            patch.setattr(posting.safety, "hold_new_post", lambda member, space: True)
            waiting = posting.reply(get(Member, replier.id), topic, body="The big room, please.")
        db.session.commit()
        topic_id, post_id = topic.id, waiting.id

    both_publishing = threading.Barrier(2, timeout=2)
    real_publish = posting.publish
    published = []

    def publish_when_both_do(post, now=None):
        # Without a claim both get here and publish; with it the other approval waits for this one's commit,
        # so nobody else comes and the wait gives up.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_publishing.wait()
        published.append(post.id)
        return real_publish(post, now)

    monkeypatch.setattr(posting, "publish", publish_when_both_do)

    def approve(moderator_id):
        with app.test_request_context():
            try:
                moderation.approve(get(Member, moderator_id), get(Post, post_id))
            except Refused:
                return "refused"
            db.session.commit()
            return "published"

    assert sorted(together([lambda: approve(moderators[0].id), lambda: approve(moderators[1].id)],
                           timeout=30)) == ["published", "refused"]
    assert published == [post_id]
    with app.app_context():
        assert get(Topic, topic_id).reply_count == 1
        assert notices_about(watcher.id, topic_id) == 2  # the first post, and this reply once
        assert notices_about(replier.id, topic_id) == 1  # "your post is published", once


def test_a_hidden_post_leaves_the_search_and_comes_back_when_restored(app, make_member):
    space = make_space(app, slug="publishing-hidden")
    asker, replier, moderator = make_member(), make_member(), make_member()
    name_in(app, space, moderator, "moderator")
    with app.test_request_context():
        topic = posting.start_topic(get(Member, asker.id), get(Space, space.id), title="Meeting notes",
                                    body="Notes from Tuesday")
        reply = posting.reply(get(Member, replier.id), topic, body="My phone number is in the minutes")
        db.session.commit()
        reader = get(Member, asker.id)
        assert [f.post_id for f in search.search(reader, "phone").items] == [reply.id]
        moderation.hide(get(Member, moderator.id), reply, "Personal information")
        db.session.commit()
        assert search.search(reader, "phone").items == [] and get(PostSearch, reply.id) is None
        moderation.restore(get(Member, moderator.id), reply)
        db.session.commit()
        assert [f.post_id for f in search.search(reader, "phone").items] == [reply.id]
