"""Watching spaces and topics, @mentions and notices (issue 14 point 3; the emails are in community/digests.py).

The levels are Discourse's, for each space and each topic (a topic's level overrides its space's):

- **Watching**: every new post (in a space: every new topic and every reply).
- **Watching first post** (spaces only): every new topic, and no replies.
- **Normal** (what everyone is, until they choose): only when someone @mentions you or replies to you: quotes
  one of your posts, or replies (quoting nobody) in a topic you started.
- **Muted**: nothing at all, not even @mentions or replies to you.

Posting in a topic (its first post or a reply) makes you Watching it, as Discourse does, unless you chose a level
for that topic yourself before (a muted topic stays muted).

``post_published(post)`` is called (through community/events.py) once for every post that becomes visible. It
gives each person it concerns one in-app notice about the post (the strongest reason: a mention, a reply to
you, a post in something you watch), and records it (CommunityNotification) for the emails, which go later.
Never to the author, to a member who is erased or switched off, or who may not read the space.
"""
import re
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import selectinload

from copractice.community.models import Post, Space, Topic
from copractice.community.watch_models import (
    DEFAULT_DELIVERY,
    DELIVERY,
    REASONS,
    TOPIC_WATCH_LEVELS,
    WATCH_LEVELS,
    CommunityEmailChoice,
    CommunityNotification,
    SpaceWatch,
    TopicWatch,
)
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.models import Notice
from copractice.permissions import can, visible_spaces
from copractice.timeutil import utcnow
from copractice.urls import base_url, external_url

# "@mary_smith" at the start of a line or after a space or punctuation (not inside an address like a@b.org).
_MENTION = re.compile(r"(?<![\w@./])@([a-z0-9_]{2,40})", re.IGNORECASE)
_FENCED = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")


def post_url(topic_id, number):
    """A post's address under BASE_URL (works in jobs too), by the forum's address contract:
    /community/topics/<id>#post-<number>."""
    if "community.topic" in current_app.view_functions:
        return external_url("community.topic", topic_id=topic_id, _anchor=f"post-{number}")
    return f"{base_url()}/community/topics/{topic_id}#post-{number}"


# -- levels -------------------------------------------------------------------------------------------------

@cache
def _space_level_statement():
    return select(SpaceWatch.level).where(SpaceWatch.member_id == bindparam("member"),
                                          SpaceWatch.space_id == bindparam("space"))


@cache
def topic_levels_statement():
    """(the topic's level, the space's level) in one statement: the levels the topic page's form shows. Built
    once: the statement holds no data."""
    return select(select(TopicWatch.level).where(TopicWatch.member_id == bindparam("member"),
                                                 TopicWatch.topic_id == bindparam("topic")).scalar_subquery(),
                  _space_level_statement().scalar_subquery())


def space_level(member, space):
    """``member``'s level for ``space``: their choice, else Normal."""
    if not getattr(member, "is_authenticated", False):
        return "normal"
    return db.session.scalar(_space_level_statement(), {"member": member.id, "space": space.id}) or "normal"


def topic_level(member, topic):
    """(level, chosen) for ``member`` and ``topic``: their choice for the topic, else the space's level (with
    "Watching first post" counting as Normal in a topic whose first post is already out), and whether it was
    chosen for the topic itself."""
    if not getattr(member, "is_authenticated", False):
        return "normal", False
    chosen, level = db.session.execute(topic_levels_statement(), {"member": member.id, "topic": topic.id,
                                                                  "space": topic.space_id}).one()
    return topic_level_from(chosen, level)


def topic_level_from(chosen, level):
    """(level, chosen) from the levels ``topic_levels_statement`` reads: the topic's own (or None), the space's."""
    if chosen is not None:
        return chosen, True
    level = level or "normal"
    return ("normal" if level == "first_post" else level), False


def _save_level(model, member, level, **key):
    row = db.session.scalar(select(model).filter_by(member_id=member.id, **key))
    if row is None:
        db.session.add(model(member_id=member.id, level=level, **key))
    else:
        row.level, row.updated_at = level, utcnow()
    db.session.flush()


def set_space_level(member, space, level):
    """Set ``member``'s watch level for ``space`` (the caller commits)."""
    if level not in WATCH_LEVELS:
        raise Refused("Choose how closely to watch this space.")
    if not can(member, "space.view", space):
        raise Refused("You cannot watch this space.")
    _save_level(SpaceWatch, member, level, space_id=space.id)


def set_topic_level(member, topic, level):
    """Set ``member``'s watch level for ``topic`` (the caller commits)."""
    if level not in TOPIC_WATCH_LEVELS:
        raise Refused("Choose how closely to watch this topic.")
    if not can(member, "space.view", topic.space):
        raise Refused("You cannot watch this topic.")
    _save_level(TopicWatch, member, level, topic_id=topic.id)


def delivery(member):
    """How ``member`` wants community email (a key of DELIVERY)."""
    return db.session.scalar(select(CommunityEmailChoice.delivery).where(
        CommunityEmailChoice.member_id == member.id)) or DEFAULT_DELIVERY


def set_delivery(member, choice):
    """Choose how community email comes (the caller commits)."""
    if choice not in DELIVERY:
        raise Refused("Choose how you want community emails.")
    row = db.session.get(CommunityEmailChoice, member.id)
    if row is None:
        db.session.add(CommunityEmailChoice(member_id=member.id, delivery=choice))
    else:
        row.delivery, row.updated_at = choice, utcnow()
    db.session.flush()


def watched_by(member):
    """The spaces ``member`` may read with their level for each (Normal when not chosen), and the topics they chose
    a level for: ((Space, level) rows, (Topic, Space, level) rows) in name order, for the settings page (two
    queries; the spaces are few, the topics at most 200)."""
    spaces = db.session.execute(
        select(Space, func.coalesce(SpaceWatch.level, "normal"))
        .outerjoin(SpaceWatch, (SpaceWatch.space_id == Space.id) & (SpaceWatch.member_id == member.id))
        .where(visible_spaces(member), Space.archived_at.is_(None)).order_by(Space.name)).all()
    topics = db.session.execute(
        select(Topic, Space, TopicWatch.level).join(TopicWatch, TopicWatch.topic_id == Topic.id)
        .join(Space, Space.id == Topic.space_id)
        .where(TopicWatch.member_id == member.id, visible_spaces(member))
        .order_by(Space.name, Topic.title).limit(200)).all()
    return spaces, topics


# -- @mentions -----------------------------------------------------------------------------------------------

def mentioned_handles(body):
    """The handles @mentioned in a post's Markdown, lower-case, in order, at most COMMUNITY_MAX_MENTIONS: not
    in code, and not in quoted lines (a quote repeats someone else's words; it does not call anyone)."""
    text = _INLINE_CODE.sub(" ", _FENCED.sub(" ", body or ""))
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")
             and not line.startswith(("    ", "\t"))]
    handles = []
    for match in _MENTION.finditer("\n".join(lines)):
        handle = match.group(1).lower()
        if handle not in handles:
            handles.append(handle)
    return handles[:current_app.config["COMMUNITY_MAX_MENTIONS"]]


# -- a post becomes visible -----------------------------------------------------------------------------------

def notice_text(reason, author_name, topic, space):
    title = f"\u201c{topic.title}\u201d"
    if reason == "mention":
        return f"{author_name} mentioned you in {title}"
    if reason == "reply":
        return f"{author_name} replied to your post in {title}"
    if reason == "first_post":
        return f"New topic in {space.name}: {title}"
    return f"New post from {author_name} in {title}"


def _reason(level, number, mentioned, replied_to):
    """Why a member whose level here is ``level`` hears about post ``number``, or None."""
    if level == "muted":
        return None
    if mentioned:
        return "mention"
    if replied_to:
        return "reply"
    if level == "watching":
        return "first_post" if number == 1 else "watching"
    if level == "first_post" and number == 1:
        return "first_post"
    return None


def recipients(post):
    """{member: reason} for everyone ``post`` should be told to (see the module's docstring)."""
    topic = db.session.get(Topic, post.topic_id)
    space = db.session.scalar(select(Space).options(selectinload(Space.roles)).where(Space.id == topic.space_id))
    space_levels = dict(db.session.execute(select(SpaceWatch.member_id, SpaceWatch.level).where(
        SpaceWatch.space_id == space.id, SpaceWatch.level != "normal")).all())
    topic_levels = dict(db.session.execute(select(TopicWatch.member_id, TopicWatch.level).where(
        TopicWatch.topic_id == topic.id)).all())
    handles = mentioned_handles(post.body)
    mentioned = set(db.session.scalars(select(Member.id).where(Member.handle.in_(handles)))) if handles else set()
    replied_to = set()
    if post.quote_of_id is not None:
        quoted_author = db.session.scalar(select(Post.author_id).where(Post.id == post.quote_of_id,
                                                                       Post.topic_id == topic.id))
        if quoted_author is not None:
            replied_to.add(quoted_author)
    elif post.number > 1 and topic.author_id is not None:
        replied_to.add(topic.author_id)  # a reply to the topic, quoting nobody, answers the person who started it
    reasons = {}
    for member_id in set(space_levels) | set(topic_levels) | mentioned | replied_to:
        level = topic_levels.get(member_id) or space_levels.get(member_id) or "normal"
        reason = _reason(level, post.number, member_id in mentioned, member_id in replied_to)
        if reason is not None and member_id != post.author_id:
            reasons[member_id] = reason
    if not reasons:
        return space, topic, {}
    members = db.session.scalars(select(Member).where(Member.id.in_(reasons), Member.erased_at.is_(None),
                                                      Member.active.is_(True))).all()
    return space, topic, {m: reasons[m.id] for m in members if can(m, "space.view", space)}


def post_published(post):
    """Tell the people watching ``post``'s topic or space, and those it mentions or replies to: one notice each,
    at most once per post whatever calls this (the caller commits). Posting makes the author watch the topic."""
    if post.status != "published":
        return
    space, topic, told = recipients(post)
    already = set(db.session.scalars(select(CommunityNotification.member_id).where(
        CommunityNotification.post_id == post.id)))
    author = db.session.get(Member, post.author_id) if post.author_id is not None else None
    author_name = author.name if author is not None else "Former member"
    link = post_url(topic.id, post.number)
    told = {member: reason for member, reason in told.items() if member.id not in already}
    if told:  # two statements however many are told (executemany), not two for each of them
        now = utcnow()
        db.session.execute(insert(CommunityNotification), [
            {"member_id": m.id, "post_id": post.id, "reason": reason, "created_at": now} for m, reason in told.items()])
        db.session.execute(insert(Notice), [
            {"member_id": m.id, "kind": REASONS[reason], "link": link, "created_at": now,
             "message": notice_text(reason, author_name, topic, space)} for m, reason in told.items()])
    if author is not None and author.erased_at is None and not db.session.scalar(
            select(TopicWatch.id).where(TopicWatch.member_id == author.id, TopicWatch.topic_id == topic.id)):
        db.session.add(TopicWatch(member_id=author.id, topic_id=topic.id, level="watching"))
    db.session.flush()
