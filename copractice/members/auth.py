"""How Flask-Login finds the member behind a session or remember-me cookie."""
from copractice.extensions import db, login_manager
from copractice.members.models import Member


@login_manager.user_loader
def load_member(alternative_id):
    """Accept "<id>:<session token>" only while that token is current and the account is active."""
    member_id, _, token = (alternative_id or "").partition(":")
    if not member_id.isdigit() or not token:
        return None
    member = db.session.get(Member, int(member_id))
    if member is None or member.session_token != token or not member.is_active:
        return None
    return member
