"""Community email without floods (issue 14 point 3): one email per post after the edit window, or a daily or
weekly digest, as each member chooses; one-click unsubscribe.

Notices on the site are given when a post is published (community/watching.py), which also records who was told
(CommunityNotification). Email comes later, from two periodic jobs:

- ``mail_due_posts`` (every minute): each published post whose edit window (COMMUNITY_EDIT_WINDOW_MINUTES) is over
  and whose ``mailed_at`` is empty is claimed with a conditional UPDATE (so two runs never both take it); the
  people told about it who chose "one email for each post" get the post as it is now (edits made within the window
  are what is mailed). ``mailed_at`` is set whether or not anyone wanted an email.
- ``send_digests`` (every 15 minutes): each member who chose a daily (weekly) digest and has posts not yet mailed to
  them gets one email for the day (the ISO week), from COMMUNITY_DIGEST_HOUR (on Mondays for weekly ones). A
  CommunityDigest row with a unique (member, period) key is written first, in a savepoint: a second run, even at
  the same moment, fails to write it and sends nothing.

Both check again, at the moment of mailing, what was true when the notice was given: never the post's author,
never a member who is erased, switched off or without an address, or who may no longer read the space, never a
post that is held or hidden now, and never a kind of notice the member switched off for email
(/account/notifications). Every community email carries ``List-Unsubscribe`` and ``List-Unsubscribe-Post``
(RFC 8058) with a signed link that works without signing in; the link is in the text too.
"""
from datetime import datetime, time, timedelta
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from copractice.community import watching
from copractice.community.models import Post, Space, Topic
from copractice.community.watch_models import (
    DEFAULT_DELIVERY,
    REASONS,
    CommunityDigest,
    CommunityEmailChoice,
    CommunityNotification,
)
from copractice.extensions import db
from copractice.jobs import periodic
from copractice.members.models import Member
from copractice.notifications.operations import email_wanted, queue_email
from copractice.permissions import can, visible_spaces
from copractice.security import make_token, read_token
from copractice.timeutil import utcnow
from copractice.urls import external_url

UNSUBSCRIBE = "community-unsubscribe"
# A post never claimed within this time (the jobs were stopped) is not mailed one by one any more: its readers had
# their notices, and digests still carry it.
STALE_AFTER = timedelta(days=2)
# How far back a digest looks: a member who comes back to digests is not sent months of old posts.
LOOKBACK = {"daily": timedelta(days=2), "weekly": timedelta(days=8)}
EXCERPT = 400


def edit_window():
    return timedelta(minutes=current_app.config["COMMUNITY_EDIT_WINDOW_MINUTES"])


# -- one-click unsubscribe -------------------------------------------------------------------------------------

def unsubscribe_url(member):
    """The signed link that stops all community email for ``member``, from BASE_URL. It does not expire: all it
    can do is stop email, and an old digest's link must still work."""
    return external_url("community_watch.unsubscribe", token=make_token(UNSUBSCRIBE, member.id))


def unsubscribe_headers(member):
    """RFC 8058 headers: a mail program's "Unsubscribe" button POSTs to the link, with no sign-in."""
    return {"List-Unsubscribe": f"<{unsubscribe_url(member)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def member_for_unsubscribe(token):
    """The member an unsubscribe link was made for, or None when the link is forged or broken."""
    member_id = read_token(UNSUBSCRIBE, token, max_age=None)
    return db.session.get(Member, member_id) if isinstance(member_id, int) else None


def made_for_a_closed_account(token):
    """True when an unsubscribe link is genuine but its member's account is deleted (erased, or gone)."""
    member_id = read_token(UNSUBSCRIBE, token, max_age=None)
    if not isinstance(member_id, int):
        return False
    member = db.session.get(Member, member_id)
    return member is None or member.erased_at is not None


def unsubscribe(member):
    """Stop all community email for ``member`` (notices on the site go on). The caller commits."""
    if member.erased_at is None:
        watching.set_delivery(member, "none")


# -- checks at the moment of mailing ---------------------------------------------------------------------------

def _may_mail(member, space, post):
    return (member.erased_at is None and member.active and bool(member.email) and post.status == "published"
            and member.id != post.author_id and can(member, "space.view", space))


def _wanted_by_kind(member_ids, reasons):
    """{notice kind: member ids who want email of that kind} for the kinds ``reasons`` map to."""
    return {kind: email_wanted(member_ids, kind) for kind in {REASONS[r] for r in reasons}}


def _author_names(author_ids):
    ids = {i for i in author_ids if i is not None}
    names = dict(db.session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all()) if ids else {}
    return lambda author_id: names.get(author_id, "Former member")


def _choice():
    return func.coalesce(CommunityEmailChoice.delivery, DEFAULT_DELIVERY)


def _links(member):
    return {"settings_link": external_url("community_watch.settings"), "unsubscribe_link": unsubscribe_url(member)}


# -- one email for each post -----------------------------------------------------------------------------------

def _mail_post(post_id, now):
    post = db.session.get(Post, post_id)
    topic = db.session.get(Topic, post.topic_id)
    space = db.session.scalar(select(Space).options(selectinload(Space.roles)).where(Space.id == topic.space_id))
    rows = db.session.execute(
        select(CommunityNotification, Member).join(Member, Member.id == CommunityNotification.member_id)
        .outerjoin(CommunityEmailChoice, CommunityEmailChoice.member_id == Member.id)
        .where(CommunityNotification.post_id == post_id, CommunityNotification.mailed_at.is_(None),
               _choice() == "immediate")).all()
    if not rows:
        return 0
    wanted = _wanted_by_kind([m.id for _n, m in rows], [n.reason for n, _m in rows])
    author = _author_names([post.author_id])(post.author_id)
    link = watching.post_url(topic.id, post.number)
    queued = 0
    for note, member in rows:
        if not _may_mail(member, space, post) or member.id not in wanted[REASONS[note.reason]]:
            continue
        queue_email(kind=REASONS[note.reason], to=member.email, template="community_post", member=member,
                    headers=unsubscribe_headers(member), post=post, topic=topic, space=space, link=link,
                    headline=watching.notice_text(note.reason, author, topic, space), **_links(member))
        note.mailed_at = now
        queued += 1
    return queued


def mail_due_posts(now: datetime | None = None, limit: int = 200) -> int:
    """One round of "one email for each post": claim every published post whose edit window is over and that was
    not mailed about yet, and queue its emails. Returns how many emails were queued. Safe to run twice."""
    now = now or utcnow()
    db.session.execute(update(Post).where(Post.mailed_at.is_(None), Post.status == "published",
                                          Post.published_at < now - STALE_AFTER).values(mailed_at=now)
                       .execution_options(synchronize_session=False))
    due = db.session.scalars(select(Post.id).where(
        Post.mailed_at.is_(None), Post.status == "published", Post.published_at <= now - edit_window())
        .order_by(Post.published_at, Post.id).limit(limit)).all()
    queued = 0
    for post_id in due:
        claimed = cast(CursorResult, db.session.execute(
            update(Post).where(Post.id == post_id, Post.mailed_at.is_(None), Post.status == "published")
            .values(mailed_at=now).execution_options(synchronize_session=False))).rowcount
        if claimed:
            queued += _mail_post(post_id, now)
    db.session.flush()
    return queued


# -- digests ---------------------------------------------------------------------------------------------------

def period_of(how, now):
    """The digest period ``now`` falls in for a "daily" or "weekly" member, or None before the period's digest
    time (COMMUNITY_DIGEST_HOUR that day; on the Monday for weekly)."""
    hour = current_app.config["COMMUNITY_DIGEST_HOUR"]
    if how == "daily":
        return f"daily:{now.date().isoformat()}" if now.hour >= hour else None
    if how == "weekly":
        monday = now.date() - timedelta(days=now.weekday())
        year, week, _day = now.isocalendar()
        return f"weekly:{year}-W{week:02d}" if now >= datetime.combine(monday, time(hour)) else None
    return None


def _send_digest(member, how, period, now, cutoff):
    if member.erased_at is not None or not member.active or not member.email:
        return False
    if db.session.scalar(select(CommunityDigest.id).where(CommunityDigest.member_id == member.id,
                                                          CommunityDigest.period == period)):
        return False
    rows = db.session.execute(
        select(CommunityNotification, Post, Topic, Space)
        .join(Post, Post.id == CommunityNotification.post_id).join(Topic, Topic.id == Post.topic_id)
        .join(Space, Space.id == Topic.space_id)
        .where(CommunityNotification.member_id == member.id, CommunityNotification.mailed_at.is_(None),
               Post.status == "published", Post.published_at <= cutoff, Post.published_at >= now - LOOKBACK[how],
               Post.author_id.is_distinct_from(member.id), visible_spaces(member))
        .order_by(Space.name, Topic.id, Post.number)).all()
    wanted = _wanted_by_kind([member.id], [note.reason for note, *_rest in rows])
    rows = [row for row in rows if member.id in wanted[REASONS[row[0].reason]]]
    if not rows:
        return False
    try:
        with db.session.begin_nested():
            digest = CommunityDigest(member_id=member.id, period=period, posts=len(rows), sent_at=now)
            db.session.add(digest)
    except IntegrityError:  # another run sent this period's digest a moment ago
        return False
    author = _author_names(post.author_id for _n, post, _t, _s in rows)
    groups = []
    for note, post, topic, space in rows:
        if not groups or groups[-1]["topic"].id != topic.id:
            groups.append({"topic": topic, "space": space, "items": []})
        body = " ".join(post.body.split())
        groups[-1]["items"].append({
            "headline": watching.notice_text(note.reason, author(post.author_id), topic, space),
            "excerpt": body if len(body) <= EXCERPT else body[:EXCERPT].rsplit(" ", 1)[0] + "\u2026",
            "link": watching.post_url(topic.id, post.number)})
        note.mailed_at, note.digest_id = now, digest.id
    queue_email(kind="community_digest", to=member.email, template="community_digest", member=member,
                headers=unsubscribe_headers(member), how=how, count=len(rows), groups=groups, **_links(member))
    db.session.flush()
    return True


def send_digests(now: datetime | None = None) -> int:
    """One round of digests: every member whose daily or weekly digest is due and who has posts not yet mailed to
    them gets one email for the period. Returns how many digests were queued. Safe to run twice, even at once."""
    now = now or utcnow()
    cutoff = now - edit_window()
    waiting = db.session.execute(
        select(CommunityNotification.member_id, _choice()).distinct()
        .join(Post, Post.id == CommunityNotification.post_id)
        .outerjoin(CommunityEmailChoice, CommunityEmailChoice.member_id == CommunityNotification.member_id)
        .where(CommunityNotification.mailed_at.is_(None), _choice().in_(("daily", "weekly")),
               Post.status == "published", Post.published_at <= cutoff,
               Post.published_at >= now - LOOKBACK["weekly"])).all()
    sent = 0
    for member_id, how in sorted(waiting):
        period = period_of(how, now)
        if period is not None and _send_digest(db.session.get(Member, member_id), how, period, now, cutoff):
            sent += 1
    return sent


@periodic("community_mail_posts", request=True, minute="*")
def _mail_posts_job():
    """Every minute: one email for each post whose edit window is over, to those who chose that."""
    return mail_due_posts()


@periodic("community_digests", request=True, minute="*/15")
def _digests_job():
    """Every 15 minutes: the daily and weekly digests that are due."""
    return send_digests()
