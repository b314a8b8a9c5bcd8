"""Spaces: the themes' spaces the plugins bring, spaces admins make, and the people named to run them.

Operations flush, never commit. The themes' spaces are made by ``ensure_theme_spaces`` the first time a
community page is opened with the theme's plugin enabled: one INSERT ... ON CONFLICT DO NOTHING per missing
space, so two workers (or two requests) that ask at once make it once.
"""
import re
from functools import cache

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from copractice.audit import audit
from copractice.community.models import SPACE_ROLES, SPACE_VISIBILITY, Post, Space, SpaceRole, Topic
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members.models import Member
from copractice.permissions import can, visible_spaces
from copractice.plugins import get_plugins

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Addresses under /community/spaces/ that are pages, not spaces.
RESERVED_SLUGS = {"new"}


def _insert(dialect):
    return pg_insert if dialect == "postgresql" else sqlite_insert


def ensure_theme_spaces(app):
    """Make the space of every enabled theme plugin (``copractice_spaces``) that has none yet.

    Cheap once every space is there: that is remembered per set of enabled plugins, so a page asks the database
    again only after a plugin is switched on or off. A call that had to make a space is not remembered (its
    request might still roll back): the next one looks again."""
    plugins = get_plugins(app)
    key = plugins.enabled_names()
    done = app.extensions.setdefault("copractice_spaces_made", set())
    if key in done:
        return
    specs = [spec for spec in plugins.collect("copractice_spaces", app=app) if spec.visibility in SPACE_VISIBILITY]
    made = False
    if specs:
        have = set(db.session.scalars(select(Space.theme_slug).where(
            Space.theme_slug.in_([spec.theme_slug for spec in specs]))))
        insert = _insert(db.engine.dialect.name)
        for spec in specs:
            if spec.theme_slug in have or not SLUG.match(spec.slug) or spec.slug in RESERVED_SLUGS:
                continue
            db.session.execute(insert(Space).values(
                slug=spec.slug, name=spec.name[:120], theme_slug=spec.theme_slug, description=spec.description,
                guidelines=spec.guidelines, visibility=spec.visibility, young_people=spec.young_people,
            ).on_conflict_do_nothing())
            have.add(spec.theme_slug)
            made = True
    if not made:
        done.add(key)


def spaces_for(member):
    """The spaces ``member`` may read, not archived first, by name: (space, topic count) pairs.

    The count is of the topics ``member`` is shown in the space (as its page counts them, pages.topic_list): a
    topic whose first post is held or hidden counts only for its author and the space's moderators. One statement
    for the spaces and their counts, one for their roles (who moderates), whatever the number of spaces."""
    topics = (select(func.count(Topic.id)).where(Topic.space_id == Space.id).correlate(Space).scalar_subquery())
    # Written as the partial index ix_post_unlisted_first is (number = 1 AND status != 'published'): it holds
    # only the few first posts not published.
    unlisted = (select(func.count(Post.id)).join(Topic, Topic.id == Post.topic_id)
                .where(Post.number == 1, Post.status != "published", Topic.space_id == Space.id))
    if getattr(member, "is_authenticated", False):
        unlisted = unlisted.where((Post.author_id.is_(None)) | (Post.author_id != member.id))
    rows = db.session.execute(select(Space, topics, unlisted.correlate(Space).scalar_subquery())
                              .where(visible_spaces(member)).options(selectinload(Space.roles))
                              .order_by(Space.archived_at.is_not(None), Space.name)).all()
    return [(space, total if can(member, "space.moderate", space) else total - (hidden or 0))
            for space, total, hidden in rows]


def space_by_slug(slug):
    return db.session.scalar(select(Space).where(Space.slug == slug))


def has_posted_in(member, space):
    """Whether ``member`` has written a post in ``space`` (their first post is shown the guidelines)."""
    if not getattr(member, "is_authenticated", False):
        return False
    return bool(db.session.scalar(has_posted_statement(), {"member": member.id, "space": space.id}))


@cache
def has_posted_statement():
    """Built once: the statement holds no data (``member`` and ``space`` are bound)."""
    return select(exists().where(Post.author_id == bindparam("member"), Post.topic_id == Topic.id,
                                 Topic.space_id == bindparam("space")))


def _check_fields(slug, name, visibility):
    if not SLUG.match(slug or "") or slug in RESERVED_SLUGS:
        raise Refused("Use lower-case letters, numbers and hyphens for the web address, like regional-forum.")
    if not (name or "").strip():
        raise Refused("Enter a name.")
    if visibility not in SPACE_VISIBILITY:
        raise Refused("Choose who can read the space.")


def _safeguarding_lead(email):
    if not (email or "").strip():
        return None
    member = db.session.scalar(select(Member).where(func.lower(Member.email) == email.strip().lower(),
                                                    Member.erased_at.is_(None)))
    if member is None:
        raise Refused("Nobody has an account with that email address.")
    return member


def create_space(actor, *, slug, name, description="", guidelines="", visibility="members", young_people=False,
                 safeguarding_lead_email=""):
    """A new space an admin makes (not a theme's)."""
    _check_fields(slug, name, visibility)
    if db.session.scalar(select(exists().where(Space.slug == slug))):
        raise Refused("A space already uses that web address. Choose another.")
    lead = _safeguarding_lead(safeguarding_lead_email)
    space = Space(slug=slug, name=name.strip(), description=description or "", guidelines=guidelines or "",
                  visibility=visibility, young_people=bool(young_people),
                  safeguarding_lead_id=lead.id if lead else None)
    db.session.add(space)
    db.session.flush()
    audit(actor, "space.created", "space", space.id, space.name, after={"visibility": visibility})
    return space


def update_space(actor, space, *, name, description, guidelines, visibility, young_people, safeguarding_lead_email):
    """Change a space's name, description, guidelines, who reads it and its safeguarding lead."""
    _check_fields(space.slug, name, visibility)
    lead = _safeguarding_lead(safeguarding_lead_email)
    before = {"visibility": space.visibility, "young_people": space.young_people,
              "safeguarding_lead_id": space.safeguarding_lead_id}
    space.name, space.description, space.guidelines = name.strip(), description or "", guidelines or ""
    space.visibility, space.young_people = visibility, bool(young_people)
    space.safeguarding_lead_id = lead.id if lead else None
    db.session.flush()
    audit(actor, "space.updated", "space", space.id, space.name, before=before,
          after={"visibility": visibility, "young_people": space.young_people,
                 "safeguarding_lead_id": space.safeguarding_lead_id})
    return space


def name_member(actor, space, *, email, role):
    """Name a member as a lead, moderator or invited member of ``space`` (changes their part if they had one)."""
    if role not in SPACE_ROLES:
        raise Refused("Choose a part for them.")
    member = _safeguarding_lead(email)
    if member is None:
        raise Refused("Enter the email address of the person's account.")
    row = db.session.scalar(select(SpaceRole).where(SpaceRole.space_id == space.id,
                                                    SpaceRole.member_id == member.id))
    if row is None:
        row = SpaceRole(space_id=space.id, member_id=member.id, role=role)
        db.session.add(row)
    else:
        row.role = role
    db.session.flush()
    db.session.expire(space, ["roles"])
    audit(actor, "space.role_named", "space", space.id, space.name, after={"member_id": member.id, "role": role})
    return row


def remove_role(actor, space, role_id):
    """Take a member's part in ``space`` away."""
    row = db.session.get(SpaceRole, role_id)
    if row is None or row.space_id != space.id:
        raise Refused("That person has no part in this space any more.")
    audit(actor, "space.role_removed", "space", space.id, space.name,
          before={"member_id": row.member_id, "role": row.role})
    db.session.delete(row)
    db.session.flush()
    db.session.expire(space, ["roles"])


def space_people(space):
    """(role row, member) pairs of ``space``, leads first."""
    order = {"lead": 0, "moderator": 1, "member": 2}
    rows = db.session.execute(select(SpaceRole, Member).join(Member, Member.id == SpaceRole.member_id)
                              .where(SpaceRole.space_id == space.id).order_by(Member.name)).all()
    return sorted(rows, key=lambda r: order.get(r[0].role, 9))
