"""Groups, members and meetings for tests/test_meetings_*.py and the meetings journeys (inside an app context)."""
from datetime import timedelta

from copractice.extensions import db
from copractice.meetings.models import Group, GroupMember, Meeting
from copractice.timeutil import utcnow

_n = iter(range(1, 10_000_000))


def make_group(*, joining="invite", theme_slug="cross-cutting", kind="forum", name=None, people=()):
    """A saved group; ``people`` is [(member, role, status)]."""
    n = next(_n)
    group = Group(slug=f"group-{n}", name=name or f"Group {n}", kind=kind, joining=joining, theme_slug=theme_slug)
    db.session.add(group)
    db.session.flush()
    for member, role, status in people:
        db.session.add(GroupMember(group_id=group.id, member_id=member.id, role=role, status=status,
                                   joined_at=utcnow() if status == "active" else None))
    db.session.commit()
    return group


def make_meeting(group, *, starts_in=timedelta(days=7), hours=2, venue="Maidstone Hub", joining_details=None,
                 title=None):
    start = utcnow().replace(microsecond=0) + starts_in
    meeting = Meeting(group_id=group.id, title=title or "Forum meeting", starts_at=start,
                      ends_at=start + timedelta(hours=hours), venue=venue, joining_details=joining_details)
    db.session.add(meeting)
    db.session.commit()
    return meeting
