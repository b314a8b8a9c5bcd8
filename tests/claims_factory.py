"""Data for the claims tests (issue 17 points 4, 5, 7, 8): a carer selected as co-facilitator of a session that
has started, payment accepted, a rate and a mileage rate in force."""
from datetime import date, timedelta

from copractice.courses.models import Enrolment
from copractice.extensions import db
from copractice.involvement.models import ExpenseRate, Involvement, Opportunity, PaymentRate
from copractice.testing import create_course, create_member

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def rates(pence=2750, unit="hour", mileage=45, since=date(2026, 1, 1), activity="co_facilitator"):
    db.session.add(PaymentRate(activity=activity, unit=unit, pence=pence, applies_from=since))
    db.session.add(ExpenseRate(kind="mileage", unit="mile", pence=mileage, applies_from=since))
    db.session.flush()


def co_facilitator(*, choice="accepted", role="co_facilitator", status="selected", name="Carys Carer",
                   email=None, stakeholder_type="carer", course=None, place=True):
    """(member, session, involvement): the member has a place (unless ``place`` is False: a selected co-facilitator
    is on the register without one) and the session began an hour ago."""
    member = create_member(name=name, email=email, stakeholder_type=stakeholder_type)
    course = course or create_course(starts_in=-timedelta(hours=1))
    session = course.sessions[0]
    if place:
        db.session.add(Enrolment(course_id=course.id, member_id=member.id, status="enrolled"))
        course.places_taken += 1
    opportunity = Opportunity(title="Co-facilitate the session", role=role, session_id=session.id,
                              theme_slug=course.theme_slug, expected_minutes=120)
    db.session.add(opportunity)
    db.session.flush()
    involvement = Involvement(opportunity_id=opportunity.id, member_id=member.id, status=status,
                              payment_choice=choice)
    db.session.add(involvement)
    db.session.commit()
    return member, session, involvement
