"""Groups and their membership: setting a group up, joining an open group, invitations (accept or decline),
leaving, chairs and the secretary, removing someone. Operations flush; the request commits."""
from sqlalchemy import func, or_, select

from copractice.audit import audit
from copractice.errors import Refused
from copractice.extensions import db
from copractice.meetings.models import GROUP_JOINING, GROUP_KINDS, GROUP_ROLES, Group, GroupMember
from copractice.members.models import Member
from copractice.permissions import can
from copractice.plugins import get_plugins
from copractice.timeutil import utcnow
from copractice.urls import external_url, slugify


class GroupRefused(Refused):
    """A group's rule says no; the message is what the person sees."""


def group_kinds() -> dict[str, str]:
    """{kind: label}: the core's kinds, then those enabled plugins add through ``copractice_group_kinds``."""
    kinds = dict(GROUP_KINDS)
    for key, label in get_plugins().collect("copractice_group_kinds"):
        kinds.setdefault(key, label)
    return kinds


def kind_label(group: Group, kinds: dict[str, str] | None = None) -> str:
    """The group's kind as pages say it, a plugin's kinds included (``kinds``: group_kinds(), when already read)."""
    return (kinds if kinds is not None else group_kinds()).get(group.kind, group.kind_label)


def unique_slug(name, group_id=None):
    base = slugify(name, fallback="group")
    if base in ("new", "calendar"):  # /groups/new is the form to set one up; /groups/calendar/ the private feeds
        base = f"{base}-group"
    taken = set(db.session.scalars(select(Group.slug).where(
        or_(Group.slug == base, Group.slug.like(f"{base}-%")), Group.id != (group_id or 0))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


GROUP_FIELDS = ("name", "kind", "description", "theme_slug", "joining")


def save_group(actor: Member, group: Group | None = None, **fields) -> Group:
    """Set up a group (``group`` None; the actor may ``groups.create`` for its theme) or change one they run."""
    unknown = set(fields) - set(GROUP_FIELDS)
    if unknown:
        raise TypeError(f"not group fields: {', '.join(sorted(unknown))}")
    if fields.get("kind") is not None and fields["kind"] not in group_kinds():
        raise GroupRefused("Choose a kind of group from the list.")
    if fields.get("joining") is not None and fields["joining"] not in GROUP_JOINING:
        raise GroupRefused("Choose how people join.")
    theme = fields.get("theme_slug", group.theme_slug if group else None) or None
    if group is None:
        if not can(actor, "groups.create", theme):
            raise GroupRefused("You can set up groups only for a theme you lead.")
    elif not can(actor, "group.run", group) or (theme != group.theme_slug and not can(actor, "groups.create", theme)):
        raise GroupRefused("You can move a group only to a theme you lead.")
    name = (fields.get("name") or (group.name if group else "")).strip()
    if not name:
        raise GroupRefused("Enter the group's name.")
    before = None if group is None else {k: getattr(group, k) for k in GROUP_FIELDS}
    if group is None:  # whoever sets a group up chairs it, until they make someone else chair
        group = Group(slug=unique_slug(name), name=name)
        group.memberships.append(GroupMember(member_id=actor.id, role="chair", status="active", joined_at=utcnow()))
        db.session.add(group)
    for key, value in fields.items():
        setattr(group, key, (value or None) if key == "theme_slug" else (value or "").strip() if key in (
            "name", "description") else value)
    db.session.flush()
    audit(actor, "group.created" if before is None else "group.changed", "group", group.id, group.name, before,
          {k: getattr(group, k) for k in GROUP_FIELDS})
    return group


def membership(group: Group, member_id: int) -> GroupMember | None:
    return db.session.scalar(select(GroupMember).where(GroupMember.group_id == group.id,
                                                       GroupMember.member_id == member_id))


def _active(row):
    return row is not None and row.status == "active"


def join(member: Member, group: Group) -> GroupMember:
    """A member joins an open group, or accepts an invitation to any group."""
    row = membership(group, member.id)
    if _active(row):
        raise GroupRefused("You are already a member of this group.")
    if group.archived_at is not None:
        raise GroupRefused("This group has closed.")
    invited = row is not None and row.status == "invited"
    if not invited and group.joining != "open":
        raise GroupRefused("This group is by invitation. Ask its chair or secretary if you would like to join.")
    if row is None:
        row = GroupMember(group_id=group.id, member_id=member.id, role="member")
        db.session.add(row)
    row.status, row.joined_at = "active", utcnow()
    db.session.flush()
    audit(member, "group.joined", "group", group.id, group.name)
    return row


def decline(member: Member, group: Group) -> None:
    """A member says no to an invitation: it is gone, and they may be invited again later."""
    row = membership(group, member.id)
    if row is None or row.status != "invited":
        raise GroupRefused("You have no invitation to this group.")
    db.session.delete(row)
    db.session.flush()
    audit(member, "group.declined", "group", group.id, group.name)


def leave(member: Member, group: Group) -> None:
    """A member leaves (their past attendance stays). The last active chair or secretary cannot leave an
    active group with nobody to run it, unless a theme lead or admin can."""
    row = membership(group, member.id)
    if not _active(row):
        raise GroupRefused("You are not a member of this group.")
    _keep_someone_running(group, row)
    row.status, row.role = "left", "member"
    db.session.flush()
    audit(member, "group.left", "group", group.id, group.name)


def _keep_someone_running(group, row):
    if row.role == "member" or group.theme_slug is not None:
        return  # a theme's group is also run by its theme lead
    others = db.session.scalar(select(func.count(GroupMember.id)).where(
        GroupMember.group_id == group.id, GroupMember.id != row.id, GroupMember.status == "active",
        GroupMember.role.in_(("chair", "secretary"))))
    if not others:
        raise GroupRefused("Make someone else chair or secretary first: the group needs someone to run it.")


def invite(actor: Member, group: Group, member: Member) -> GroupMember:
    """Someone who runs the group invites a member; they are told (a notice, and an email unless they said
    no), and accept or decline on the group's page."""
    from copractice.notifications.operations import notify

    if not can(actor, "group.run", group):
        raise GroupRefused("Only the group's chair, secretary or theme lead can invite people.")
    if member is None or not member.active or member.erased_at is not None:
        raise GroupRefused("There is no member with that email address.")
    row = membership(group, member.id)
    if row is not None and row.status in ("active", "invited"):
        raise GroupRefused(f"{member.name} is already {'a member' if row.status == 'active' else 'invited'}.")
    if row is None:
        row = GroupMember(group_id=group.id, member_id=member.id)
        db.session.add(row)
    row.status, row.role, row.invited_by_id = "invited", "member", actor.id
    db.session.flush()
    notify([member], "group_invited", "group_invited", link=external_url("meetings.group", slug=group.slug),
           group=group, inviter=actor)
    audit(actor, "group.invited", "group", group.id, group.name, None, {"member_id": member.id})
    return row


def set_role(actor: Member, group: Group, member_id: int, role: str) -> GroupMember:
    """Make an active member chair, secretary or a plain member again (one secretary at a time)."""
    if not can(actor, "group.run", group):
        raise GroupRefused("Only the group's chair, secretary or theme lead can change roles.")
    if role not in GROUP_ROLES:
        raise GroupRefused("Choose member, chair or secretary.")
    row = membership(group, member_id)
    if not _active(row):
        raise GroupRefused("They are not a member of this group.")
    if row.role == role:
        return row
    if row.role != "member" and role == "member":
        _keep_someone_running(group, row)
    if role == "secretary":
        for other in db.session.scalars(select(GroupMember).where(
                GroupMember.group_id == group.id, GroupMember.role == "secretary", GroupMember.id != row.id)):
            other.role = "member"
    before = row.role
    row.role = role
    db.session.flush()
    audit(actor, "group.role_changed", "group", group.id, group.name, {"member_id": member_id, "role": before},
          {"member_id": member_id, "role": role})
    return row


def remove(actor: Member, group: Group, member_id: int) -> None:
    """Take someone out of the group, or withdraw their invitation (their past attendance stays)."""
    if not can(actor, "group.run", group):
        raise GroupRefused("Only the group's chair, secretary or theme lead can remove people.")
    row = membership(group, member_id)
    if row is None or row.status == "left":
        raise GroupRefused("They are not in this group.")
    if row.status == "invited":
        db.session.delete(row)
    else:
        _keep_someone_running(group, row)
        row.status, row.role = "left", "member"
    db.session.flush()
    audit(actor, "group.member_removed", "group", group.id, group.name, {"member_id": member_id}, None)


def visible_groups(member: Member) -> list[Group]:
    """The groups the list shows ``member``: open ones, theirs (invitations too), and those they run (a bounded
    number of queries: the groups, then one look-up of the member's places)."""
    groups = db.session.scalars(select(Group).where(Group.archived_at.is_(None)).order_by(Group.name)).all()
    parts = dict(db.session.execute(select(GroupMember.group_id, GroupMember.status).where(
        GroupMember.member_id == member.id)).all())
    shown = []
    for group in groups:
        status = parts.get(group.id)
        if group.joining == "open" or status in ("active", "invited") or _runs_without_lookup(member, group, status):
            shown.append(group)
    return shown


def _runs_without_lookup(member, group, status):
    """Whether ``member`` runs ``group`` as permissions' group.run says, without a query per group: admins and the
    theme's lead (chairs and the secretary are active members, so the list shows them their groups already)."""
    if getattr(member, "role", None) == "admin":
        return True
    return (group.theme_slug is not None and getattr(member, "role", None) == "theme_lead"
            and group.theme_slug in (member.led_themes or ()))

