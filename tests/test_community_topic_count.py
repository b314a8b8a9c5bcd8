"""A space's topic list counts its topics from two small index reads (issue 14 point 10), and the count is the
number of topics each reader is shown: topics whose first post is held or hidden count only for their author and
the space's moderators; a held reply does not hide its topic."""
from flask_login import AnonymousUserMixin
from sqlalchemy import event

from copractice.community import pages
from copractice.extensions import db
from tests.community_safety_factory import make_post, make_space, make_topic
from tests.conftest import create_member


def listing(member, space):
    rows, pager = pages.topic_list(member, space, page=1, per_page=2)
    return pager.total, len(rows)


def test_each_reader_is_counted_the_topics_they_are_shown(app):
    with app.test_request_context():
        author, other, moderator = create_member(), create_member(), create_member()
        space = make_space(moderators=[moderator])
        for n in range(3):
            make_topic(space, other, title=f"Published {n}")
        make_topic(space, author, title="Held, by the author", status="held")
        make_topic(space, other, title="Hidden, by the other", status="hidden")
        topic, _ = make_topic(space, other, title="Published, with a held reply")
        make_post(topic, author, "A held reply", status="held")
        elsewhere = make_space()
        make_topic(elsewhere, author, title="Held in another space", status="held")
        db.session.commit()

        assert listing(AnonymousUserMixin(), space)[0] == 4
        assert listing(other, space)[0] == 5  # their own hidden topic is shown to them (with the reason)
        assert listing(author, space)[0] == 5  # and their own held topic to them
        assert listing(create_member(), space)[0] == 4
        assert listing(moderator, space)[0] == 6
        # The pages hold what the count says.
        assert sum(len(pages.topic_list(author, space, page=p, per_page=2)[0]) for p in (1, 2, 3)) == 5


def test_the_count_reads_no_more_with_more_topics(app):
    with app.test_request_context():
        member = create_member()
        space = make_space()
        statements = []

        def counted(*args):
            statements.append(args[2])

        for many in (3, 30):
            for n in range(many):
                make_topic(space, member, title=f"Topic {many}-{n}")
            db.session.commit()
            statements.clear()
            event.listen(db.engine, "before_cursor_execute", counted)
            try:
                pages.topic_list(create_member(), space, page=1, per_page=10)
            finally:
                event.remove(db.engine, "before_cursor_execute", counted)
            if many == 3:
                few = len(statements)
        assert len(statements) == few
