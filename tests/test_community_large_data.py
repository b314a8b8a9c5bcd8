"""The community's large demo data (issue 14 point 10), at a small scale: counts as planned, the showcase topic
with exactly 200 replies, topic counters as the posting operations keep them, every published post searchable and
no other, and ``demo-data --scale large`` adding it once."""
import pytest
from sqlalchemy import func, select, text

from copractice.community import search as community_search
from copractice.community.models import Post, Space, Topic
from copractice.demo import create_demo_courses, create_demo_data
from copractice.extensions import db
from copractice_demo import community_large
from copractice_demo import large as demo_large

FACTOR = 0.01  # 100 topics, 2,000 posts



@pytest.fixture(autouse=True)
def _forget_the_statistics(app):
    """The generator ANALYZEs what it wrote. The suite's database is emptied, not dropped, between tests, so on
    SQLite those statistics (of thousands of posts) would outlive this test and change later tests' query plans:
    they are deleted after it."""
    yield
    with app.app_context():
        stats = db.engine.dialect.name == "sqlite" and db.session.execute(
            text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()
        if stats:
            db.session.execute(text("DELETE FROM sqlite_stat1"))
            db.session.commit()

def _build(app):
    with app.test_request_context():
        _, members = create_demo_data()
        create_demo_courses(members)
        db.session.commit()
        demo_large.create_large(factor=0.002)
        db.session.commit()
        counts = community_large.create_community_large(factor=FACTOR)
        db.session.commit()
    return counts


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_counts_and_the_showcase_topic(app):
    counts = _build(app)
    plan = community_large.planned(FACTOR)
    with app.app_context():
        assert counts["topic"] == plan["topics"] == _count(Topic)
        assert counts["post"] == plan["posts"] == _count(Post)
        assert counts["space"] == plan["spaces"] == _count(Space)
        assert community_large.community_present()
        showcase = db.session.get(Topic, community_large.showcase_topic_id())
        assert showcase.reply_count == community_large.SHOWCASE_REPLIES
        assert _count(Post, Post.topic_id == showcase.id, Post.status == "published", Post.number > 1) == 200
        assert _count(Post, Post.status != "published") > 0  # some held and hidden replies, as on a real forum
        assert _count(Space, Space.archived_at.is_not(None)) == 1
        assert _count(Post, Post.mailed_at.is_(None)) == 0  # nothing waits to be mailed


def test_topic_counters_are_as_the_posting_operations_keep_them(app):
    _build(app)
    with app.app_context():
        replies = dict(db.session.execute(
            select(Post.topic_id, func.count()).where(Post.status == "published", Post.number > 1)
            .group_by(Post.topic_id)).all())
        latest = dict(db.session.execute(
            select(Post.topic_id, func.max(Post.published_at)).where(Post.status == "published")
            .group_by(Post.topic_id)).all())
        for topic in db.session.scalars(select(Topic)):
            assert topic.reply_count == replies.get(topic.id, 0), topic.id
            assert topic.last_posted_at == latest[topic.id], topic.id
            if topic.answer_post_id is not None:
                answer = db.session.get(Post, topic.answer_post_id)
                assert answer.topic_id == topic.id and answer.status == "published" and answer.number > 1
        numbers = db.session.execute(select(Post.topic_id, func.count(), func.max(Post.number))
                                     .group_by(Post.topic_id)).all()
        assert all(count == top for _, count, top in numbers)  # numbered 1.. with no gaps


def test_every_published_post_is_searchable_and_no_other(app):
    _build(app)
    with app.test_request_context():
        published = _count(Post, Post.status == "published")
        assert _count(community_search.PostSearch) == published
        assert _count(community_search.PostSearch, community_search.PostSearch.post_id.in_(
            select(Post.id).where(Post.status != "published"))) == 0
        from copractice.members.models import Member

        admin = db.session.scalar(select(Member).where(Member.role == "admin"))
        results = community_search.search(admin, "good co-production look like")
        assert results.items[0].topic_title == community_large.SHOWCASE_TOPIC and results.items[0].number == 1
        assert community_search.search(admin, "memory café").total > 0


def test_the_command_adds_it_once_also_where_the_rest_is_there(app, runner, monkeypatch):
    """A benchmark database made before the community existed gets the community's part on the next run."""
    with app.test_request_context():
        create_demo_data()
        db.session.commit()
    monkeypatch.setattr(demo_large, "large_present", lambda: True)  # the rest of the large data: "there"
    monkeypatch.setattr(community_large, "FULL", {"spaces": 24, "topics": 60, "posts": 1200})
    first = runner.invoke(args=["demo-data", "--scale", "large"])
    assert first.exit_code == 0, first.output
    assert "Large community data ready" in first.output
    second = runner.invoke(args=["demo-data", "--scale", "large"])
    assert second.exit_code == 0, second.output
    assert "The large community data is already there" in second.output
    with app.app_context():
        assert _count(Topic) == 60 and _count(Post) == community_large.planned()["posts"]
