"""Topics and replies: starting, replying, quoting, editing, answers; and what leads do (pin, close, move, split).

Every post goes through ``safety.check_may_post`` (may this member post here?) and ``safety.hold_new_post`` (does
it wait for a moderator?). A post readers can see is announced once through ``events.post_published`` (watchers,
mentions, plugins). Operations flush, never commit; refusals are ``Refused`` with a message for the person.

Topic counters (``reply_count``, ``last_posted_at``) count published posts only; every operation here that
changes what is published keeps them right (``recount``).
"""
from datetime import datetime

from sqlalchemy import case, func, select, update

from copractice.community import events, safety
from copractice.community.models import TOPIC_KINDS, Post, Space, Topic
from copractice.errors import Refused
from copractice.extensions import db
from copractice.forms import has_line_breaking
from copractice.markup import render_post
from copractice.permissions import can
from copractice.timeutil import utcnow

TITLE_MAX = 200
BODY_MAX = 20_000


def check_title(title: str) -> str:
    """The title as stored, or ``Refused`` with what to change."""
    title = (title or "").strip()
    if not title:
        raise Refused("Enter a title.")
    if len(title) > TITLE_MAX:
        raise Refused(f"Keep the title to {TITLE_MAX} characters or fewer.")
    if has_line_breaking(title):
        raise Refused("Use a single line for the title: remove line breaks, tabs or hidden characters.")
    return title


def check_body(body: str) -> str:
    """The post as stored, or ``Refused`` with what to change."""
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise Refused("Write your post.")
    if len(body) > BODY_MAX:
        raise Refused(f"Keep your post to {BODY_MAX:,} characters or fewer. You could split it into two posts.")
    if "\ufffd" in body or any(ord(c) < 32 and c not in "\n\t" for c in body):
        raise Refused("Your post has characters that cannot be shown. Remove them and try again.")
    return body


def _lock(topic: Topic) -> None:
    """Take the topic's row for this transaction, so two replies at once get different numbers."""
    db.session.execute(update(Topic).where(Topic.id == topic.id).values(last_posted_at=Topic.last_posted_at)
                       .execution_options(synchronize_session=False))


def _next_number(topic: Topic) -> int:
    return (db.session.scalar(select(func.max(Post.number)).where(Post.topic_id == topic.id)) or 0) + 1


def recount(topic: Topic) -> None:
    """Set ``topic``'s reply count and latest activity from its published posts."""
    db.session.flush()
    count, latest = db.session.execute(
        select(func.count(Post.id).filter(Post.number > 1), func.max(Post.published_at))
        .where(Post.topic_id == topic.id, Post.status == "published")).one()
    topic.reply_count = count or 0
    topic.last_posted_at = latest or topic.created_at
    db.session.flush()


def publish(post: Post, now: datetime | None = None) -> None:
    """Make ``post`` visible to readers (a new post, or a held one a moderator lets through) and announce it."""
    now = now or utcnow()
    post.status = "published"
    post.published_at = now
    topic = post.topic
    db.session.flush()
    # Counted in SQL, not from the topic as this request loaded it: another reply may have been counted since.
    db.session.execute(update(Topic).where(Topic.id == topic.id).values(
        reply_count=Topic.reply_count + (1 if post.number > 1 else 0),
        last_posted_at=case((Topic.last_posted_at < now, now), else_=Topic.last_posted_at))
        .execution_options(synchronize_session=False))
    db.session.expire(topic, ["reply_count", "last_posted_at"])
    events.post_published(post)


def _write(member, topic: Topic, body: str, now: datetime, *, quote_of: Post | None = None) -> Post:
    space = topic.space
    held = bool(safety.hold_new_post(member, space))
    _lock(topic)
    post = Post(topic=topic, number=_next_number(topic), author_id=member.id, body=body, html=render_post(body),
                status="held" if held else "published", quote_of_id=quote_of.id if quote_of else None,
                created_at=now)
    db.session.add(post)
    db.session.flush()
    if not held:
        publish(post, now)
    return post


def start_topic(member, space: Space, *, title: str, body: str, kind: str = "discussion",
                now: datetime | None = None) -> Topic:
    """A new topic in ``space`` with its first post (held for a moderator when safety says so)."""
    now = now or utcnow()
    safety.check_may_post(member, space)
    if kind not in TOPIC_KINDS:
        raise Refused("Choose what kind of topic it is.")
    if kind == "announcement" and not can(member, "space.lead", space):
        raise Refused("Only the space's leads can make announcements.")
    title, body = check_title(title), check_body(body)
    topic = Topic(space=space, author_id=member.id, title=title, kind=kind, created_at=now, last_posted_at=now)
    db.session.add(topic)
    db.session.flush()
    _write(member, topic, body, now)
    return topic


def may_read_post(member, post: Post, space: Space) -> bool:
    """Published posts: whoever reads the space; held and hidden ones: their author and the space's moderators."""
    if not can(member, "space.view", space):
        return False
    if post.status == "published":
        return True
    mine = getattr(member, "is_authenticated", False) and post.author_id == member.id
    return mine or can(member, "space.moderate", space)


def first_post(topic: Topic) -> Post | None:
    return db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.number == 1))


def may_read_topic(member, topic: Topic, *, first: Post | None = None) -> bool:
    """A topic is read where its space is, once its first post is published (before: its author, moderators).
    ``first``: the topic's first post when the caller has it already (else it is looked up)."""
    first = first if first is not None else first_post(topic)
    return first is not None and may_read_post(member, first, topic.space)


def reply(member, topic: Topic, *, body: str, quote_of: Post | None = None, now: datetime | None = None) -> Post:
    """A reply to ``topic``, perhaps quoting one of its posts (held for a moderator when safety says so)."""
    now = now or utcnow()
    safety.check_may_post(member, topic.space)
    if not may_read_topic(member, topic):
        raise Refused("You cannot reply to this topic.")
    if topic.closed_at is not None:
        raise Refused("This topic is closed: nobody can reply to it any more.")
    if quote_of is not None and (quote_of.topic_id != topic.id or quote_of.status != "published"):
        raise Refused("You can only quote a post in this topic that everyone can see.")
    return _write(member, topic, check_body(body), now, quote_of=quote_of)


def edit_post(member, post: Post, *, body: str, title: str | None = None, now: datetime | None = None) -> Post:
    """The author changes their post (and, for a topic's first post, its title)."""
    now = now or utcnow()
    if not getattr(member, "is_authenticated", False) or post.author_id != member.id:
        raise Refused("You can only change your own posts.")
    safety.check_may_post(member, post.topic.space)
    body = check_body(body)
    if title is not None and post.number == 1:
        post.topic.title = check_title(title)
    if body != post.body:
        post.body, post.html = body, render_post(body)
    post.edited_at = now
    db.session.flush()
    return post


def _must_lead(member, topic: Topic) -> None:
    if not can(member, "space.lead", topic.space):
        raise Refused("Only the space's leads can do that.")


def mark_answer(member, topic: Topic, post: Post) -> Topic:
    """The asker (or a lead) marks ``post`` as the answer to their question; marking it again unmarks it."""
    if topic.kind != "question":
        raise Refused("Only questions have answers.")
    asker = getattr(member, "is_authenticated", False) and topic.author_id == member.id
    if not (asker or can(member, "space.lead", topic.space)):
        raise Refused("Only the person who asked, or a lead, can mark the answer.")
    if post.topic_id != topic.id or post.number == 1 or post.status != "published":
        raise Refused("Choose a reply in this topic that everyone can see.")
    topic.answer_post_id = None if topic.answer_post_id == post.id else post.id
    db.session.flush()
    return topic


def set_pinned(member, topic: Topic, pinned: bool) -> Topic:
    """Pin a topic to the top of its space's list, or unpin it."""
    _must_lead(member, topic)
    topic.pinned = bool(pinned)
    db.session.flush()
    return topic


def set_closed(member, topic: Topic, closed: bool, now: datetime | None = None) -> Topic:
    """Close a topic to replies, or open it again."""
    _must_lead(member, topic)
    topic.closed_at = (now or utcnow()) if closed else None
    db.session.flush()
    return topic


def move_topic(member, topic: Topic, to_space: Space) -> Topic:
    """Move a topic (with its posts) to another space the lead may read."""
    _must_lead(member, topic)
    if to_space.id == topic.space_id:
        raise Refused("The topic is already in that space.")
    if not can(member, "space.view", to_space) or to_space.archived_at is not None:
        raise Refused("You cannot move topics into that space.")
    if topic.kind == "announcement" and not can(member, "space.lead", to_space):
        raise Refused("Only the other space's leads can move an announcement there.")
    topic.space = to_space
    db.session.flush()
    return topic


def split_topic(member, topic: Topic, post_ids: list[int], *, title: str, now: datetime | None = None) -> Topic:
    """Move some replies of ``topic`` into a new topic in the same space; both topics are numbered 1, 2, 3...

    The new topic's author is the author of its first post; it is a discussion. Counters of both are recounted,
    and an answer that moved is unmarked."""
    now = now or utcnow()
    _must_lead(member, topic)
    title = check_title(title)
    wanted = set(post_ids or ())
    posts = db.session.scalars(select(Post).where(Post.topic_id == topic.id).order_by(Post.number)).all()
    moving = [p for p in posts if p.id in wanted and p.number > 1]
    if not moving or len(moving) != len(wanted):
        raise Refused("Choose one or more replies to move to the new topic.")
    staying = [p for p in posts if p not in moving]
    _lock(topic)
    new = Topic(space_id=topic.space_id, author_id=moving[0].author_id, title=title, kind="discussion",
                created_at=moving[0].created_at, last_posted_at=now)
    db.session.add(new)
    db.session.flush()
    # Two steps, so no moment has two posts of one topic with the same number (a unique pair).
    for i, post in enumerate(moving, start=1):
        post.topic_id, post.number = new.id, -i
    for post in staying:
        post.number = -post.number
    db.session.flush()
    for i, post in enumerate(moving, start=1):
        post.number = i
    for i, post in enumerate(staying, start=1):
        post.number = i
    if topic.answer_post_id in {p.id for p in moving}:
        topic.answer_post_id = None
    db.session.flush()
    for changed in (topic, new):
        db.session.expire(changed)
        recount(changed)
    return new
