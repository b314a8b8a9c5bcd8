"""Issue 17 point 8: a claim can't be approved twice or exported in two batches, even by two people at once (two
threads, each with its own database session, released together; SQLite and PostgreSQL)."""
from sqlalchemy import func, select

from copractice.attendance import operations as attendance
from copractice.audit import AuditEntry
from copractice.extensions import db
from copractice.involvement import claims, finance
from copractice.involvement.claims_models import Claim, FinanceBatch
from copractice.members.models import Member
from copractice.testing import create_member
from tests.claims_factory import co_facilitator, rates
from tests.concurrency_helpers import at_once


def _setup(app, people=1):
    with app.test_request_context():
        rates()
        first = None
        course = None
        for n in range(people):
            member, session, _ = co_facilitator(name=f"Contributor {n}", course=course)
            course = session.course
            first = first or create_member(role="admin", name="First Admin")
            attendance.mark(first, session, member.id, "present")
        second = create_member(role="admin", name="Second Admin")
        db.session.commit()
        return first.id, second.id, db.session.scalars(select(Claim.id).order_by(Claim.id)).all()


def _as(member_id, step):
    """Run ``step(actor)`` as ``member_id``; a refusal is an answer ("refused"), not a failure of the thread."""
    def call():
        try:
            return step(db.session.get(Member, member_id))
        except claims.ClaimRefused:
            db.session.rollback()
            return "refused"
    return call


def test_two_admins_approving_at_once_approve_once(app):
    first, second, [claim_id] = _setup(app)
    results = at_once(app, [_as(first, lambda me: claims.approve(me, claim_id).status),
                            _as(second, lambda me: claims.approve(me, claim_id).status)])
    assert sorted(results) == ["approved", "refused"]
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "claim.approved")) == 1
        assert db.session.get(Claim, claim_id).status == "approved"


def test_two_exports_at_once_put_each_claim_in_one_batch(app):
    first, second, claim_ids = _setup(app, people=3)
    with app.test_request_context():
        for claim_id in claim_ids:
            claims.approve(db.session.get(Member, first), claim_id)
        db.session.commit()
    results = at_once(app, [_as(first, lambda me: finance.export_batch(me).claim_count),
                            _as(second, lambda me: finance.export_batch(me).claim_count)])
    assert sorted(results, key=str) == [3, "refused"]
    with app.app_context():
        batches = db.session.scalars(select(FinanceBatch)).all()
        assert [(b.claim_count, b.total_pence) for b in batches] == [(3, 3 * 5500)]
        assert {c.batch_id for c in db.session.scalars(select(Claim))} == {batches[0].id}
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "claim.exported")) == 3
