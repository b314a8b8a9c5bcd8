"""Moderating the community (issue 14 point 4): held posts, flags, hiding and restoring, stopping a member posting.

Views check who may act (``space.moderate``, ``flag.review``, ``posting.stop_everywhere``); these operations hold
the rules about the state things are in, write the moderation log, tell the people concerned (notices and email
through the outbox) and flush. A post is first claimed with a conditional UPDATE (``_claim``), so two moderators
pressing "Publish" at once publish it (and tell its watchers) once; a held post is then published by
``posting.publish``, the one way a post is published, and other changes go through the ORM, so the search rows
follow (a hidden post leaves the search).

Notices: a post's author hears when their held post is published or not, and when it is hidden or shown again
(with the moderator's reason); a member hears when they are stopped from posting and when they may post again.
A safeguarding flag goes at once, as a notice and an email that cannot be switched off, to the space's named
safeguarding lead (if none: its leads and the site's admins), and a copy to SAFEGUARDING_EMAIL when set. The
email says where to look, not what was written: the post and the note stay behind the sign-in.
"""
from datetime import date, datetime
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from copractice.audit import audit
from copractice.community import posting
from copractice.community.models import Post, Space, SpaceRole, Topic
from copractice.community.safety_models import FLAG_REASONS, SAFEGUARDING, ModerationEntry, PostFlag, PostingStop
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members.models import Member, ThemeLeadership
from copractice.notifications.models import Notice
from copractice.notifications.operations import notify, queue_email
from copractice.permissions import can
from copractice.plugins import get_plugins
from copractice.timeutil import london_to_utc, utcnow
from copractice.urls import base_url, external_url

# Notices to authors and stopped members (members may switch the email off, as for any notice kind).
MODERATION_NOTICE = "community_moderation"
# Notices to safeguarding leads: always emailed as well, whatever the lead's email choices.
SAFEGUARDING_NOTICE = "community_safeguarding"
LOG_PER_PAGE = 50


# -- reading ----------------------------------------------------------------------------------------------

def may_read_post(member, post):
    """Whether ``member`` can see ``post``: they read its space and it is published, or it is theirs, or they
    moderate the space."""
    space = post.topic.space
    if not can(member, "space.view", space):
        return False
    if post.status == "published":
        return True
    return (getattr(member, "is_authenticated", False) and post.author_id == member.id) or can(
        member, "space.moderate", space)


def held_posts(space):
    """The posts waiting for a moderator in ``space``, oldest first, with their topics and authors."""
    return db.session.scalars(
        select(Post).join(Topic, Post.topic_id == Topic.id)
        .where(Topic.space_id == space.id, Post.status == "held")
        .options(joinedload(Post.topic))
        .order_by(Post.created_at, Post.id)).all()


def open_flags(space):
    """The flags on posts in ``space`` nobody has dealt with yet, safeguarding concerns first, then oldest."""
    return db.session.scalars(
        select(PostFlag).join(Post, PostFlag.post_id == Post.id).join(Topic, Post.topic_id == Topic.id)
        .where(Topic.space_id == space.id, PostFlag.resolved_at.is_(None))
        .options(joinedload(PostFlag.post).joinedload(Post.topic), joinedload(PostFlag.member))
        .order_by((PostFlag.reason != SAFEGUARDING), PostFlag.created_at, PostFlag.id)).all()


def stops_in_force(space, now=None):
    """Members stopped from posting in ``space`` (or everywhere) now, with the members loaded."""
    now = now or utcnow()
    return db.session.scalars(
        select(PostingStop).where(
            PostingStop.ended_at.is_(None), (PostingStop.space_id == space.id) | PostingStop.space_id.is_(None),
            PostingStop.until.is_(None) | (PostingStop.until > now))
        .options(joinedload(PostingStop.member)).order_by(PostingStop.created_at)).all()


def moderation_log(space, page=1):
    """One page of ``space``'s moderation log, newest first, and whether there are older entries."""
    page = max(page, 1)
    rows = db.session.scalars(
        select(ModerationEntry).where(ModerationEntry.space_id == space.id)
        .options(joinedload(ModerationEntry.actor), joinedload(ModerationEntry.member), joinedload(ModerationEntry.post))
        .order_by(ModerationEntry.at.desc(), ModerationEntry.id.desc())
        .offset((page - 1) * LOG_PER_PAGE).limit(LOG_PER_PAGE + 1)).all()
    return rows[:LOG_PER_PAGE], len(rows) > LOG_PER_PAGE


def moderated_spaces(member):
    """The spaces ``member`` moderates, by name, with the number of held posts and open flags in each."""
    # Roles loaded with the spaces, so deciding for each space asks no more of the database.
    spaces = [s for s in db.session.scalars(select(Space).where(Space.archived_at.is_(None))
                                            .options(selectinload(Space.roles)).order_by(Space.name))
              if can(member, "space.moderate", s)]
    ids = [s.id for s in spaces]
    if not ids:
        return []
    held = dict(db.session.execute(
        select(Topic.space_id, func.count(Post.id)).join(Post, Post.topic_id == Topic.id)
        .where(Topic.space_id.in_(ids), Post.status == "held").group_by(Topic.space_id)).all())
    flags = dict(db.session.execute(
        select(Topic.space_id, func.count(PostFlag.id)).join(Post, PostFlag.post_id == Post.id)
        .join(Topic, Post.topic_id == Topic.id)
        .where(Topic.space_id.in_(ids), PostFlag.resolved_at.is_(None)).group_by(Topic.space_id)).all())
    return [(s, held.get(s.id, 0), flags.get(s.id, 0)) for s in spaces]


def post_link(post):
    """The post's place in its topic, as an absolute link (the URL contract: /community/topics/<id>#post-<n>)."""
    return f"{base_url()}/community/topics/{post.topic_id}#post-{post.number}"


# -- the log ------------------------------------------------------------------------------------------------

def _log(actor, action, *, space_id, post=None, member_id=None, reason=None):
    entry = ModerationEntry(space_id=space_id, actor_id=getattr(actor, "id", None), action=action,
                            post_id=getattr(post, "id", None),
                            member_id=member_id if member_id is not None else getattr(post, "author_id", None),
                            reason=(reason or "").strip() or None, at=utcnow())
    db.session.add(entry)
    return entry


# -- posts --------------------------------------------------------------------------------------------------

def _move(post, from_statuses, **values):
    """Change ``post``'s status only if it is still in one of ``from_statuses``: True when this call did it.

    Claimed first (``_claim``), then changed through the ORM, so the flush keeps the post's search row right
    (a hidden post leaves the search, a restored one comes back)."""
    if not _claim(post, from_statuses):
        return False
    for name, value in values.items():
        setattr(post, name, value)
    db.session.flush()
    return True


def _author(post):
    return db.session.get(Member, post.author_id) if post.author_id else None


def _reason(reason, missing):
    reason = (reason or "").strip()
    if not reason:
        raise Refused(missing)
    return reason


def _claim(post, from_statuses):
    """Take ``post`` for this transaction if it is still in one of ``from_statuses``: True when this call has it.

    A conditional UPDATE that changes nothing: it locks the post's row (PostgreSQL) or holds the write lock
    (SQLite) until the commit, so a second moderator's claim waits, then finds the status changed and fails.
    The status is then changed through the ORM, so the flush writes the post's search row like any other."""
    done = cast(CursorResult, db.session.execute(
        update(Post).where(Post.id == post.id, Post.status.in_(from_statuses)).values(status=Post.status)
        .execution_options(synchronize_session=False))).rowcount
    db.session.refresh(post)
    return bool(done)


def approve(actor, post):
    """Publish a held post: readers see it, watchers are told, its author hears it is published.

    Published by ``posting.publish``, the one way a post is published (counters, search row, watchers' notices,
    plugins' event), after this approval has claimed the post: two moderators at once publish it once."""
    if not _claim(post, ("held",)):
        raise Refused("This post is not waiting for a moderator any more: someone may have dealt with it already.")
    post.hidden_reason, post.hidden_by_id = None, None
    posting.publish(post, utcnow())
    _log(actor, "approve", space_id=post.topic.space_id, post=post)
    db.session.flush()
    notify([_author(post)], MODERATION_NOTICE, "community_post_approved", link=post_link(post), post=post,
           topic=post.topic)
    return post


def reject(actor, post, reason):
    """Do not publish a held post: it is hidden, and its author is told why."""
    reason = _reason(reason, "Say why the post is not published: its author will see this.")
    if not _move(post, ("held",), status="hidden", hidden_reason=reason, hidden_by_id=actor.id):
        raise Refused("This post is not waiting for a moderator any more: someone may have dealt with it already.")
    _log(actor, "reject", space_id=post.topic.space_id, post=post, reason=reason)
    db.session.flush()
    notify([_author(post)], MODERATION_NOTICE, "community_post_rejected", link=post_link(post), post=post,
           topic=post.topic, reason=reason)
    return post


def hide(actor, post, reason):
    """Hide a published post from readers, with a reason its author sees."""
    reason = _reason(reason, "Say why you are hiding the post: its author will see this.")
    if not _move(post, ("published",), status="hidden", hidden_reason=reason, hidden_by_id=actor.id):
        raise Refused("This post is not showing, so it cannot be hidden.")
    posting.recount(post.topic)
    _log(actor, "hide", space_id=post.topic.space_id, post=post, reason=reason)
    db.session.flush()
    notify([_author(post)], MODERATION_NOTICE, "community_post_hidden", link=post_link(post), post=post,
           topic=post.topic, reason=reason)
    return post


def restore(actor, post):
    """Show a hidden post again; a held post that was never published is published now (``posting.publish``:
    watchers told)."""
    first_time = post.published_at is None
    if first_time:
        if not _claim(post, ("hidden",)):
            raise Refused("This post is not hidden, so there is nothing to restore.")
        post.hidden_reason, post.hidden_by_id = None, None
        posting.publish(post, utcnow())
    else:
        if not _move(post, ("hidden",), status="published", hidden_reason=None, hidden_by_id=None):
            raise Refused("This post is not hidden, so there is nothing to restore.")
        posting.recount(post.topic)
    _log(actor, "restore", space_id=post.topic.space_id, post=post)
    db.session.flush()
    notify([_author(post)], MODERATION_NOTICE, "community_post_restored", link=post_link(post), post=post,
           topic=post.topic)
    return post


# -- flags --------------------------------------------------------------------------------------------------

def safeguarding_recipients(space):
    """Who a safeguarding concern in ``space`` goes to: its named safeguarding lead; if none (or their account is
    off), its leads (the theme's leads for a theme's space) and the site's admins."""
    if space.safeguarding_lead_id is not None:
        lead = db.session.get(Member, space.safeguarding_lead_id)
        if lead is not None and lead.is_active:
            return [lead]
    leads = select(SpaceRole.member_id).where(SpaceRole.space_id == space.id, SpaceRole.role == "lead")
    condition = Member.id.in_(leads) | (Member.role == "admin")
    if space.theme_slug is not None:
        condition = condition | ((Member.role == "theme_lead") & Member.id.in_(
            select(ThemeLeadership.member_id).where(ThemeLeadership.theme_slug == space.theme_slug)))
    return db.session.scalars(select(Member).where(condition, Member.active.is_(True), Member.erased_at.is_(None))
                              .order_by(Member.id)).all()


def _tell_safeguarding_leads(flag):
    post = flag.post
    space = post.topic.space
    link = external_url("moderation.flag", flag_id=flag.id)
    context = {"flag": flag, "post": post, "topic": post.topic, "space": space, "reporter": flag.member,
               "link": link}
    mailed = set()
    for lead in safeguarding_recipients(space):
        notice = queue_email(kind=SAFEGUARDING_NOTICE, to=lead.email, template="community_flag_safeguarding",
                             member=lead, **context)
        db.session.add(Notice(member_id=lead.id, kind=SAFEGUARDING_NOTICE, message=notice.subject, link=link))
        mailed.add(lead.email.lower())
    inbox = current_app.config.get("SAFEGUARDING_EMAIL")
    if inbox and inbox.lower() not in mailed:
        queue_email(kind=SAFEGUARDING_NOTICE, to=inbox, template="community_flag_safeguarding", member=None,
                    **context)


def raise_flag(member, post, reason, note=None):
    """Flag ``post`` for the moderators (a safeguarding concern: for the safeguarding lead, at once). Flagging a
    post twice is one flag; flagging it again as a safeguarding concern turns the flag into one."""
    if reason not in FLAG_REASONS:
        raise Refused("Choose why you are flagging this post.")
    if not may_read_post(member, post):
        raise Refused("You cannot flag this post.")
    note = (note or "").strip() or None
    flag = db.session.scalar(select(PostFlag).where(PostFlag.post_id == post.id, PostFlag.member_id == member.id))
    if flag is not None:
        if reason != SAFEGUARDING or flag.reason == SAFEGUARDING:
            return flag  # the same member flagging the same post again: still one flag
        flag.reason, flag.resolved_at, flag.resolved_by_id, flag.outcome = SAFEGUARDING, None, None, None
        if note:
            flag.note = f"{flag.note}\n\n{note}" if flag.note else note
    else:
        try:
            with db.session.begin_nested():
                flag = PostFlag(post_id=post.id, member_id=member.id, reason=reason, note=note, created_at=utcnow())
                db.session.add(flag)
        except IntegrityError:  # the same member's flag from another tab, a moment ago
            return db.session.scalar(select(PostFlag).where(PostFlag.post_id == post.id,
                                                            PostFlag.member_id == member.id))
    db.session.flush()
    _log(member, "flag_raised", space_id=post.topic.space_id, post=post, reason=FLAG_REASONS[reason])
    if reason == SAFEGUARDING:
        _tell_safeguarding_leads(flag)
    db.session.flush()
    get_plugins().call("copractice_flag_raised", flag=flag)
    return flag


def resolve_flag(actor, flag, outcome=None):
    """Mark a flag dealt with, saying what was done (the moderation log keeps it)."""
    if flag.resolved_at is not None:
        raise Refused("This flag has already been dealt with.")
    flag.resolved_at, flag.resolved_by_id = utcnow(), actor.id
    flag.outcome = (outcome or "").strip() or None
    _log(actor, "flag_resolved", space_id=flag.post.topic.space_id, post=flag.post,
         reason=f"{flag.reason_label}. {flag.outcome or 'No note.'}")
    db.session.flush()
    return flag


# -- members ------------------------------------------------------------------------------------------------

def stop_posting(actor, member, space, reason, until=None):
    """Stop ``member`` posting in ``space`` (None: every space, admins only: the view checks), until ``until``
    or until a moderator lets them post again. They are told, with the reason."""
    reason = _reason(reason, "Say why: the member will see this.")
    if until is not None and until <= utcnow():
        raise Refused("Choose an end date in the future, or leave it empty.")
    if member.id == actor.id:
        raise Refused("You cannot stop yourself posting.")
    if space is not None and can(member, "space.moderate", space):
        raise Refused(f"{member.name} moderates this space. A lead can change that first.")
    stop = PostingStop(member_id=member.id, space_id=space.id if space else None, reason=reason, until=until,
                       created_by_id=actor.id, created_at=utcnow())
    db.session.add(stop)
    _log(actor, "stop", space_id=stop.space_id, member_id=member.id, reason=reason)
    if space is None:  # belongs to no space's log: the admins' audit log keeps it
        audit(actor, "community.posting_stopped", "member", member.id, member.name, after={"until": str(until or "")},
              reason=reason)
    db.session.flush()
    notify([member], MODERATION_NOTICE, "community_posting_stopped", link=None, stop=stop, space=space,
           reason=reason, until=until)
    return stop


def resume_posting(actor, stop):
    """End a stop: the member may post again (in that space, or everywhere) and is told."""
    if stop.ended_at is not None:
        raise Refused("This member can already post again.")
    stop.ended_at, stop.ended_by_id = utcnow(), actor.id
    _log(actor, "resume", space_id=stop.space_id, member_id=stop.member_id)
    if stop.space_id is None:
        audit(actor, "community.posting_resumed", "member", stop.member_id, stop.member.name)
    db.session.flush()
    notify([stop.member], MODERATION_NOTICE, "community_posting_resumed", link=None, stop=stop, space=stop.space)
    return stop


def set_under_18(actor, member, under_18: bool):
    """Record whether ``member`` is under 18 (an admin, on the member's page); audited."""
    if member.under_18 == under_18:
        return member
    before = {"under_18": member.under_18}
    member.under_18 = under_18
    audit(actor, "member.under_18", "member", member.id, member.name, before=before, after={"under_18": under_18})
    db.session.flush()
    return member


def parse_until(value: date | None) -> datetime | None:
    """An end date chosen on the stop form (a day) as the end of that day, stored like every time (naive UTC)."""
    if value is None:
        return None
    return london_to_utc(datetime(value.year, value.month, value.day, 23, 59))
