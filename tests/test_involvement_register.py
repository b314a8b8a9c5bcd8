"""Issue 17 point 4: a co-facilitator or panel member selected for a session is on its register without a place,
is marked there like anyone else (which makes the session payable), and counts in no trainee figure."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from copractice.attendance import completion as completion_ops
from copractice.attendance import operations as ops
from copractice.attendance import reports
from copractice.attendance.models import Attendance, Certificate, Completion
from copractice.courses.models import CourseFacilitator, Enrolment
from copractice.extensions import db
from copractice.involvement.claims_models import Claim
from copractice.involvement.models import Involvement, Opportunity
from copractice.testing import create_course, create_member
from tests.claims_factory import rates
from tests.conftest import AuthActions, empty_all_tables, post_form
from tests.query_budget import counted_queries
from tests.test_query_budgets import BUDGETS


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield
        db.session.remove()


def selected(session, *, name="Carys Carer", role="co_facilitator", status="selected", choice="accepted"):
    """A member selected for a role in ``session``, with NO place on its course."""
    member = create_member(name=name, stakeholder_type="carer")
    opportunity = Opportunity(title="Co-facilitate the session", role=role, session_id=session.id,
                              theme_slug=session.course.theme_slug, expected_minutes=120)
    db.session.add(opportunity)
    db.session.flush()
    db.session.add(Involvement(opportunity_id=opportunity.id, member_id=member.id, status=status,
                               payment_choice=choice))
    db.session.commit()
    return member


def course_with_trainee():
    course = create_course(starts_in=-timedelta(hours=1), capacity=5)  # one session, begun an hour ago
    trainee = create_member(name="Tom Trainee")
    db.session.add(Enrolment(course_id=course.id, member_id=trainee.id, status="enrolled"))
    course.places_taken = 1
    db.session.commit()
    return course, course.sessions[0], trainee


def test_a_co_facilitator_is_on_the_register_without_a_place(ctx):
    course, session, trainee = course_with_trainee()
    carys = selected(session)
    panel = selected(session, name="Pat Panel", role="panel_member", status="confirmed")
    selected(session, name="Ivy Interested", status="interested")
    selected(session, name="Rita Reviewer", role="reviewer")
    rows = {row.name: row for row in ops.register(session)}
    assert set(rows) == {"Tom Trainee", "Carys Carer", "Pat Panel"}
    assert rows["Carys Carer"].co_facilitating and not rows["Carys Carer"].enrolled
    assert rows["Pat Panel"].co_facilitating and not rows["Tom Trainee"].co_facilitating
    assert db.session.scalar(select(Enrolment.id).where(Enrolment.member_id.in_([carys.id, panel.id]))) is None


def test_marking_a_co_facilitator_present_makes_one_claim_uses_no_place_and_no_trainee_figure(ctx):
    rates(pence=3000, unit="hour")
    course, session, trainee = course_with_trainee()
    carys = selected(session)
    organiser = create_member(role="admin", name="Ada Admin")
    ops.mark(organiser, session, trainee.id, "present")
    db.session.commit()
    grid_before = [(r.name, r.statuses, r.attended) for r in reports.course_grid(course).rows]
    months_before = reports.rates_by_month(reports.ReportFilters())

    ops.mark(organiser, session, carys.id, "present")
    ops.mark(organiser, session, carys.id, "late")  # marking again makes no second claim
    db.session.commit()
    claims = db.session.scalars(select(Claim).where(Claim.member_id == carys.id)).all()
    minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
    assert len(claims) == 1 and claims[0].rate_pence == 3000 and claims[0].rate_unit == "hour"
    assert claims[0].fee_pence == 3000 * minutes // 60 and claims[0].session_id == session.id  # £30 an hour
    assert ops.current_mark(session.id, carys.id).status == "late"
    db.session.refresh(course)
    assert course.places_taken == 1
    assert db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.course_id == course.id)) == 1
    # Trainee figures are as they were: the grid, the monthly rates, completion, certificates, learning hours.
    assert [(r.name, r.statuses, r.attended) for r in reports.course_grid(course).rows] == grid_before
    assert reports.rates_by_month(reports.ReportFilters()) == months_before
    assert db.session.scalar(select(Completion.id).where(Completion.member_id == carys.id)) is None
    assert db.session.scalar(select(Certificate.id).where(Certificate.member_id == carys.id)) is None
    assert ops.learning_hours([carys.id]) == {carys.id: 0.0}
    assert ops.member_course_marks(course.id, carys.id) == (1, 0, 0)
    completion_ops.reevaluate_course_completion(course)
    assert db.session.scalar(select(Completion.id).where(Completion.member_id == carys.id)) is None
    # and the trainee did complete (one session of one, present)
    assert db.session.scalar(select(Completion.id).where(Completion.member_id == trainee.id)) is not None


def test_someone_neither_enrolled_nor_selected_is_refused(ctx):
    course, session, trainee = course_with_trainee()
    selected(session)
    stranger = create_member(name="Sam Stranger")
    withdrawn = selected(session, name="Will Withdrawn", status="withdrawn")
    other_course = create_course(starts_in=-timedelta(hours=1))
    elsewhere = selected(other_course.sessions[0], name="Elsie Elsewhere")  # selected for another session
    for member in (stranger, withdrawn, elsewhere):
        with pytest.raises(ops.NoPlace):
            ops.mark(None, session, member.id, "present")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_the_register_page_marks_a_co_facilitator_and_refuses_a_stranger(app, client):
    with app.test_request_context():
        rates()
        course, session, trainee = course_with_trainee()
        carys = selected(session)
        stranger = create_member(name="Sam Stranger")
        fac = create_member(email="fac@example.org", role="facilitator")
        db.session.add(CourseFacilitator(course_id=course.id, member_id=fac.id))
        db.session.commit()
        session_id, carys_id, stranger_id = session.id, carys.id, stranger.id
    AuthActions(client).login("fac@example.org")
    url = f"/manage/sessions/{session_id}/register"
    page = client.get(url).get_data(as_text=True)
    assert "Co-facilitating this session" in page
    section = page.split("Co-facilitating this session", 1)[1]
    assert f'name="present" value="{carys_id}"' in section and "Tom Trainee" not in section
    assert "(no place)" not in page
    response = post_form(client, f"{url}/marks", {"present": carys_id}, page=url)
    assert response.status_code == 302
    response = post_form(client, f"{url}/marks", {"present": stranger_id}, page=url)
    assert response.status_code == 404
    with app.app_context():
        assert ops.current_mark(session_id, carys_id).status == "present"
        assert ops.current_mark(session_id, stranger_id) is None
        assert db.session.scalar(select(func.count(Claim.id)).where(Claim.member_id == carys_id)) == 1


def _register_queries(app, co_facilitators):
    with app.test_request_context():
        empty_all_tables()
        course = create_course(starts_in=-timedelta(hours=1), capacity=50)
        session = course.sessions[0]
        for i in range(20):
            person = create_member(name=f"Trainee {i}")
            db.session.add(Enrolment(course_id=course.id, member_id=person.id, status="enrolled"))
        fac = create_member(email="fac@example.org", role="facilitator")
        db.session.add(CourseFacilitator(course_id=course.id, member_id=fac.id))
        db.session.commit()
        for i in range(co_facilitators):
            selected(session, name=f"Helper {i}", role=("co_facilitator", "panel_member")[i % 2])
        session_id = session.id
    client = app.test_client()
    AuthActions(client).login("fac@example.org")
    with counted_queries(app) as statements:
        page = client.get(f"/manage/sessions/{session_id}/register").get_data(as_text=True)
    assert page.count("Helper ") >= co_facilitators
    return len(statements)


def test_the_register_query_budget_does_not_grow_with_co_facilitators(app):
    counts = [_register_queries(app, n) for n in (1, 6)]
    assert counts[0] == counts[1] <= BUDGETS["register"], counts


def test_co_facilitating_is_not_counted_as_learning_anywhere(ctx):
    """My learning's hours and the impact report's learning hours leave a co-facilitator's marks out, as
    attendance's own learning_hours does."""
    from copractice.attendance.learning import my_learning
    from copractice.measurement.indicators import learning_hours

    course, session, trainee = course_with_trainee()
    carys = selected(session)
    organiser = create_member(role="admin", name="Ada Admin")
    ops.mark(organiser, session, trainee.id, "present")
    ops.mark(organiser, session, carys.id, "present")
    db.session.commit()
    hours = round((session.ends_at - session.starts_at).total_seconds() / 3600, 1)
    assert my_learning(carys).hours == 0 and my_learning(trainee).hours > 0
    window = (session.starts_at - timedelta(days=1), session.starts_at + timedelta(days=1))
    indicator = learning_hours(None, *window)
    assert indicator.headline.shown is None or indicator.headline.shown == hours  # one learner: hidden, never doubled
    from flask import current_app
    current_app.config["SUPPRESS_BELOW"] = 1
    assert learning_hours(None, *window).headline.shown == hours
