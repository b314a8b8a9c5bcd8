"""Completion follows the course: adding or removing sessions issues or withdraws certificates, and says so."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from copractice.attendance import operations as ops
from copractice.attendance.models import Certificate, Completion
from copractice.courses import operations as course_ops
from copractice.courses.models import Enrolment
from copractice.extensions import db
from copractice.notifications.models import Notice, OutboxMessage
from copractice.timeutil import utcnow
from tests.conftest import AuthActions, create_member, post_form
from tests.factories_courses import create_course


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


def course_marked(marks, sessions=4):
    """A course of past weekly sessions; ``marks`` is {name: [status or None per session]}. Returns (course, people)."""
    course = create_course(title="Listening to carers", sessions=sessions, starts_in=timedelta(weeks=-sessions - 1),
                           capacity=10)
    admin = create_member(role="admin", email="admin@example.org")
    people = {}
    for name, row in marks.items():
        person = people[name] = create_member(name=name)
        db.session.add(Enrolment(course_id=course.id, member_id=person.id, status="enrolled"))
        db.session.flush()
        for session, status in zip(course.sessions, row, strict=True):
            if status:
                ops.mark(admin, session, person.id, status)
    course.places_taken = len(people)
    db.session.commit()
    return course, people


def completed(course, member):
    return db.session.scalar(select(Completion).where(Completion.course_id == course.id,
                                                      Completion.member_id == member.id)) is not None


def valid_certificate(course, member):
    return ops.current_certificate(course.id, member.id)


def told(member):
    notices = db.session.scalars(select(Notice).where(Notice.member_id == member.id,
                                                      Notice.kind == "completion_changed")).all()
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.member_id == member.id,
                                                          OutboxMessage.kind == "completion_changed")).all()
    return notices, mail


def later_weeks(n, weeks_ahead=1):
    start = utcnow().replace(microsecond=0) + timedelta(weeks=weeks_ahead)
    return [(start + timedelta(weeks=i), start + timedelta(weeks=i, hours=2)) for i in range(n)]


def test_adding_sessions_withdraws_completion_and_says_so(ctx):
    course, people = course_marked({"Asha": ["present"] * 3 + [None], "Bea": ["present"] * 4})
    asha, bea = people["Asha"], people["Bea"]
    old_code = valid_certificate(course, asha).code
    assert completed(course, asha) and completed(course, bea)  # 3 of 4 meets the 75% rule

    course_ops.add_sessions(create_member(role="admin"), course, later_weeks(1))
    db.session.commit()

    assert not completed(course, asha) and valid_certificate(course, asha) is None  # 3 of 5
    revoked = db.session.scalar(select(Certificate).where(Certificate.code == old_code))
    assert revoked.revoked_at is not None and "sessions changed" in revoked.revoked_reason
    notices, mail = told(asha)
    assert len(notices) == 1 and len(mail) == 1
    assert mail[0].subject == "Your certificate for Listening to carers has been withdrawn"
    assert "3 of the 5 sessions" in mail[0].body and "/learning" in mail[0].body
    assert completed(course, bea) and told(bea) == ([], [])  # 4 of 5 still meets it: nothing to tell


def test_removing_sessions_completes_and_issues_a_certificate(ctx):
    course, people = course_marked({"Cai": ["present", "present", "absent", "absent"], "Dee": [None] * 4})
    cai, dee = people["Cai"], people["Dee"]
    assert not completed(course, cai)
    admin = create_member(role="admin")
    for session in list(course.sessions[2:]):
        course_ops.delete_session(admin, session)
    db.session.commit()

    assert completed(course, cai) and valid_certificate(course, cai) is not None  # 2 of 2
    notices, mail = told(cai)
    assert [n.message for n in notices] == ["You have completed Listening to carers"]
    assert "2 of the 2 sessions" in mail[0].body and "certificate" in mail[0].body
    assert not completed(course, dee) and told(dee) == ([], [])


def test_erased_accounts_are_left_alone(ctx):
    course, people = course_marked({"Eve": ["present", "present", "absent", "absent"]})
    eve = people["Eve"]
    eve.erased_at, eve.email = utcnow(), None
    db.session.commit()
    course_ops.delete_session(create_member(role="admin"), course.sessions[3])
    course_ops.delete_session(create_member(role="admin"), course.sessions[2])
    db.session.commit()
    assert not completed(course, eve)
    assert db.session.scalars(select(Certificate).where(Certificate.member_id == eve.id)).all() == []
    assert told(eve) == ([], [])


def test_the_organisers_pages_re_evaluate_completion(app, client):
    with app.test_request_context():
        course, people = course_marked({"Fin": ["present", "present", "present", "absent"]})
        fin_id, course_id = people["Fin"].id, course.id
        last_session_id = course.sessions[3].id
    AuthActions(client).login("admin@example.org")
    manage = f"/manage/courses/{course_id}"
    day = (utcnow() + timedelta(weeks=2)).date()
    response = post_form(client, f"{manage}/sessions/new", {"date": day.isoformat(), "start_time": "10:00",
                                                           "end_time": "12:00", "repeat_weeks": "1"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Completion).where(Completion.member_id == fin_id)) is None  # 3 of 5
    response = post_form(client, f"/manage/sessions/{last_session_id}/delete", {}, page=manage)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Completion).where(Completion.member_id == fin_id)) is not None  # 3 of 4
        kinds = db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.member_id == fin_id,
                                                                       OutboxMessage.kind == "completion_changed")
                                   .order_by(OutboxMessage.id)).all()
        assert kinds == ["Your certificate for Listening to carers has been withdrawn",
                         "You have completed Listening to carers"]


def test_switching_the_email_off_keeps_the_notice(ctx):
    from copractice.notifications.models import EmailPreference

    course, people = course_marked({"Gus": ["present"] * 3 + [None]})
    gus = people["Gus"]
    db.session.add(EmailPreference(member_id=gus.id, kind="completion_changed", email=False))
    db.session.commit()
    course_ops.add_sessions(create_member(role="admin"), course, later_weeks(1))
    db.session.commit()
    notices, mail = told(gus)
    assert len(notices) == 1 and mail == []
