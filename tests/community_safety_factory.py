"""Spaces, topics and posts for the safety tests, made with the community's models (inside an app context).

The posting pages are built elsewhere; these tests need only rows that look like theirs. ``write_post`` asks the
safety rules the posting operations ask (check_may_post, hold_new_post), so a post is held or refused as it
would be through the forum.
"""
from itertools import count

from copractice.community.models import Post, Space, SpaceRole, Topic
from copractice.community.safety import check_may_post, hold_new_post
from copractice.courses.views import render_markdown
from copractice.extensions import db
from copractice.timeutil import utcnow

_n = count(1)


def make_space(*, name=None, visibility="members", young_people=False, leads=(), moderators=(), invited=(),
               safeguarding_lead=None, theme_slug=None):
    n = next(_n)
    space = Space(slug=f"space-{n}", name=name or f"Space {n}", description="A place to talk.", guidelines="Be kind.",
                  visibility=visibility, young_people=young_people, theme_slug=theme_slug,
                  safeguarding_lead_id=safeguarding_lead.id if safeguarding_lead is not None else None)
    for role, members in (("lead", leads), ("moderator", moderators), ("member", invited)):
        for member in members:
            space.roles.append(SpaceRole(member_id=member.id, role=role))
    db.session.add(space)
    db.session.flush()
    return space


def make_post(topic, author, body, *, status="published"):
    """A post as the posting operations write it, with the topic's counters kept right for a published one."""
    number = (db.session.query(db.func.max(Post.number)).filter(Post.topic_id == topic.id).scalar() or 0) + 1
    now = utcnow()
    post = Post(topic_id=topic.id, number=number, author_id=author.id if author else None, body=body,
                html=str(render_markdown(body)), status=status, created_at=now,
                published_at=now if status == "published" else None)
    db.session.add(post)
    if status == "published":
        if number > 1:
            topic.reply_count += 1
        topic.last_posted_at = now
    db.session.flush()
    post.topic = topic
    return post


def make_topic(space, author, title="A question about payment", body="How are members paid?", *, status="published"):
    topic = Topic(space_id=space.id, author_id=author.id if author else None, title=title, kind="discussion",
                  last_posted_at=utcnow())
    db.session.add(topic)
    db.session.flush()
    topic.space = space
    return topic, make_post(topic, author, body, status=status)


def write_post(space, author, body, topic=None, title="Hello everyone"):
    """What the posting operations do: refuse (Refused) or write the post, held or published by the rules."""
    check_may_post(author, space)
    status = "held" if hold_new_post(author, space) else "published"
    if topic is None:
        return make_topic(space, author, title, body, status=status)[1]
    return make_post(topic, author, body, status=status)
