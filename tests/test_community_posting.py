"""Topics and replies (issue 14, point 2): posting through the safety rules, held and hidden posts shown only to
whom they should be, quoting, cards for linked resources and courses, answers, announcements, what leads do
(pin, close, move, split), editing with the edit window said on the page, erased authors, bad input, the
``copractice_post_created`` hook, and query budgets for the space and topic pages that do not grow with data."""
import pytest
from sqlalchemy import func, select

from copractice.community import posting, safety
from copractice.community.models import Post, Space, Topic
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members.models import Member
from tests.conftest import post_form
from tests.plugins import forum_spaces
from tests.query_budget import queries_for
from tests.test_community_spaces import make_space, name_in, signed_in


@pytest.fixture
def app_settings():
    # Posts are published at once unless a test holds them: pre-moderation is tests/test_community_safety.py's.
    return {"EXTRA_PLUGINS": ["forum_spaces=tests.plugins.forum_spaces", "forum_raising=tests.plugins.forum_raising"],
            "COMMUNITY_HELD_FIRST_POSTS": 0}


@pytest.fixture
def space(app):
    return make_space(app, guidelines="")


def member(app, member_id):
    return db.session.get(Member, member_id)


def topic_with_replies(app, space, author, repliers, *, kind="discussion", body="A reply", title="A topic"):
    """A topic by ``author`` with one reply from each of ``repliers``; its id."""
    with app.test_request_context():
        stored = db.session.get(Space, space.id)
        topic = posting.start_topic(member(app, author.id), stored, title=title, body="First post", kind=kind)
        for replier in repliers:
            posting.reply(member(app, replier.id), topic, body=body)
        db.session.commit()
        return topic.id


def page_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# -- posting, held and hidden posts ---------------------------------------------------------------------------

def test_a_topic_and_replies_are_numbered_counted_and_rendered_safely(app, space, make_member):
    asker, answerer = make_member(), make_member()
    topic_id = topic_with_replies(app, space, asker, [answerer, asker],
                                  body="**Bold** <script>alert(1)</script> [x](javascript:alert(1))")
    with app.app_context():
        topic = db.session.get(Topic, topic_id)
        posts = db.session.scalars(select(Post).where(Post.topic_id == topic_id).order_by(Post.number)).all()
        assert [p.number for p in posts] == [1, 2, 3] and topic.reply_count == 2
        assert topic.last_posted_at == posts[-1].published_at and all(p.status == "published" for p in posts)
        assert "<strong>Bold</strong>" in posts[1].html and "<script>" not in posts[1].html
        assert 'href="javascript' not in posts[1].html
    page = page_of(signed_in(app, answerer), f"/community/topics/{topic_id}")
    assert 'id="post-3"' in page and "&lt;script&gt;" in page and "<script>alert" not in page


def test_held_posts_wait_for_a_moderator_and_are_shown_only_to_their_author_and_moderators(app, space, make_member,
                                                                                          monkeypatch):
    author, moderator, reader = make_member(), make_member(), make_member()
    name_in(app, space, moderator, "moderator")
    topic_id = topic_with_replies(app, space, reader, [])
    monkeypatch.setattr(safety, "hold_new_post", lambda member, space: member.id == author.id)
    told = []
    monkeypatch.setattr(posting.events, "post_published", lambda post: told.append(post.id))
    with app.test_request_context():
        topic = db.session.get(Topic, topic_id)
        held = posting.reply(member(app, author.id), topic, body="Held reply")
        held_topic = posting.start_topic(member(app, author.id), db.session.get(Space, space.id), title="Held topic",
                                         body="Held first post")
        db.session.commit()
        assert (held.status, held.published_at) == ("held", None) and told == []
        assert db.session.get(Topic, topic_id).reply_count == 0  # held posts are not counted
        held_id, held_topic_id = held.id, held_topic.id
    mine = page_of(signed_in(app, author), f"/community/topics/{topic_id}")
    assert "Held reply" in mine and "Waiting for a moderator" in mine
    assert "Held topic" in page_of(signed_in(app, author), "/community/spaces/regional-forum")
    mod = signed_in(app, moderator)
    assert "Held reply" in page_of(mod, f"/community/topics/{topic_id}")
    assert "Held topic" in page_of(mod, "/community/spaces/regional-forum")
    other = signed_in(app, reader)
    assert "Held reply" not in page_of(other, f"/community/topics/{topic_id}")
    assert "Held topic" not in page_of(other, "/community/spaces/regional-forum")
    assert other.get(f"/community/topics/{held_topic_id}").status_code == 404
    assert other.get(f"/community/posts/{held_id}").status_code == 404
    # A moderator lets it through: counted and announced once.
    with app.test_request_context():
        post = db.session.get(Post, held_id)
        posting.publish(post)
        db.session.commit()
        assert db.session.get(Topic, topic_id).reply_count == 1 and told == [held_id]
    assert "Held reply" in page_of(other, f"/community/topics/{topic_id}")


def test_hidden_posts_show_the_reason_to_their_author_and_nothing_to_others(app, space, make_member):
    author, moderator, reader = make_member(), make_member(), make_member()
    name_in(app, space, moderator, "moderator")
    topic_id = topic_with_replies(app, space, reader, [author], body="Something unkind")
    with app.app_context():
        post = db.session.scalar(select(Post).where(Post.topic_id == topic_id, Post.number == 2))
        post.status, post.hidden_reason, post.hidden_by_id = "hidden", "Please keep it kind.", moderator.id
        db.session.commit()
    mine = page_of(signed_in(app, author), f"/community/topics/{topic_id}")
    assert "Something unkind" in mine and "A moderator hid your post" in mine and "Please keep it kind." in mine
    mod = page_of(signed_in(app, moderator), f"/community/topics/{topic_id}")
    assert "Something unkind" in mod and "Hidden by a moderator" in mod
    other = page_of(signed_in(app, reader), f"/community/topics/{topic_id}")
    assert "Something unkind" not in other and "Please keep it kind." not in other


def test_posting_asks_the_safety_rules(app, space, make_member, monkeypatch):
    poster = make_member()

    def refuse(member, space):
        raise Refused("You have been stopped from posting in this space.")

    monkeypatch.setattr(safety, "check_may_post", refuse)
    client = signed_in(app, poster)
    response = post_form(client, "/community/spaces/regional-forum/topics/new",
                         {"title": "Hi", "kind": "discussion", "body": "Hello"})
    assert response.status_code == 200 and "You have been stopped from posting" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Topic)) == 0


def test_post_created_hook_sees_published_posts_only_and_a_raising_one_is_skipped(app, space, make_member,
                                                                                  enable_plugin, monkeypatch):
    enable_plugin("forum_spaces")
    enable_plugin("forum_raising")  # raises in copractice_post_created: skipped, the post stands
    forum_spaces.CREATED.clear()
    poster, newcomer = make_member(), make_member()
    topic_id = topic_with_replies(app, space, poster, [poster], title="Hooked")
    monkeypatch.setattr(safety, "hold_new_post", lambda member, space: member.id == newcomer.id)
    with app.test_request_context():
        held = posting.reply(member(app, newcomer.id), db.session.get(Topic, topic_id), body="Held")
        db.session.commit()
        assert [(status, title) for _id, status, title in forum_spaces.CREATED] == [("published", "Hooked")] * 2
        posting.publish(held)
        db.session.commit()
        assert forum_spaces.CREATED[-1] == (held.id, "published", "Hooked") and len(forum_spaces.CREATED) == 3
        assert db.session.scalar(select(func.count()).select_from(Post).where(Post.topic_id == topic_id)) == 3


# -- quoting, editing ------------------------------------------------------------------------------------------

def test_a_reply_quotes_a_post_with_its_author_and_a_link(app, space, make_member):
    quoted_author = make_member(name="Quentin Quoted")
    replier = make_member()
    topic_id = topic_with_replies(app, space, quoted_author, [quoted_author], body="The words being quoted")
    with app.app_context():
        quoted = db.session.scalar(select(Post).where(Post.topic_id == topic_id, Post.number == 2))
        quoted_id = quoted.id
    client = signed_in(app, replier)
    form = page_of(client, f"/community/topics/{topic_id}/reply?quote={quoted_id}")
    assert "The words being quoted" in form and "Quentin Quoted wrote" in form
    response = post_form(client, f"/community/topics/{topic_id}/reply", {"body": "I agree", "quote_of": quoted_id},
                         page=f"/community/topics/{topic_id}/reply?quote={quoted_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("#post-3")
    page = page_of(client, f"/community/topics/{topic_id}")
    quote = page[page.index('id="post-3"'):]
    assert "<blockquote" in quote and "Quentin Quoted wrote" in quote
    assert f'href="/community/posts/{quoted_id}"' in quote and "The words being quoted" in quote
    assert client.get(f"/community/posts/{quoted_id}").headers["Location"].endswith("#post-2")


def test_an_author_edits_their_post_and_is_told_about_the_edit_window(app, space, make_member):
    author, other = make_member(), make_member()
    app.config["COMMUNITY_EDIT_WINDOW_MINUTES"] = 15
    topic_id = topic_with_replies(app, space, author, [])
    with app.app_context():
        post_id = db.session.scalar(select(Post.id).where(Post.topic_id == topic_id))
    client = signed_in(app, author)
    form = page_of(client, f"/community/posts/{post_id}/edit")
    assert "Email about your post goes out 15 minutes after you post it" in form
    assert "Email about your post goes out 15 minutes" in page_of(client, f"/community/topics/{topic_id}")
    response = post_form(client, f"/community/posts/{post_id}/edit", {"title": "Better title", "body": "Better *words*"})
    assert response.status_code == 302
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert post.body == "Better *words*" and "<em>words</em>" in post.html and post.edited_at is not None
        assert post.topic.title == "Better title"
    assert signed_in(app, other).get(f"/community/posts/{post_id}/edit").status_code == 403
    with app.test_request_context(), pytest.raises(Refused):
        posting.edit_post(member(app, other.id), db.session.get(Post, post_id), body="Not mine")


# -- bad input ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fields, error", [
    ({"title": ""}, "Enter a title."),
    ({"title": "   "}, "Enter a title."),
    ({"title": "x" * 201}, "200 characters or fewer"),
    ({"title": "Nul\x00title"}, "single line"),
    ({"title": "Tab\ttitle"}, "single line"),
    ({"body": ""}, "Write your post."),
    ({"body": "x" * 100_000}, "20,000 characters or fewer"),
    ({"body": "nul \x00 byte"}, "characters that cannot be shown"),
    ({"body": "bell \x07 char"}, "characters that cannot be shown"),
    ({"kind": "announcement"}, "Not a valid choice"),  # not a lead
    ({"kind": "nonsense"}, "Not a valid choice"),
])
def test_bad_topic_input_is_shown_beside_the_field(app, space, make_member, fields, error):
    client = signed_in(app, make_member())
    response = post_form(client, "/community/spaces/regional-forum/topics/new",
                         {"title": "A title", "kind": "discussion", "body": "A body", **fields})
    assert response.status_code == 200
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert "There is a problem" in page and error in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Topic)) == 0


@pytest.mark.parametrize("body, error", [("", "Write your post."), ("x" * 100_000, "20,000 characters"),
                                         ("a\x00b", "cannot be shown"), ("\x1b[31m", "cannot be shown")])
def test_bad_reply_input_is_shown_beside_the_field(app, space, make_member, body, error):
    poster = make_member()
    topic_id = topic_with_replies(app, space, poster, [])
    client = signed_in(app, poster)
    response = post_form(client, f"/community/topics/{topic_id}/reply", {"body": body},
                         page=f"/community/topics/{topic_id}")
    assert response.status_code == 200 and error in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Topic, topic_id).reply_count == 0
    assert client.get(f"/community/topics/{topic_id}/reply?quote=notanumber").status_code == 200
    assert client.get("/community/topics/99999999999/reply").status_code == 404


# -- questions, announcements, leads ----------------------------------------------------------------------------

def test_the_asker_marks_the_answer_and_it_is_shown_at_the_top(app, space, make_member):
    asker, answerer, bystander = make_member(), make_member(name="Rita Researcher"), make_member()
    topic_id = topic_with_replies(app, space, asker, [bystander, answerer], kind="question",
                                  body="Try the memory cafe")
    with app.app_context():
        answer_id = db.session.scalar(select(Post.id).where(Post.topic_id == topic_id, Post.number == 3))
    refused = post_form(signed_in(app, bystander), f"/community/topics/{topic_id}/answer", {"post_id": answer_id},
                        page=f"/community/topics/{topic_id}")
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(Topic, topic_id).answer_post_id is None
    client = signed_in(app, asker)
    assert post_form(client, f"/community/topics/{topic_id}/answer", {"post_id": answer_id},
                     page=f"/community/topics/{topic_id}").status_code == 302
    page = page_of(client, f"/community/topics/{topic_id}")
    assert page.index("Answer, from Rita Researcher") < page.index('id="post-1"')
    assert "Answered" in page_of(client, "/community/spaces/regional-forum")


def test_only_leads_announce(app, space, make_member):
    lead, plain = make_member(), make_member()
    name_in(app, space, lead, "lead")
    with app.test_request_context():
        stored = db.session.get(Space, space.id)
        with pytest.raises(Refused):
            posting.start_topic(member(app, plain.id), stored, title="News", body="Hello", kind="announcement")
        topic = posting.start_topic(member(app, lead.id), stored, title="News", body="Hello", kind="announcement")
        assert topic.kind == "announcement"
    assert "Announcement" in page_of(signed_in(app, lead), "/community/spaces/regional-forum/topics/new")
    assert "Announcement" not in page_of(signed_in(app, plain), "/community/spaces/regional-forum/topics/new")


def test_leads_pin_and_close_and_a_closed_topic_takes_no_replies(app, space, make_member):
    lead, poster = make_member(), make_member()
    name_in(app, space, lead, "lead")
    older = topic_with_replies(app, space, poster, [], title="Older topic")
    topic_with_replies(app, space, poster, [], title="Newer topic")
    client = signed_in(app, lead)
    listing = page_of(client, "/community/spaces/regional-forum")
    assert listing.index("Newer topic") < listing.index("Older topic")
    assert post_form(client, f"/community/topics/{older}/pin", {"pinned": "yes"},
                     page=f"/community/topics/{older}").status_code == 302
    listing = page_of(client, "/community/spaces/regional-forum")
    assert listing.index("Older topic") < listing.index("Newer topic") and "Pinned" in listing
    poster_client = signed_in(app, poster)
    assert post_form(poster_client, f"/community/topics/{older}/pin", {"pinned": "no"},
                     page=f"/community/topics/{older}").status_code == 403
    post_form(client, f"/community/topics/{older}/close", {"closed": "yes"}, page=f"/community/topics/{older}")
    page = page_of(poster_client, f"/community/topics/{older}")
    assert "This topic is closed" in page and "Post reply" not in page
    with app.test_request_context(), pytest.raises(Refused, match="closed"):
        posting.reply(member(app, poster.id), db.session.get(Topic, older), body="Too late")
    post_form(client, f"/community/topics/{older}/close", {"closed": "no"}, page=f"/community/topics/{older}")
    assert "Post reply" in page_of(poster_client, f"/community/topics/{older}")


def test_a_lead_moves_a_topic_to_another_space(app, space, make_member):
    lead, poster = make_member(), make_member()
    name_in(app, space, lead, "lead")
    other = make_space(app, "other-space", name="Other space")
    topic_id = topic_with_replies(app, space, poster, [poster])
    client = signed_in(app, lead)
    assert "Other space" in page_of(client, f"/community/topics/{topic_id}/move")
    assert post_form(client, f"/community/topics/{topic_id}/move", {"space": ""},
                     page=f"/community/topics/{topic_id}/move").status_code == 200
    response = post_form(client, f"/community/topics/{topic_id}/move", {"space": other.id},
                         page=f"/community/topics/{topic_id}/move")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Topic, topic_id).space_id == other.id
    assert "A topic" in page_of(client, "/community/spaces/other-space")
    assert signed_in(app, poster).get(f"/community/topics/{topic_id}/move").status_code == 403


def test_a_lead_splits_replies_into_a_new_topic_numbered_and_counted_coherently(app, space, make_member):
    lead, poster = make_member(), make_member()
    name_in(app, space, lead, "lead")
    topic_id = topic_with_replies(app, space, poster, [poster] * 5, kind="question")
    with app.app_context():
        posts = db.session.scalars(select(Post).where(Post.topic_id == topic_id).order_by(Post.number)).all()
        moving = [posts[2].id, posts[4].id]  # replies numbered 3 and 5
        topic = db.session.get(Topic, topic_id)
        topic.answer_post_id = posts[4].id
        db.session.commit()
    client = signed_in(app, lead)
    assert "Replies to move" in page_of(client, f"/community/topics/{topic_id}/split")
    bad = post_form(client, f"/community/topics/{topic_id}/split", {"title": "Split off"},
                    page=f"/community/topics/{topic_id}/split")
    assert bad.status_code == 200 and "Choose one or more replies" in bad.get_data(as_text=True)
    response = post_form(client, f"/community/topics/{topic_id}/split", {"title": "Split off", "posts": moving},
                         page=f"/community/topics/{topic_id}/split")
    assert response.status_code == 302
    with app.app_context():
        new = db.session.scalar(select(Topic).where(Topic.title == "Split off"))
        old = db.session.get(Topic, topic_id)
        old_numbers = db.session.scalars(select(Post.number).where(Post.topic_id == old.id).order_by(Post.number)).all()
        new_posts = db.session.scalars(select(Post).where(Post.topic_id == new.id).order_by(Post.number)).all()
        assert old_numbers == [1, 2, 3, 4] and [p.number for p in new_posts] == [1, 2]
        assert [p.id for p in new_posts] == moving
        assert (old.reply_count, new.reply_count) == (3, 1)
        assert new.last_posted_at == new_posts[-1].published_at and old.answer_post_id is None
        assert new.author_id == poster.id and new.space_id == old.space_id


# -- erased authors and the data export ---------------------------------------------------------------------------

def test_an_erased_authors_posts_show_former_member_and_their_own_posts_are_in_their_download(app, space,
                                                                                            make_member):
    from copractice.members.data_rights import erase_member

    leaving, staying = make_member(name="Lena Leaving"), make_member()
    name_in(app, space, leaving, "moderator")
    topic_id = topic_with_replies(app, space, leaving, [staying, leaving], body="Kind words")
    client = signed_in(app, leaving)
    download = client.get("/account/data.json").get_json()
    assert [p["topic"] for p in download["community_posts"]] == ["A topic", "A topic"]
    assert download["community_posts"][0]["started_the_topic"] is True
    assert download["community_spaces"] == [{"space": "Regional Forum", "part": "Moderator",
                                             "since": download["community_spaces"][0]["since"]}]
    assert "Kind words" in page_of(client, "/account/data")
    with app.test_request_context():
        erase_member(member(app, leaving.id))
        db.session.commit()
    reader = signed_in(app, staying)
    page = page_of(reader, f"/community/topics/{topic_id}")
    assert "Former member" in page and "Lena Leaving" not in page and "Kind words" in page
    listing = page_of(reader, "/community/spaces/regional-forum")
    assert "Former member" in listing and "Lena Leaving" not in listing


# -- cards -----------------------------------------------------------------------------------------------------

def test_links_to_resources_and_courses_are_cards_only_for_what_the_reader_may_see(app, space, make_member):
    from copractice.library.models import Resource
    from tests.factories_courses import create_course

    poster, reader = make_member(), make_member()
    with app.app_context():
        db.session.add_all([
            Resource(slug="open-guide", title="Open guide", summary="s", type="guide", status="published",
                     visibility="public", year=2025),
            Resource(slug="draft-guide", title="Draft guide", summary="s", type="guide", status="draft"),
        ])
        create_course(title="Working together").slug = "working-together"
        create_course(title="Secret draft course", status="draft").slug = "secret-draft"
        db.session.commit()
    body = ("See [the guide](/resources/open-guide), http://127.0.0.1:5000/courses/working-together and "
            "/resources/draft-guide and /courses/secret-draft and https://elsewhere.example/resources/open-guide")
    with app.test_request_context():
        app.config["BASE_URL"] = "http://127.0.0.1:5000"
        topic = posting.start_topic(member(app, poster.id), db.session.get(Space, space.id), title="Links", body=body)
        db.session.commit()
        topic_id = topic.id
    page = page_of(signed_in(app, reader), f"/community/topics/{topic_id}")
    cards = page[page.index('aria-label="Linked from this post"'):]
    assert 'href="/resources/open-guide">Open guide</a>' in cards and "2025" in cards
    assert 'href="/courses/working-together">Working together</a>' in cards
    assert "Draft guide</a>" not in cards and "Secret draft course" not in cards
    assert cards.count('class="card"') == 2
    admin_page = page_of(signed_in(app, make_member(role="admin")), f"/community/topics/{topic_id}")
    assert "Secret draft course</a>" in admin_page and "Draft guide</a>" in admin_page


# -- query budgets ------------------------------------------------------------------------------------------------

def test_the_space_page_reads_the_same_number_of_statements_for_3_or_30_topics(app, space, make_member):
    reader = make_member()
    client = signed_in(app, reader)
    for _ in range(2):  # the worker makes the themes' spaces, then sees them there: what follows is every later page
        client.get("/community/")
    authors = [make_member() for _ in range(30)]
    counts = []
    for size in (3, 30):
        for author in authors[len(counts) * 3:size]:
            topic_with_replies(app, space, author, [author])
        status, count = queries_for(app, client, "/community/spaces/regional-forum")
        assert status == 200
        counts.append(count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 12


def test_a_topic_page_reads_the_same_number_of_statements_for_3_or_30_replies(app, space, make_member):
    from copractice.library.models import Resource
    from tests.factories_courses import create_course

    app.config["COMMUNITY_POSTS_PER_PAGE"] = 50  # every reply on one page
    with app.app_context():
        for n in range(30):
            db.session.add(Resource(slug=f"guide-{n}", title=f"Guide {n}", summary="s", type="guide",
                                    status="published", visibility="public"))
            create_course(title=f"Course x{n}").slug = f"course-x{n}"
        db.session.commit()
    asker, reader = make_member(), make_member()
    repliers = [make_member() for _ in range(30)]
    topic_id = topic_with_replies(app, space, asker, [], kind="question")
    client = signed_in(app, reader)
    for _ in range(2):  # the worker makes the themes' spaces, then sees them there: what follows is every later page
        client.get("/community/")
    counts = []
    done = 0
    for size in (3, 30):
        with app.test_request_context():
            topic = db.session.get(Topic, topic_id)
            for n in range(done, size):
                quoted = db.session.scalar(select(Post).where(Post.topic_id == topic_id, Post.number == n + 1))
                posting.reply(member(app, repliers[n].id), topic, quote_of=quoted,
                              body=f"See /resources/guide-{n} and /courses/course-x{n}")
            topic.answer_post_id = db.session.scalar(select(Post.id).where(Post.topic_id == topic_id,
                                                                           Post.number == 2))
            db.session.commit()
        done = size
        status, count = queries_for(app, client, f"/community/topics/{topic_id}")
        assert status == 200
        counts.append(count)
    page = page_of(client, f"/community/topics/{topic_id}")
    assert page.count('class="card"') == 60 and page.count("<blockquote") == 30
    assert counts[0] == counts[1], counts
    assert counts[1] <= 16


def test_two_replies_at_once_get_different_numbers(app, space, make_member, monkeypatch):
    """Each reply takes the topic's row before it numbers itself: the second waits, then numbers after the first."""
    import contextlib
    import threading

    poster = make_member()
    topic_id = topic_with_replies(app, space, poster, [])
    both_counting = threading.Barrier(2, timeout=1)
    real_next = posting._next_number

    def next_number_when_both_count(topic):
        # Without the lock both get here, read the same number, and one insert fails; with it the other reply
        # waits for this one's commit, so nobody else comes and the wait gives up.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counting.wait()
        return real_next(topic)

    monkeypatch.setattr(posting, "_next_number", next_number_when_both_count)
    errors = []

    def write(text):
        try:
            with app.test_request_context():
                posting.reply(member(app, poster.id), db.session.get(Topic, topic_id), body=text)
                db.session.commit()
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(f"Reply {n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with app.app_context():
        numbers = db.session.scalars(select(Post.number).where(Post.topic_id == topic_id).order_by(Post.number)).all()
        assert numbers == [1, 2, 3] and db.session.get(Topic, topic_id).reply_count == 2


def test_topic_lists_and_topics_are_paged_and_a_posts_link_finds_its_page(app, space, make_member):
    app.config.update(COMMUNITY_TOPICS_PER_PAGE=2, COMMUNITY_POSTS_PER_PAGE=2)
    poster = make_member()
    for n in range(3):
        topic_id = topic_with_replies(app, space, poster, [poster] * 2, title=f"Topic number {n}")
    client = signed_in(app, poster)
    first = page_of(client, "/community/spaces/regional-forum")
    assert "Topic number 2" in first and "Topic number 1" in first and "Topic number 0" not in first
    assert "Page 1 of 2" in first
    assert "Topic number 0" in page_of(client, "/community/spaces/regional-forum?page=2")
    with app.app_context():
        third = db.session.scalar(select(Post.id).where(Post.topic_id == topic_id, Post.number == 3))
    assert client.get(f"/community/posts/{third}").headers["Location"].endswith(
        f"/community/topics/{topic_id}?page=2#post-3")
    assert 'id="post-3"' in page_of(client, f"/community/topics/{topic_id}?page=2")
    assert 'id="post-3"' not in page_of(client, f"/community/topics/{topic_id}")


@pytest.mark.parametrize("fields, error", [({"title": ""}, "Enter a title."), ({"body": "\x00"}, "cannot be shown"),
                                           ({"body": "x" * 100_000}, "20,000 characters")])
def test_bad_edits_are_shown_beside_the_field(app, space, make_member, fields, error):
    author = make_member()
    topic_id = topic_with_replies(app, space, author, [author])
    with app.app_context():
        first, reply = db.session.scalars(select(Post.id).where(Post.topic_id == topic_id).order_by(Post.number))
    client = signed_in(app, author)
    response = post_form(client, f"/community/posts/{first}/edit", {"title": "Kept", "body": "Kept", **fields})
    assert response.status_code == 200 and error in response.get_data(as_text=True)
    assert 'name="title"' not in page_of(client, f"/community/posts/{reply}/edit")
    assert post_form(client, f"/community/posts/{reply}/edit", {"body": "Changed reply"}).status_code == 302
