"""Issue 17 points 1, 3 and 6: interest, selection with places kept (also when two organisers confirm at once),
the contributor's own payment choice, own-time confirmation, benefits advice, credit with consent, the hook."""
import pytest
from sqlalchemy import func, select

from copractice.audit import AuditEntry
from copractice.errors import Refused
from copractice.extensions import db
from copractice.involvement import operations as ops
from copractice.involvement.models import Involvement, Opportunity
from copractice.members.models import Member
from copractice.notifications.models import Notice, OutboxMessage
from tests.concurrency_helpers import at_once
from tests.conftest import create_member
from tests.involvement_factory import course_with_facilitator, make_opportunity
from tests.meetings_factory import make_group, make_meeting


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["involvement_types=tests.plugins.involvement_types",
                              "involvement_types_raising=tests.plugins.involvement_types_raising"]}


def test_interest_selection_and_confirmation_tell_people_through_the_outbox(app):
    with app.test_request_context():
        course, fran = course_with_facilitator()
        creator = create_member(role="admin", name="Ada Admin")
        opp = make_opportunity(session=course.sessions[0], places=2)
        opp.created_by_id = creator.id
        db.session.commit()
        carer = create_member(stakeholder_type="carer", name="Cara Carer")
        inv = ops.express_interest(carer, opp)
        assert inv.status == "interested" and inv.payment_choice == "not_offered" and inv.own_time_confirmed is None
        with pytest.raises(Refused, match="already"):
            ops.express_interest(carer, opp)
        assert db.session.scalar(select(Notice.kind).where(Notice.member_id == creator.id)) == "involvement_interest"
        ops.decide(fran, inv, "selected")  # the course's facilitator organises its session's opportunity
        assert inv.status == "selected"
        kinds = db.session.scalars(select(OutboxMessage.kind).where(OutboxMessage.member_id == carer.id)).all()
        assert kinds == ["involvement_selected"]
        outsider = create_member(role="facilitator")
        with pytest.raises(Refused, match="Only the organisers"):
            ops.decide(outsider, inv, "confirmed")
        ops.decide(creator, inv, "confirmed")
        assert [i.opportunity.title for i in ops.my_involvements(carer)] == [opp.title]
        ops.withdraw(carer, inv)
        assert inv.status == "withdrawn" and ops.places_taken(opp.id) == 0
        ops.express_interest(carer, opp)  # may come back
        assert inv.status == "interested"


def test_places_are_respected(app):
    with app.test_request_context():
        course, fran = course_with_facilitator()
        opp = make_opportunity(session=course.sessions[0], places=1)
        one, two = (ops.express_interest(create_member(), opp) for _ in range(2))
        ops.decide(fran, one, "confirmed")
        with pytest.raises(Refused, match="All 1 places are taken"):
            ops.decide(fran, two, "selected")
        ops.decide(fran, one, "declined")
        ops.decide(fran, two, "confirmed")
        assert ops.places_taken(opp.id) == 1


def test_two_organisers_confirming_at_once_never_pass_the_places(app):
    with app.test_request_context():
        course, fran = course_with_facilitator()
        admin = create_member(role="admin")
        opp = make_opportunity(session=course.sessions[0], places=1)
        ids = [ops.express_interest(create_member(), opp).id for _ in range(6)]
        db.session.commit()
        organisers, opp_id = [fran.id, admin.id], opp.id

    def confirm(inv_id, who):
        def run():
            try:
                ops.decide(db.session.get(Member, who), db.session.get(Involvement, inv_id), "confirmed")
                return "confirmed"
            except Refused:
                db.session.rollback()
                return "refused"
        return run

    results = at_once(app, [confirm(inv_id, organisers[i % 2]) for i, inv_id in enumerate(ids)])
    assert sorted(results) == ["confirmed"] + ["refused"] * 5
    with app.app_context():
        assert db.session.scalar(select(func.count(Involvement.id)).where(
            Involvement.opportunity_id == opp_id, Involvement.status == "confirmed")) == 1


def test_who_organises_what(app):
    with app.test_request_context():
        course, fran = course_with_facilitator(theme_slug="dementia")
        lead = create_member(role="theme_lead", themes=("dementia",))
        other_lead = create_member(role="theme_lead", themes=("cross-cutting",))
        chair, member = create_member(), create_member()
        group = make_group(theme_slug=None, people=[(chair, "chair", "active"), (member, "member", "active")])
        meeting = make_meeting(group)
        for actor, link, ok in [(fran, {"session": course.sessions[0]}, True), (lead, {"session": course.sessions[0]}, True),
                                (other_lead, {"session": course.sessions[0]}, False),
                                (chair, {"meeting": meeting}, True), (member, {"meeting": meeting}, False),
                                (fran, {"meeting": meeting}, False)]:
            def save(actor=actor, link=link):
                return ops.save_opportunity(actor, None, title="Panel", role="panel_member", description="Sit on it",
                                            expected_minutes=60, places=1, **link)
            if ok:
                assert save().id
            else:
                with pytest.raises(Refused, match="only set up"):
                    save()
        with pytest.raises(Refused, match="Link the opportunity"):
            ops.save_opportunity(lead, None, title="X", role="reviewer", description="", expected_minutes=1, places=1)
        opp = ops.save_opportunity(lead, None, title="Review", role="reviewer", description="Read", expected_minutes=30,
                                   places=2, project="Dementia leaflet", theme_slug="dementia")
        assert opp.theme_slug == "dementia" and opp.project == "Dementia leaflet"


def test_payment_is_the_contributors_choice_and_young_people_may_decline(app):
    with app.test_request_context():
        course, fran = course_with_facilitator()
        opp = make_opportunity(session=course.sessions[0], places=3)
        young = create_member(stakeholder_type="young_person", under_18=True)
        inv = ops.express_interest(young, opp)
        ops.choose_payment(young, inv, "declined")  # saying no is possible at any time, even before an offer
        assert inv.payment_choice == "declined"
        with pytest.raises(Refused, match="not been offered"):
            ops.choose_payment(young, inv, "accepted")
        with pytest.raises(Refused, match="selected or confirmed"):
            ops.offer_payment(fran, inv)
        ops.decide(fran, inv, "confirmed")
        ops.offer_payment(fran, inv)
        assert inv.payment_choice == "declined" and inv.payment_offered_at is not None  # their "no" stands
        with pytest.raises(Refused, match="already been offered"):
            ops.offer_payment(fran, inv)
        for choice in ("accepted", "voucher", "organisation", "declined", "accepted"):
            ops.choose_payment(young, inv, choice)
            assert inv.payment_choice == choice
        with pytest.raises(Refused, match="someone else's"):
            ops.choose_payment(create_member(), inv, "declined")
        ops.set_benefits_advice(young, inv, True)
        assert inv.benefits_advice is True and ops.benefits_advice()[1].startswith("https://")
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "involvement.payment",
                                                              AuditEntry.target_id == str(inv.id))).all()
        assert entries[-1].before == {"benefits_advice": False} and len(entries) >= 7


def test_staff_of_public_bodies_confirm_own_time_before_payment_is_offered(app):
    with app.test_request_context():
        course, fran = course_with_facilitator()
        opp = make_opportunity(session=course.sessions[0], places=3)
        nurse = create_member(stakeholder_type="practitioner")
        inv = ops.express_interest(nurse, opp)
        assert inv.own_time_confirmed is False
        ops.decide(fran, inv, "confirmed")
        with pytest.raises(Refused, match="own time"):
            ops.offer_payment(fran, inv)
        assert inv.payment_choice == "not_offered"
        ops.confirm_own_time(nurse, inv, True)
        ops.offer_payment(fran, inv)
        assert inv.payment_choice == "offered"
        ops.choose_payment(nurse, inv, "accepted")
        ops.confirm_own_time(nurse, inv, False)  # taking it back stops the payment
        assert inv.payment_choice == "not_offered"
        carer = create_member(stakeholder_type="carer")
        with pytest.raises(Refused, match="Only staff"):
            ops.confirm_own_time(carer, ops.express_interest(carer, opp), True)


def test_hours_and_co_facilitation_are_credited_only_with_consent(app):
    with app.test_request_context():
        course, fran = course_with_facilitator()
        opp = make_opportunity(session=course.sessions[0], places=2, minutes=150)
        carer = create_member(name="Cara Carer")
        inv = ops.express_interest(carer, opp)
        ops.decide(fran, inv, "confirmed")
        assert ops.credited_hours(carer) == {"hours": 0, "count": 0, "co_facilitations": 0}
        assert ops.co_facilitators_of_course(course.id) == []
        ops.set_credit_consent(carer, inv, True)
        assert ops.credited_hours(carer) == {"hours": 2.5, "count": 1, "co_facilitations": 1}
        assert ops.co_facilitators_of_course(course.id) == ["Cara Carer"]


def test_a_plugin_adds_an_activity_type_and_a_raising_one_is_skipped(app, enable_plugin):
    with app.test_request_context():
        assert "focus_group" not in ops.activity_types()
    enable_plugin("involvement_types")
    enable_plugin("involvement_types_raising")
    with app.test_request_context():
        kinds = ops.activity_types()
        assert kinds["focus_group"] == "Focus group member" and kinds["reviewer"] == "Reviewer"
        lead = create_member(role="theme_lead", themes=("cross-cutting",))
        opp = ops.save_opportunity(lead, None, title="Focus group", role="focus_group", description="Talk",
                                   expected_minutes=90, places=8, project="Carers' survey", theme_slug="cross-cutting")
        assert db.session.get(Opportunity, opp.id).role == "focus_group"
