"""The community's part of the benchmark (bench/community_bench.py, issue 14 point 10), without wrk: the facts and
pages it finds on the large data, and the poster's real replies through the site (form POSTs with the session's
CSRF token, the guidelines ticked), paced like the busy day's writer."""
import importlib.util
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from copractice.community.models import Post, Topic
from copractice.demo import create_demo_data
from copractice.extensions import db
from copractice_demo import community_large
from copractice_demo import large as demo_large
from tests.browser.conftest import LiveServer
from tests.test_community_large_data import _forget_the_statistics  # noqa: F401 (autouse fixture: the ANALYZE it undoes)

BENCH = Path(__file__).resolve().parent.parent / "bench"





def _load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _load("run")
sys.path.insert(0, str(BENCH))
community_bench = _load("community_bench")


@pytest.fixture
def community_site(app):
    with app.test_request_context():
        create_demo_data()
        db.session.commit()
        demo_large.create_large(factor=0.002)
        db.session.commit()
        community_large.create_community_large(factor=0.01)
        db.session.commit()
        facts = community_bench.facts()
    server = LiveServer(app)
    server.start()
    yield server.url, facts
    server.stop()


def test_facts_and_pages_name_the_showcase_space_and_topic(community_site):
    _, facts = community_site
    assert facts["topic_replies"] == community_large.SHOWCASE_REPLIES
    pages = community_bench.pages({"community": facts})
    paths = [path for _, path, _ in pages]
    assert f"/community/spaces/{community_large.SHOWCASE_SPACE}" in paths
    assert f"/community/topics/{facts['topic_id']}" in paths
    assert any(path.startswith("/community/search?q=") for path in paths)
    assert community_bench.pages({"community": None}) == []


def test_the_pages_answer(app, community_site):
    url, facts = community_site
    cookie = bench.login(url, "trainee@example.org")
    for name, path, who in community_bench.pages({"community": facts}):
        status, size, _ = bench.fetch(url + path, cookie if who else None)
        assert status == 200 and size > 1000, (name, status)


def test_the_poster_replies_through_the_site_at_its_rate(app, community_site):
    url, facts = community_site
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Post))
    poster = community_bench.Poster(url, facts, 5, bench.Browser, bench.Pacer, bench.PASSWORD).start()
    started = poster.pacer.start  # the first write is due at once: it counts from the pacer's start
    time.sleep(1.5)
    before_stop = time.monotonic()
    poster.stop()
    after_stop = time.monotonic()
    summary = poster.summary((started, after_stop))
    assert summary["error"] == 0 and summary["refused"] == 0, summary["problems"]
    # 5 a second from the pacer's start, counted from the clock (a loaded host oversleeps): each reply that came
    # due was made or counted missed, and none beyond the rate.
    came_due_by = lambda moment: int((moment - poster.pacer.start) * 5) + 1  # noqa: E731
    assert came_due_by(before_stop) >= 8
    assert came_due_by(before_stop) <= summary["replies"] + summary["missed"] <= came_due_by(after_stop), summary
    with app.app_context():
        written = db.session.scalar(select(func.count()).select_from(Post)) - before
        assert written == summary["whole_run"]["done"] >= 1
        bodies = db.session.scalars(select(Post.body).order_by(Post.id.desc()).limit(written)).all()
        assert all(body.startswith("Benchmark reply") for body in bodies)
        # Replies went to the showcase space's other topics, never the measured one.
        topics = set(db.session.scalars(select(Post.topic_id).order_by(Post.id.desc()).limit(written)))
        assert topics <= set(facts["posting_topics"]) and facts["topic_id"] not in topics
        assert db.session.get(Topic, facts["topic_id"]).reply_count == community_large.SHOWCASE_REPLIES
