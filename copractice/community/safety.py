"""Who may post where, and which posts wait for a moderator (issue 14 point 4).

The posting operations ask ``check_may_post`` before writing a post (it raises ``Refused`` with a message for
the person) and ``hold_new_post`` to decide whether the new post is held for a moderator or published at once.
"""
from copractice.errors import Refused
from copractice.permissions import can


def check_may_post(member, space):
    """Raise ``Refused`` unless ``member`` may post in ``space``."""
    if not can(member, "space.view", space) or not getattr(member, "is_authenticated", False):
        raise Refused("You cannot post in this space.")
    if space.archived_at is not None:
        raise Refused("This space is archived: it can be read but not posted in.")


def hold_new_post(member, space):
    """True when ``member``'s new post in ``space`` must wait for a moderator (the safety work decides)."""
    return False
