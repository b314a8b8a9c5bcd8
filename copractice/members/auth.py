"""How Flask-Login finds the member behind a session or remember-me cookie."""
from sqlalchemy import exists, select
from sqlalchemy.orm import with_expression

from copractice.extensions import db, login_manager
from copractice.members.models import Member


def _member_with_facts(member_id):
    """The member, with whether they run any course loaded in the same statement (the nav asks every page)."""
    from copractice.courses.models import CourseFacilitator  # courses sit above members: import at call time

    runs = exists().where(CourseFacilitator.member_id == Member.id)
    return db.session.scalar(select(Member).where(Member.id == member_id)
                             .options(with_expression(Member.runs_courses, runs)))


@login_manager.user_loader
def load_member(alternative_id):
    """Accept "<id>:<session token>" only while that token is current and the account is active."""
    member_id, _, token = (alternative_id or "").partition(":")
    if not member_id.isdigit() or not token:
        return None
    member = _member_with_facts(int(member_id))
    if member is None or member.session_token != token or not member.is_active:
        return None
    return member
