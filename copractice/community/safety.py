"""Who may post where, which posts wait for a moderator, and who counts as a young person (issue 14 point 4).

The posting operations ask ``check_may_post`` before writing a post (it raises ``Refused`` with a message for
the person) and ``hold_new_post`` to decide whether the new post is held for a moderator or published at once.
The directory and messages ask ``is_young`` (never list a young person; no private messages from adults).

The rules, in order:

- Only members who may read a space post in it, and nobody posts in an archived space.
- Young people (``is_young``: ``Member.under_18``, or a plugin's ``copractice_is_young`` says so) post only in
  spaces marked for young people.
- A member a moderator stopped (in this space, or everywhere) cannot post until the stop ends.
- Plugins may refuse (``copractice_may_post``); a plugin that fails refuses too.

Held posts: a member's first ``COMMUNITY_HELD_FIRST_POSTS`` published posts (across the community) wait for a
moderator; a young person's posts always wait (pre-moderation, the usual safeguarding practice for under-18s in
health communities: an adult sees each post before anyone else does). The space's own leads and moderators are
never held in it.
"""
import logging

from flask import current_app
from sqlalchemy import func, or_, select

from copractice.community.models import Post
from copractice.community.safety_models import PostingStop
from copractice.errors import Refused
from copractice.extensions import db
from copractice.permissions import can
from copractice.plugins import PluginFailure, get_plugins
from copractice.timeutil import uk_time, utcnow

log = logging.getLogger(__name__)


def is_young(member):
    """True when ``member`` counts as a young person (under 18): their own answer at registration, an admin's
    record, or a plugin (hook ``copractice_is_young``; any True wins). A plugin that fails makes it True."""
    if member is None or not hasattr(member, "under_18"):  # a visitor: nobody to protect by name
        return False
    if member.under_18:  # switched-off accounts too: a young person stays young
        return True
    try:
        answers = get_plugins().call("copractice_is_young", member=member)
    except PluginFailure as failure:
        log.error("young-person check of plugin %s failed; treated as young: %s", failure.plugin, failure.error)
        return True
    return any(answer is True for answer in answers)


def posting_stop(member, space, now=None):
    """The stop in force that keeps ``member`` from posting in ``space`` (or everywhere), or None."""
    now = now or utcnow()
    return current_stop(member.id, space.id, now)


def current_stop(member_id, space_id, now):
    return db.session.scalars(
        select(PostingStop).where(
            PostingStop.member_id == member_id, PostingStop.ended_at.is_(None),
            or_(PostingStop.space_id == space_id, PostingStop.space_id.is_(None)),
            or_(PostingStop.until.is_(None), PostingStop.until > now))
        .order_by(PostingStop.space_id.is_not(None), PostingStop.id)  # an everywhere-stop first
        .limit(1)).first()


def stop_message(stop):
    where = "in any space" if stop.space_id is None else "in this space"
    until = f" until {uk_time(stop.until, 'date_at_time')}" if stop.until else ""
    return (f"A moderator has stopped you posting {where}{until}. The reason they gave: {stop.reason} "
            "If you think this is a mistake, please contact the programme team.")


def check_may_post(member, space):
    """Raise ``Refused`` unless ``member`` may post in ``space``."""
    if not can(member, "space.view", space) or not getattr(member, "is_authenticated", False):
        raise Refused("You cannot post in this space.")
    if space.archived_at is not None:
        raise Refused("This space is archived: it can be read but not posted in.")
    if not space.young_people and is_young(member):
        raise Refused("This space is for adults. Members under 18 can post in the spaces for young people.")
    stop = posting_stop(member, space)
    if stop is not None:
        raise Refused(stop_message(stop))
    try:
        reasons = get_plugins().collect("copractice_may_post", member=member, space=space)
    except PluginFailure as failure:
        log.error("posting check of plugin %s failed; post refused: %s", failure.plugin, failure.error)
        raise Refused("We could not check whether you can post here just now, so your post has not been saved. "
                      "Please try again later.") from None
    if reasons:
        raise Refused(reasons[0])


def published_post_count(member, up_to):
    """How many published posts ``member`` has, counted only as far as ``up_to`` (a prolific member's posts are
    not all counted on every post they write)."""
    first = select(Post.id).where(Post.author_id == member.id, Post.status == "published").limit(up_to).subquery()
    return db.session.scalar(select(func.count()).select_from(first))


def hold_new_post(member, space):
    """True when ``member``'s new post in ``space`` must wait for a moderator: a young person's posts always do,
    and a member's first ``COMMUNITY_HELD_FIRST_POSTS`` published posts do; never the space's own moderators."""
    if is_young(member):
        return True
    if can(member, "space.moderate", space):
        return False
    first_posts = current_app.config["COMMUNITY_HELD_FIRST_POSTS"]
    return first_posts > 0 and published_post_count(member, first_posts) < first_posts
