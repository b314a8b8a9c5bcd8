"""The forum's pages do a fixed amount of work whatever their size (issue 14 point 10, "Fast"): a space's topic
list and a topic build their per-row links once a page (``pages.id_url``), not once a row, and the links are
exactly what ``url_for`` gives. The timings themselves are bench/community_bench.py's (bench/README.md)."""
import pytest
from flask import url_for
from werkzeug.routing import MapAdapter

from copractice.community import pages
from tests.query_budget import queries_for
from tests.test_community_posting import topic_with_replies
from tests.test_community_spaces import make_space, signed_in


@pytest.fixture
def app_settings():
    return {"COMMUNITY_HELD_FIRST_POSTS": 0}


@pytest.fixture
def space(app):
    return make_space(app, visibility="open", guidelines="")


@pytest.fixture
def builds(monkeypatch):
    """Every link Werkzeug builds while it is in use (the cost id_url saves: 25 us each)."""
    built = []
    real = MapAdapter.build

    def build(self, endpoint, *args, **kwargs):
        built.append(endpoint)
        return real(self, endpoint, *args, **kwargs)

    monkeypatch.setattr(MapAdapter, "build", build)
    return built


def _links_built(client, url, builds):
    builds.clear()
    response = client.get(url)
    assert response.status_code == 200, url
    return len(builds)


def test_a_topic_page_builds_the_same_number_of_links_for_3_or_15_replies(app, space, make_member, builds):
    app.config["COMMUNITY_POSTS_PER_PAGE"] = 50  # every reply on one page
    asker, reader = make_member(), make_member()
    repliers = [make_member() for _ in range(15)]
    small = topic_with_replies(app, space, asker, repliers[:3])
    large = topic_with_replies(app, space, asker, repliers)
    for who, client in [("visitor", app.test_client()), ("reader", signed_in(app, reader)),
                        ("asker", signed_in(app, asker))]:
        # (A moderator's hide and publish links, each sending back to its own post, are still built a post at a time.)
        client.get(f"/community/topics/{small}")  # the first request of a worker makes the themes' spaces
        counts = [_links_built(client, f"/community/topics/{topic}", builds) for topic in (small, large)]
        assert counts[0] == counts[1], (who, counts)


def test_a_space_page_builds_the_same_number_of_links_for_3_or_15_topics(app, space, make_member, builds):
    authors = [make_member() for _ in range(15)]
    client = signed_in(app, authors[0])
    counts = []
    for size in (3, 15):
        for author in authors[len(counts) * 3:size]:
            topic_with_replies(app, space, author, [])
        counts.append(_links_built(client, "/community/spaces/regional-forum", builds))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("endpoint, key, fixed", [
    ("community.topic", "topic_id", {}),
    ("community.post", "post_id", {}),
    ("community.edit_post", "post_id", {}),
    ("community.reply", "quote", {"topic_id": 12}),
    ("moderation.flag_post", "post_id", {}),
])
@pytest.mark.parametrize("root", ["", "/forum"])
def test_id_url_gives_what_url_for_gives(app, endpoint, key, fixed, root):
    with app.test_request_context("/", base_url=f"http://example.org{root}"):
        for value in (1, 7, 12, 4096, 123456789):
            assert pages.id_url(endpoint, key, value, **fixed) == url_for(endpoint, **{key: value}, **fixed)
        # Not an id: built as url_for builds it.
        assert pages.id_url(endpoint, key, "7", **fixed) == url_for(endpoint, **{key: "7"}, **fixed)


def test_the_topic_page_reads_its_topic_space_and_first_post_in_one_statement(app, space, make_member):
    """The topic, its space and its first post (whether the topic may be read) come in one statement, and a
    visitor's pages do not read the space's roles (a visitor's permission rules never look at them). Before: 8
    statements for a visitor's topic page, 10 for a member's, 6 for a visitor's space page, 8 for a member's."""
    author = make_member()
    topic = topic_with_replies(app, space, author, [author])
    visitor, member = app.test_client(), signed_in(app, make_member())
    for client in (visitor, member):
        client.get(f"/community/topics/{topic}")  # the first request of a worker makes the themes' spaces
    # Every request: the plugins' switches, the theme spaces' check; the topic with its space and first post
    # (and a member's roles in the space), a page of posts with their count (and what the page shows a member about
    # themselves: whether they have posted in the space, their watch levels for the topic and the space, in one).
    # A visitor's space page: the switches, the space, its topics counted (all, and unlisted, in one), a page of them;
    # a member's also reads them, the space's roles with the space, and their watch level (was 8).
    # (The theme spaces' check is not made on every request: hence at most.)
    for client, url, budget in [(visitor, f"/community/topics/{topic}", 4), (member, f"/community/topics/{topic}", 6),
                                (visitor, "/community/spaces/regional-forum", 4),
                                (member, "/community/spaces/regional-forum", 6)]:
        status, count = queries_for(app, client, url)
        assert status == 200 and count <= budget, (url, count)


def test_the_post_tools_are_the_same_written_out_for_readers_and_from_the_macro_for_moderators(app, space,
                                                                                               make_member):
    """topic.html writes a reader's report link itself (a macro call a post was a tenth of the page); moderators
    still get the whole macro. Both say the same: a report link on others' published posts, never on your own."""
    from tests.test_community_spaces import name_in

    author, reader, moderator = make_member(), make_member(), make_member()
    name_in(app, space, moderator, "moderator")
    topic = topic_with_replies(app, space, author, [reader, author])
    with app.app_context():
        from sqlalchemy import select

        from copractice.community.models import Post
        from copractice.extensions import db

        posts = {p.number: p for p in db.session.scalars(select(Post).where(Post.topic_id == topic))}
    flag = "/community/posts/{}/flag"
    reader_page = signed_in(app, reader).get(f"/community/topics/{topic}").get_data(as_text=True)
    assert flag.format(posts[1].id) in reader_page and flag.format(posts[3].id) in reader_page
    assert flag.format(posts[2].id) not in reader_page  # the reader's own reply
    assert reader_page.count("Report this post") == 2 and "/hide" not in reader_page
    moderator_page = signed_in(app, moderator).get(f"/community/topics/{topic}").get_data(as_text=True)
    assert moderator_page.count("Report this post") == 3 and moderator_page.count("/hide?next=") == 3
    assert app.test_client().get(f"/community/topics/{topic}").get_data(as_text=True).count("Report this post") == 0


def test_a_members_topic_page_asks_about_them_once_and_counts_posts_with_the_page(app, make_member):
    """Issue 14 point 10: a signed-in member's topic page read the posts' count, whether they had posted in the space
    (for the guidelines) and their watch levels in three statements of their own; now the count comes on the page's
    rows and the rest in one statement (6 statements, was 8, in a space with guidelines). A page past the last has no
    rows to carry the count and still gives the right pager, and the guidelines still show until they post."""
    ruled = make_space(app, visibility="open", guidelines="Be kind.")
    author = make_member()
    topic = topic_with_replies(app, ruled, author, [author] * 4)
    reader = signed_in(app, make_member())
    reader.get(f"/community/topics/{topic}")  # the first request of a worker makes the themes' spaces
    status, count = queries_for(app, reader, f"/community/topics/{topic}")
    assert status == 200 and count <= 6, count
    html = reader.get(f"/community/topics/{topic}").get_data(as_text=True)
    assert "Be kind." in html  # has not posted here: the guidelines come with the reply form
    assert reader.get(f"/community/topics/{topic}?page=99").status_code == 200
    app.config["COMMUNITY_POSTS_PER_PAGE"] = 2
    first, past = (reader.get(f"/community/topics/{topic}{q}").get_data(as_text=True) for q in ("", "?page=9"))
    assert "Page 1 of 3" in first and "Page 9 of 3" in past  # past the last page the count is still right
    author_client = signed_in(app, author)
    assert "Be kind." not in author_client.get(f"/community/topics/{topic}").get_data(as_text=True)
