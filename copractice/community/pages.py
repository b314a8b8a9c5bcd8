"""What the community's pages read: a space's topic list and a topic's posts, each in a fixed number of statements.

Held posts are shown to their author and the space's moderators; hidden posts to their author (with the reason)
and to moderators (as hidden); to nobody else. A topic whose first post is not published is listed likewise.
"""
import math
from dataclasses import dataclass
from functools import cache

from flask import g, url_for
from sqlalchemy import and_, bindparam, func, or_, select, text, true
from sqlalchemy.orm import aliased, joinedload

from copractice.community import spaces, watching
from copractice.community.models import Post, Space, Topic
from copractice.extensions import db
from copractice.members.models import Member
from copractice.permissions import can

FORMER_MEMBER = "Former member"
_MARK = 987_654_321_012_345  # stands in for a row's id while a link is built once (no row has it)


def id_url(endpoint, key, value, **fixed):
    """``url_for(endpoint, **{key: value}, **fixed)`` for pages that link each of their rows to the same route (a
    topic list's topics, a topic's posts): the link is built once a request with a marker where the id goes and
    each row's id is put in its place, instead of Werkzeug building every link (25 us each; 25 to 60 of them a
    page). Used in templates as ``id_url('community.topic', 'topic_id', row.id)``."""
    if type(value) is not int:
        return url_for(endpoint, **{key: value}, **fixed)
    built = g.setdefault("_id_urls", {})
    known = (endpoint, key, tuple(sorted(fixed.items())))
    parts = built.get(known)
    if parts is None:
        head, mark, tail = url_for(endpoint, **{key: _MARK}, **fixed).partition(str(_MARK))
        parts = built[known] = (head, tail) if mark and str(_MARK) not in tail else ()
    if not parts:  # the marker's digits were in the link anyway (never in practice): build this one
        return url_for(endpoint, **{key: value}, **fixed)
    return f"{parts[0]}{value}{parts[1]}"


@dataclass
class Pager:
    page: int
    per_page: int
    total: int

    @property
    def pages(self):
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def prev_num(self):
        return self.page - 1

    @property
    def next_num(self):
        return self.page + 1

    @property
    def offset(self):
        return (self.page - 1) * self.per_page


def _me(member):
    return member.id if getattr(member, "is_authenticated", False) else None


def _post_shown(member, moderator):
    """SQL condition on Post: the posts ``member`` sees in a space (``moderator``: they moderate it)."""
    if moderator:
        return true()
    me = _me(member)
    return Post.status == "published" if me is None else or_(Post.status == "published", Post.author_id == me)


@dataclass
class TopicRow:
    id: int
    title: str
    kind: str
    pinned: bool
    closed: bool
    answered: bool
    reply_count: int
    last_posted_at: object
    author: str
    status: str  # the first post's


# The topic list's statements are built once (per database dialect), with the space, the reader and the page as
# bound parameters: building them on every request (columns compared, an aliased first post adapted) was a
# millisecond of the page. They hold no data, only SQL, so nothing about them goes stale.

@cache
def space_statement(with_roles):
    """A space by its ``slug``, with its roles for a signed-in reader (the permission rules read them; a visitor's
    rules never do) in the same statement (a row each: ``.unique()`` the result)."""
    statement = select(Space).where(Space.slug == bindparam("slug"))
    return statement.options(joinedload(Space.roles)) if with_roles else statement


@cache
def topic_statement(with_roles):
    """(topic, its first post) by the topic's id (``topic``), in one statement with the topic's space (and the
    space's roles for a signed-in reader: a row each, hence ``.unique()`` on the result): the first post says
    whether the topic may be read."""
    first = aliased(Post, name="first_post")
    load = joinedload(Topic.space)
    return (select(Topic, first).join(first, and_(first.topic_id == Topic.id, first.number == 1))
            .where(Topic.id == bindparam("topic"))
            .options(load.joinedload(Space.roles) if with_roles else load))


@cache
def _count_topics_statement():
    return select(func.count()).select_from(Topic).where(Topic.space_id == bindparam("space"))


@cache
def _unlisted_statement(dialect, mine_excepted):
    """How many first posts of a space are held or hidden (less the reader's own, ``mine_excepted``).

    The condition is written out, not bound: the planners use a partial index only for its own condition, word
    for word. SQLite, which keeps no statistics here, is told to (else it reads the (topic, number) index)."""
    indexed = " INDEXED BY ix_post_unlisted_first" if dialect == "sqlite" else ""
    statement = (select(func.count()).select_from(text(f"post{indexed} JOIN topic ON topic.id = post.topic_id"))
                 .where(text("post.number = 1 AND post.status != 'published' AND topic.space_id = :space")))
    if mine_excepted:
        statement = statement.where(text("(post.author_id IS NULL OR post.author_id != :me)"))
    return statement


@cache
def _topic_rows_statement(listed):
    """A page of a space's topics; ``listed``: "all" (moderators), "published" (visitors), "published_or_mine"."""
    first = aliased(Post, name="first_post")
    # The first post decides whether a topic is listed (the condition of _post_shown, on the first post).
    condition = {"all": true(), "published": first.status == "published",
                 "published_or_mine": or_(first.status == "published", first.author_id == bindparam("me"))}[listed]
    return (select(Topic.id, Topic.title, Topic.kind, Topic.pinned, Topic.closed_at, Topic.answer_post_id,
                   Topic.reply_count, Topic.last_posted_at, Member.name, first.status)
            .join(first, and_(first.topic_id == Topic.id, first.number == 1))
            .outerjoin(Member, Member.id == Topic.author_id)
            .where(Topic.space_id == bindparam("space"), condition)
            .order_by(Topic.pinned.desc(), Topic.last_posted_at.desc(), Topic.id.desc())
            .limit(bindparam("limit")).offset(bindparam("offset")))


def _listed_topics(space, moderator, me):
    """How many topics of ``space`` are listed: all of them, less those whose first post is held or hidden (and
    not the reader's own). Two index reads whatever the number of topics (ix_topic_space_list, and the partial
    ix_post_unlisted_first, which holds only the few first posts not published)."""
    if moderator:
        return db.session.scalar(_count_topics_statement(), {"space": space.id}) or 0
    params = {"space": space.id} if me is None else {"space": space.id, "me": me}
    total, unlisted = db.session.execute(_listed_counts_statement(db.session.get_bind().dialect.name,
                                                                  me is not None), params).one()
    return (total or 0) - (unlisted or 0)


@cache
def _listed_counts_statement(dialect, mine_excepted):
    """(the space's topics, those of them unlisted) in one statement: one round trip instead of two."""
    return select(_count_topics_statement().scalar_subquery(),
                  _unlisted_statement(dialect, mine_excepted).scalar_subquery())


def topic_list(member, space, *, page, per_page):
    """(rows, pager) of the topics of ``space`` ``member`` sees: pinned first, then the latest activity."""
    moderator = can(member, "space.moderate", space)
    me = _me(member)
    total = _listed_topics(space, moderator, me)
    pager = Pager(page=page, per_page=per_page, total=total or 0)
    listed = "all" if moderator else "published" if me is None else "published_or_mine"
    params = {"space": space.id, "limit": per_page, "offset": pager.offset}
    if listed == "published_or_mine":
        params["me"] = me
    rows = db.session.execute(_topic_rows_statement(listed), params).all()
    return [TopicRow(id=r[0], title=r[1], kind=r[2], pinned=r[3], closed=r[4] is not None, answered=r[5] is not None,
                     reply_count=r[6], last_posted_at=r[7], author=r[8] or FORMER_MEMBER, status=r[9])
            for r in rows], pager


@dataclass
class Quote:
    number: int
    topic_id: int
    html: str
    author: str
    post_id: int


@dataclass
class ShownPost:
    post: Post
    author: str
    quote: Quote | None = None


def _authors(rows):
    return [ShownPost(post=post, author=name or FORMER_MEMBER) for post, name in rows]


def _shown_kind(member, moderator):
    """Which posts ``member`` sees (``_post_shown`` by name): "all", "published" or "published_or_mine"."""
    return "all" if moderator else "published" if _me(member) is None else "published_or_mine"


@cache
def _shown_condition(kind):
    return {"all": true(), "published": Post.status == "published",
            "published_or_mine": or_(Post.status == "published", Post.author_id == bindparam("me"))}[kind]


@cache
def _post_count_statement(kind):
    return select(func.count(Post.id)).where(Post.topic_id == bindparam("topic"), _shown_condition(kind))


@cache
def _post_rows_statement(kind):
    """A page of a topic's posts with their authors' names, and on each row how many posts the reader sees in the
    topic (a subquery run once: one round trip for the page and its pager). Built once for each kind of reader (the
    statements hold no data: the topic, the reader and the page are bound)."""
    return (select(Post, Member.name, _post_count_statement(kind).scalar_subquery())
            .outerjoin(Member, Member.id == Post.author_id)
            .where(Post.topic_id == bindparam("topic"), _shown_condition(kind)).order_by(Post.number)
            .limit(bindparam("limit")).offset(bindparam("offset")))


@cache
def _quoted_statement():
    """Published posts (quoted, or the accepted answer) by id, with their authors' names."""
    return (select(Post, Member.name).outerjoin(Member, Member.id == Post.author_id)
            .where(Post.id.in_(bindparam("ids", expanding=True)), Post.status == "published"))


def topic_posts(member, topic, *, page, per_page, moderator=None):
    """(shown posts, pager, accepted answer or None) of ``topic`` as ``member`` sees them (``moderator``: whether
    they moderate its space, when the caller knows; else asked)."""
    if moderator is None:
        moderator = can(member, "space.moderate", topic.space)
    kind = _shown_kind(member, moderator)
    params = {"topic": topic.id} if kind != "published_or_mine" else {"topic": topic.id, "me": _me(member)}
    offset = (page - 1) * per_page
    rows = db.session.execute(_post_rows_statement(kind), {**params, "limit": per_page, "offset": offset}).all()
    # A page past the last has no rows to carry the count: only then is it asked on its own.
    total = rows[0][2] if rows else db.session.scalar(_post_count_statement(kind), params)
    pager = Pager(page=page, per_page=per_page, total=total or 0)
    posts = _authors((post, name) for post, name, _ in rows)
    quote_ids = {p.post.quote_of_id for p in posts if p.post.quote_of_id}
    answer = None
    wanted = set(quote_ids)
    if topic.answer_post_id:
        wanted.add(topic.answer_post_id)
    if wanted:
        found = {post.id: ShownPost(post=post, author=name or FORMER_MEMBER) for post, name in db.session.execute(
            _quoted_statement(), {"ids": sorted(wanted)}).all()}
        for shown_post in posts:
            quoted = found.get(shown_post.post.quote_of_id)
            if quoted is not None:
                shown_post.quote = Quote(number=quoted.post.number, topic_id=quoted.post.topic_id,
                                         html=quoted.post.html, author=quoted.author, post_id=quoted.post.id)
        answer = found.get(topic.answer_post_id)
        if answer is not None and answer.post.topic_id != topic.id:
            answer = None
    return posts, pager, answer


@dataclass
class Reader:
    """What the topic page shows a signed-in reader about themselves."""
    has_posted: bool  # in the topic's space (else the guidelines come with the reply form)
    watch_level: str  # how closely they watch the topic, and whether they chose it for the topic itself
    watch_chosen: bool


@cache
def _reader_statement():
    """(posted in the space, the topic's watch level, the space's) in one statement: ``member``, ``topic`` and
    ``space`` are bound."""
    return select(spaces.has_posted_statement().scalar_subquery(),
                  *watching.topic_levels_statement().selected_columns)


def topic_reader(member, topic):
    """The ``Reader`` facts of ``member`` on ``topic``'s page, in one statement (None for a visitor)."""
    if not getattr(member, "is_authenticated", False):
        return None
    posted, chosen, level = db.session.execute(_reader_statement(), {
        "member": member.id, "topic": topic.id, "space": topic.space_id}).one()
    level, chosen = watching.topic_level_from(chosen, level)
    return Reader(has_posted=bool(posted), watch_level=level, watch_chosen=chosen)


def post_page(member, post, per_page):
    """The page of its topic ``post`` is on, for ``member`` (who may see it)."""
    moderator = can(member, "space.moderate", post.topic.space)
    before = db.session.scalar(select(func.count(Post.id)).where(
        Post.topic_id == post.topic_id, Post.number < post.number, _post_shown(member, moderator)))
    return (before or 0) // per_page + 1
