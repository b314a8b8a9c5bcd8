"""The paired course evaluation (issue 16 point 3): a course's before, after and follow-up surveys with the same
confidence questions, who may answer each and when, invitations through the outbox by the job (each member once per
stage, the follow-up only to completers after the delay), the paired change with small numbers hidden (5 pairs show
numbers, 4 show "fewer than 5"), a trainee's own change, exports, data rights and query budgets."""
from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from copractice.attendance.models import Attendance, Completion
from copractice.courses.models import ENROLLED, Course, Enrolment
from copractice.extensions import db
from copractice.measurement import evaluation, surveys
from copractice.measurement.evaluation_models import CourseEvaluation, EvaluationInvitation
from copractice.members.models import Member
from copractice.notifications.models import Notice, OutboxMessage
from copractice.testing import create_course, create_member, log_in, post_form
from copractice.timeutil import utcnow
from tests.query_budget import queries_for

QUESTIONS = ("confidence_coproduction", "confidence_speaking", "confidence_involving", "confidence_change")


def evaluated_course(starts_in=timedelta(days=7), sessions=2, theme="cross-cutting"):
    """A course with its evaluation set up (inside an app or request context); returns (course id, admin id)."""
    admin = create_member(role="admin")
    course = create_course(starts_in=starts_in, sessions=sessions, theme_slug=theme)
    evaluation.set_up(admin, course)
    db.session.commit()
    return course.id, admin.id


def place(course_id, member, attended=True, completed=True):
    """Give ``member`` a place on the course, marks for its sessions and (if ``completed``) a completion."""
    course = db.session.get(Course, course_id)
    db.session.add(Enrolment(course_id=course_id, member_id=member.id, status=ENROLLED, enrolled_at=utcnow()))
    if attended:
        for s in course.sessions:
            db.session.add(Attendance(session_id=s.id, member_id=member.id, status="present"))
    if completed:
        db.session.add(Completion(course_id=course_id, member_id=member.id, attended=len(course.sessions),
                                  counted=len(course.sessions)))
    db.session.commit()


def answer(course_id, member, stage, values, now=None):
    """Send ``member``'s answers {question: 0..10} to a stage (checking the stage is open to them)."""
    course = db.session.get(Course, course_id)
    evaluation.check_may_answer(member, course, stage, now)
    survey = evaluation.evaluations(course_id)[stage]
    form = MultiDict({f"q_{key}": str(values.get(key, 5)) for key in QUESTIONS})
    clean, errors = surveys.read_answers(surveys.asked(survey, member), form)
    assert errors == {}
    surveys.save_response(survey, key=evaluation.answer_key(survey, member), member=member, answers=clean,
                          submit=True)
    db.session.commit()


def test_a_course_gets_the_same_confidence_questions_before_after_and_later(app):
    with app.test_request_context():
        course_id, admin_id = evaluated_course()
        found = evaluation.evaluations(course_id)
        assert set(found) == {"pre", "post", "follow_up"}
        asked = {stage: [(q.key, q.kind, q.tag) for q in s.questions] for stage, s in found.items()}
        assert asked["pre"] == asked["post"] == asked["follow_up"]
        assert {key for key, _kind, _tag in asked["pre"]} >= set(QUESTIONS)
        assert all(tag.startswith("kirkpatrick:") for _key, _kind, tag in asked["pre"])
        assert all(s.status == "open" and not s.anonymous for s in found.values())
        with pytest.raises(evaluation.EvaluationRefused):
            evaluation.set_up(db.session.get(Member, admin_id), db.session.get(Course, course_id))


def test_who_may_answer_each_stage_and_when(app):
    with app.test_request_context():
        course_id, _ = evaluated_course(starts_in=timedelta(days=7), sessions=2)
        course = db.session.get(Course, course_id)
        on_it, stranger = create_member(), create_member()
        place(course_id, on_it, attended=False, completed=False)
        now = utcnow()
        assert evaluation.refusal(on_it, course, "pre", now) is None
        assert "place on the course" in evaluation.refusal(stranger, course, "pre", now)
        assert "opens when the last session has ended" in evaluation.refusal(on_it, course, "post", now)
        assert [(i.stage, i.label) for i in evaluation.open_for(on_it, now)] == [
            ("pre", f"Tell us how you feel before {course.title}")]
        started = now + timedelta(days=8)
        assert "has started" in evaluation.refusal(on_it, course, "pre", started)
        after = now + timedelta(days=30)
        assert "came to the course" in evaluation.refusal(on_it, course, "post", after)  # marked no session
        for s in course.sessions:
            db.session.add(Attendance(session_id=s.id, member_id=on_it.id, status="present"))
        db.session.commit()
        assert evaluation.refusal(on_it, course, "post", after) is None
        assert [i.stage for i in evaluation.open_for(on_it, after)] == ["post"]
        later = after + timedelta(days=120)
        assert "completed the course" in evaluation.refusal(on_it, course, "follow_up", later)
        assert evaluation.refusal(on_it, course, "bogus", later) == "There is no such survey."


def five_pairs(app, pairs=5, extra_pre_only=2):
    """A finished course where ``pairs`` people answered before and after (each rises by 2 on the first question,
    by 1 on the others) and others answered only before; returns (course id, admin id, member ids)."""
    with app.test_request_context():
        course_id, admin_id = evaluated_course(starts_in=timedelta(days=7), sessions=1)
        before, after = utcnow(), utcnow() + timedelta(days=20)
        ids = []
        for n in range(pairs + extra_pre_only):
            member = create_member()
            place(course_id, member)
            answer(course_id, member, "pre", {"confidence_coproduction": 3 + n % 2, "confidence_speaking": 5},
                   now=before)
            if n < pairs:
                answer(course_id, member, "post", {"confidence_coproduction": 5 + n % 2, "confidence_speaking": 6},
                       now=after)
            ids.append(member.id)
        return course_id, admin_id, ids


def test_the_paired_change_counts_only_people_who_answered_both(app):
    course_id, _, _ = five_pairs(app, pairs=5, extra_pre_only=3)
    with app.test_request_context():
        report = evaluation.course_report(db.session.get(Course, course_id))
        first = next(q for q in report.questions if q.key == "confidence_coproduction")
        speaking = next(q for q in report.questions if q.key == "confidence_speaking")
        assert str(report.people) == "5" and str(first.pairs) == "5"
        # People 0..4 before: 3,4,3,4,3 (mean 3.4); after 5,6,5,6,5 (5.4): the three who answered only before
        # (their 4,3,4 would pull the mean before to 3.5) are left out.
        assert (first.before.shown, first.after.shown, first.change.shown) == (3.4, 5.4, 2.0)
        assert (speaking.before.shown, speaking.after.shown, speaking.change.shown) == (5.0, 6.0, 1.0)
        assert str(first.follow_up) == "fewer than 5"  # nobody has answered the follow-up yet


def test_four_pairs_show_fewer_than_five_everywhere(app, client):
    course_id, admin_id, _ = five_pairs(app, pairs=4, extra_pre_only=3)
    with app.test_request_context():
        report = evaluation.course_report(db.session.get(Course, course_id))
        assert str(report.people) == "fewer than 5"
        assert all(q.before.hidden and q.after.hidden and q.change.hidden for q in report.questions)
        admin = db.session.get(Member, admin_id).email
    log_in(client, admin)
    page = client.get(f"/evaluation/manage/courses/{course_id}").get_data(as_text=True)
    assert "fewer than 5" in page
    for shown in (">3.5<", ">5.5<", ">2.0<", "<rect"):  # the 4 pairs' means, in the table or drawn as bars
        assert shown not in page
    csv = client.get(f"/evaluation/manage/courses/{course_id}/report.csv").get_data(as_text=True)
    assert "fewer than 5" in csv and "2.0" not in csv


def test_the_report_page_chart_table_and_exports_show_the_same_numbers(app, client):
    course_id, admin_id, _ = five_pairs(app, pairs=5)
    with app.test_request_context():
        admin = db.session.get(Member, admin_id).email
    log_in(client, admin)
    page = client.get(f"/evaluation/manage/courses/{course_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<svg' in html and 'role="img"' in html and 'id="paired-table"' in html
    assert html.count(">3.4<") == 2 and html.count(">5.4<") == 2  # the chart's label and the table's cell
    csv = client.get(f"/evaluation/manage/courses/{course_id}/report.csv").get_data(as_text=True)
    assert "3.4,5.4,2.0" in csv
    xlsx = client.get(f"/evaluation/manage/courses/{course_id}/report.xlsx")
    sheet = load_workbook(BytesIO(xlsx.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    first = next(r for r in rows if r[0] == "How confident do you feel about what co-production is?")
    assert first[2:6] == [5, 3.4, 5.4, 2.0]
    assert client.get(f"/evaluation/manage/courses/{course_id}/report.pdf").status_code == 404


def test_the_theme_report_pairs_people_within_each_course(app, client):
    course_a, admin_id, _ = five_pairs(app, pairs=3, extra_pre_only=0)
    course_b, _, _ = five_pairs(app, pairs=3, extra_pre_only=0)
    with app.test_request_context():
        # Neither course alone has 5 pairs; the theme has 6.
        assert str(evaluation.course_report(db.session.get(Course, course_a)).people) == "fewer than 5"
        report = evaluation.theme_report("cross-cutting", "Cross-cutting")
        assert str(report.people) == "6"
        admin = db.session.get(Member, admin_id).email
    log_in(client, admin)
    page = client.get("/evaluation/manage/themes/cross-cutting")
    assert page.status_code == 200 and 'id="paired-people">6<' in page.get_data(as_text=True)
    assert client.get("/evaluation/manage/themes/no-such-theme").status_code == 404
    assert "6" in client.get("/evaluation/manage/themes/cross-cutting/report.csv").get_data(as_text=True)
    assert course_b


def test_a_trainee_sees_their_own_change(app, client):
    course_id, _, ids = five_pairs(app, pairs=5)
    with app.test_request_context():
        member = db.session.get(Member, ids[1])
        mine = {c.text: (c.before, c.after, c.change) for c in
                evaluation.own_change(member, db.session.get(Course, course_id))}
        assert mine["How confident do you feel about what co-production is?"] == (4, 6, 2)
        email = member.email
    log_in(client, email)
    page = client.get(f"/evaluation/mine/{course_id}").get_data(as_text=True)
    assert "Up 2" in page
    listing = client.get("/evaluation/mine").get_data(as_text=True)
    assert f"/evaluation/mine/{course_id}" in listing


def test_answer_page_is_open_only_in_its_window(app, client):
    with app.test_request_context():
        course_id, _ = evaluated_course(starts_in=timedelta(days=7))
        member, stranger = create_member(), create_member()
        place(course_id, member, attended=False, completed=False)
        member_email, stranger_email = member.email, stranger.email
    log_in(client, stranger_email)
    assert client.get(f"/evaluation/courses/{course_id}/pre").status_code == 403
    assert client.get(f"/evaluation/courses/{course_id}/nonsense").status_code == 404
    assert client.get(f"/evaluation/courses/{course_id + 999}/pre").status_code == 404
    client = app.test_client()
    log_in(client, member_email)
    learning = client.get("/learning").get_data(as_text=True)
    assert f"/evaluation/courses/{course_id}/pre" in learning and "Tell us how you feel before" in learning
    url = f"/evaluation/courses/{course_id}/pre"
    assert client.get(url).status_code == 200
    assert client.get(f"/evaluation/courses/{course_id}/post").status_code == 403
    bad = post_form(client, url, {"q_confidence_coproduction": "11", "action": "submit"})
    assert bad.status_code == 400 and "There is a problem" in bad.get_data(as_text=True)
    data = {f"q_{key}": "4" for key in QUESTIONS} | {"action": "submit"}
    done = post_form(client, url, data)
    assert done.status_code == 200 and "have been sent" in done.get_data(as_text=True)
    assert f"/evaluation/courses/{course_id}/pre" not in client.get("/learning").get_data(as_text=True)


def test_the_job_invites_once_and_the_follow_up_goes_only_to_completers_after_the_delay(app, monkeypatch):
    from copractice.jobs import PERIODIC

    job = PERIODIC["course_evaluation_invitations"][1]
    assert PERIODIC["course_evaluation_invitations"][2] is True  # builds links from BASE_URL
    with app.test_request_context():
        course_id, _ = evaluated_course(starts_in=timedelta(days=2), sessions=1)
        completer, attender, absent = create_member(), create_member(), create_member()
        place(course_id, completer)
        place(course_id, attender, attended=True, completed=False)
        place(course_id, absent, attended=False, completed=False)
        ids = {"completer": completer.id, "attender": attender.id, "absent": absent.id}
        start = utcnow()

    def run_at(moment):
        monkeypatch.setattr("copractice.measurement.evaluation.utcnow", lambda: moment)
        with app.test_request_context():
            sent = job()
            db.session.commit()
            return sent

    def told(stage):
        with app.app_context():
            return {who for who, mid in ids.items() if db.session.scalar(select(func.count(EvaluationInvitation.id))
                    .where(EvaluationInvitation.member_id == mid, EvaluationInvitation.stage == stage))}

    assert run_at(start) == 3 and told("pre") == {"completer", "attender", "absent"}
    assert run_at(start + timedelta(minutes=15)) == 0  # run again: nobody twice
    after = start + timedelta(days=3)
    assert run_at(after) == 2 and told("post") == {"completer", "attender"}
    assert run_at(start + timedelta(days=2 + 89)) == 0 and told("follow_up") == set()  # not yet: 90 days
    later = start + timedelta(days=3 + 90)
    assert run_at(later) == 1 and told("follow_up") == {"completer"}
    assert run_at(later + timedelta(days=1)) == 0
    with app.app_context():
        follow_ups = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.to_address == db.session.get(Member, ids["completer"]).email,
            OutboxMessage.subject.like("%a few months after%"))).all()
        assert len(follow_ups) == 1
        assert f"{app.config['BASE_URL']}/evaluation/courses/{course_id}/follow_up" in follow_ups[0].body
        notices = db.session.scalar(select(func.count(Notice.id)).where(Notice.kind == "course_evaluation"))
        assert notices == 3 + 2 + 1


def test_follow_up_delay_comes_from_config(app, monkeypatch):
    app.config["EVALUATION_FOLLOW_UP_DAYS"] = 120
    with app.test_request_context():
        course_id, _ = evaluated_course(starts_in=timedelta(days=-10), sessions=1)
        member = create_member()
        place(course_id, member)
        assert evaluation.send_invitations(utcnow() + timedelta(days=100)) == 1  # the post survey only
        assert evaluation.send_invitations(utcnow() + timedelta(days=115)) == 1  # the follow-up
        stages = db.session.scalars(select(EvaluationInvitation.stage)).all()
        assert sorted(stages) == ["follow_up", "post"]


def test_report_pages_have_a_query_budget(app, client):
    course_id, admin_id, _ = five_pairs(app, pairs=5)
    with app.test_request_context():
        admin = db.session.get(Member, admin_id).email
    log_in(client, admin)
    url = f"/evaluation/manage/courses/{course_id}"
    status, few = queries_for(app, client, url)
    assert status == 200
    five_pairs(app, pairs=8)  # more data elsewhere and more people on another course
    with app.test_request_context():
        for _ in range(4):
            member = create_member()
            place(course_id, member)
            answer(course_id, member, "pre", {}, now=utcnow())
            answer(course_id, member, "post", {}, now=utcnow() + timedelta(days=20))
    status, many = queries_for(app, client, url)
    assert status == 200 and many == few <= 12
    status, theme = queries_for(app, client, "/evaluation/manage/themes/cross-cutting")
    assert status == 200 and theme <= 12


def test_set_up_page_and_its_permission(app, client):
    with app.test_request_context():
        course = create_course()
        course_id = course.id
        lead = create_member(role="theme_lead", themes=("cross-cutting",))
        other = create_member(role="theme_lead", themes=("dementia",))
        lead, other = lead.email, other.email
    log_in(client, other)
    assert client.get(f"/evaluation/manage/courses/{course_id}").status_code == 403
    client = app.test_client()
    log_in(client, lead)
    page = client.get(f"/evaluation/manage/courses/{course_id}")
    assert page.status_code == 200 and "Set up the evaluation" in page.get_data(as_text=True)
    post_form(client, f"/evaluation/manage/courses/{course_id}/set-up", {},
              page=f"/evaluation/manage/courses/{course_id}")
    with app.app_context():
        assert db.session.scalar(select(func.count(CourseEvaluation.id))
                                 .where(CourseEvaluation.course_id == course_id)) == 3


def test_a_members_invitations_are_exported_and_erased(app):
    from copractice.members import data_rights

    with app.test_request_context():
        course_id, _ = evaluated_course()
        member = create_member()
        place(course_id, member, attended=False, completed=False)
        evaluation.send_invitations()
        db.session.commit()
        exported = evaluation.export_for(member)
        assert len(exported) == 1 and exported[0]["survey"] == "Before the course"
        assert data_rights.EXPORTED_TABLES["evaluation_invitation"] == "course_evaluation_invitations"
        evaluation.erase_for(member)
        db.session.commit()
        assert db.session.scalar(select(func.count(EvaluationInvitation.id))
                                 .where(EvaluationInvitation.member_id == member.id)) == 0


def test_a_courses_evaluation_surveys_are_answered_only_through_their_own_page(app, client):
    with app.test_request_context():
        course_id, _ = evaluated_course()
        pre = evaluation.evaluations(course_id)["pre"]
        stranger = create_member()
        assert pre.id not in {s.id for s in surveys.survey_list(stranger)}
        pre_id, email = pre.id, stranger.email
    log_in(client, email)
    sent = client.get(f"/surveys/{pre_id}")
    assert sent.status_code == 302 and sent.location.endswith(f"/evaluation/courses/{course_id}/pre")
    assert client.get(sent.location).status_code == 403  # not on the course
    assert f"/surveys/{pre_id}\"" not in client.get("/surveys/").get_data(as_text=True)


def test_the_course_management_page_links_to_its_evaluation(app, client):
    with app.test_request_context():
        course = create_course()
        course_id = course.id
        email = create_member(role="theme_lead", themes=("cross-cutting",)).email
    log_in(client, email)
    page = client.get(f"/manage/courses/{course_id}").get_data(as_text=True)
    assert f'href="/evaluation/manage/courses/{course_id}"' in page
    report = client.get(f"/evaluation/manage/courses/{course_id}").get_data(as_text=True)
    assert 'href="/evaluation/manage/themes/cross-cutting"' in report


def test_my_learnings_evaluation_links_are_one_statement_whatever_the_history(app):
    from tests.query_budget import counted_queries

    with app.test_request_context():
        member = create_member()
        counts = []
        for _ in range(3):
            course_id, _ = evaluated_course(starts_in=timedelta(days=5))
            place(course_id, member, attended=False, completed=False)
            db.session.refresh(member)
            with counted_queries(app) as statements:
                found = evaluation.open_for(member)
            counts.append(len(statements))
        assert [i.stage for i in found] == ["pre", "pre", "pre"]
        assert counts == [1, 1, 1]
