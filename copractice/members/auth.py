"""How Flask-Login finds the member behind a session or remember-me cookie."""
from functools import cache

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import joinedload, with_expression

from copractice.extensions import db, login_manager
from copractice.members.models import Member


@cache
def _member_statement():
    # Built once per process (every signed-in request runs it): only the id changes.
    from copractice.courses.models import CourseFacilitator  # courses sit above members: import at call time

    runs = exists().where(CourseFacilitator.member_id == Member.id)
    # Their theme leaderships (a few rows, usually none) come joined in the same statement: the permission
    # checks of every page ask for them.
    return select(Member).where(Member.id == bindparam("member_id")).options(
        with_expression(Member.runs_courses, runs), joinedload(Member.leaderships))


def _member_with_facts(member_id):
    """The member, with whether they run any course and their leaderships, in one statement (every page asks)."""
    return db.session.execute(_member_statement(), {"member_id": member_id}).unique().scalar_one_or_none()


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
