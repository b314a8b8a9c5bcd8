"""The large demo data's members have @mention handles (review of issue 14): they were bulk-inserted past the ORM,
which gives every other member one, so nobody could @mention them. Unique, readable ("first_last", "first_last2"),
and found by the mention rule."""
from sqlalchemy import func, select

from copractice.community import watching
from copractice.extensions import db
from copractice.members.models import Member
from tests.test_demo_large import _build


def test_every_large_demo_member_has_a_unique_handle_that_mentions_them(app):
    _build(app)
    with app.test_request_context():
        handles = db.session.scalars(select(Member.handle)).all()
        assert len(handles) == db.session.scalar(select(func.count(Member.id))) > 200
        assert None not in handles and len(set(handles)) == len(handles)
        member = db.session.scalars(select(Member).order_by(Member.id.desc())).first()  # one of the bulk ones
        assert member.handle.startswith(member.name.split()[0].lower())
        assert watching.mentioned_handles(f"Thank you @{member.handle}!") == [member.handle]
