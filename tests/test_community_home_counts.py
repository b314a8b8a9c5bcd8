"""The community home page counts, for each space, the topics its reader is shown (review of issue 14): a topic
whose first post waits for a moderator (or was hidden) is counted only for its author and the space's moderators,
as the space's own page counts it (tests/test_community_topic_count.py). The page reads the same number of
statements for 2 or 12 spaces."""
import re

from flask_login import AnonymousUserMixin

from copractice.community import pages, spaces
from copractice.extensions import db
from copractice.members.models import Member
from copractice.testing import log_in
from tests.community_safety_factory import make_post, make_space, make_topic
from tests.conftest import create_member
from tests.query_budget import queries_for


def counts(member):
    return {space.slug: n for space, n in spaces.spaces_for(member)}


def test_each_reader_is_counted_the_topics_they_are_shown(app):
    with app.test_request_context():
        author, other, moderator = create_member(), create_member(), create_member()
        space = make_space(moderators=[moderator], visibility="open")
        made = [make_topic(space, writer, title=title, status=status) for writer, title, status in (
            (other, "Published", "published"), (other, "Also published", "published"),
            (author, "Held, by the author", "held"), (other, "Hidden, by the other", "hidden"),
            (other, "Published, with a held reply", "published"))]
        make_post(made[-1][0], author, "A held reply", status="held")  # a held reply does not hide its topic
        db.session.commit()

        readers = {"visitor": AnonymousUserMixin(), "member": create_member(), "author": author, "other": other,
                   "moderator": moderator}
        shown = {name: counts(reader)[space.slug] for name, reader in readers.items()}
        assert shown == {"visitor": 3, "member": 3, "author": 4, "other": 4, "moderator": 5}
        for reader in readers.values():  # what the space's own page says
            assert counts(reader)[space.slug] == pages.topic_list(reader, space, page=1, per_page=20)[1].total


def test_the_page_shows_the_readers_count_and_reads_no_more_for_more_spaces(app, client):
    with app.test_request_context():
        create_member(email="reader@example.org")
        author = create_member()
        space = make_space(name="Counted space")
        make_topic(space, author, title="Shown")
        make_topic(space, author, title="Waiting", status="held")
        db.session.commit()
        author_id = author.id
    log_in(client, "reader@example.org")
    html = client.get("/community/").get_data(as_text=True)
    card = html[html.index("Counted space"):]
    assert re.search(r"<dt>Topics</dt><dd>(\d+)</dd>", card).group(1) == "1"

    client.get("/community/")  # the theme spaces are checked once more after they are made, then remembered
    _, few = queries_for(app, client, "/community/")
    with app.test_request_context():
        author = db.session.get(Member, author_id)
        for n in range(10):
            made = make_space()
            make_topic(made, author, title=f"Waiting {n}", status="held")
        db.session.commit()
    assert queries_for(app, client, "/community/") == (200, few)
