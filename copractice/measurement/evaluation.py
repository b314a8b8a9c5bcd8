"""The paired course evaluation (issue 16 point 3), built on the survey engine (copractice/measurement/surveys.py).

A course's evaluation is three surveys made from one template, so every stage asks the same confidence questions
(each tagged with a Kirkpatrick level): "pre", answered from enrolment until the first session starts; "post",
answered after the last session ends by those who attended a session or completed the course; and "follow_up",
``EVALUATION_FOLLOW_UP_DAYS`` (90 unless configured) after the last session, by those who completed it.

Invitations go through the outbox (``notify``: a notice and, unless switched off, an email) from the job
``course_evaluation_invitations``, which runs every 15 minutes and records each (course, member, stage) it told, so
running it twice tells nobody twice.

The paired change counts only people who answered both "pre" and "post" (and, for the follow-up column, all three).
Every mean is shown through ``guarded`` (copractice/measurement/suppression.py): a mean from fewer than the
threshold shows "fewer than 5" in the page, the chart and the exports alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Integer, and_, bindparam, exists, func, select, union

from copractice.attendance.models import ATTENDED, Attendance, Completion
from copractice.courses.models import ENROLLED, Course, Enrolment, Session
from copractice.errors import Refused
from copractice.extensions import db
from copractice.jobs import periodic
from copractice.measurement import surveys
from copractice.measurement.evaluation_models import STAGES, CourseEvaluation, EvaluationInvitation
from copractice.measurement.suppression import guarded, suppress_counts
from copractice.measurement.surveys_models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from copractice.members.models import Member
from copractice.notifications.operations import notify
from copractice.timeutil import utcnow
from copractice.urls import external_url

TEMPLATE_KEY = "course_evaluation"
DEFAULT_FOLLOW_UP_DAYS = 90


def _confidence(key, text, easy_read, level):
    return {"key": key, "kind": "scale", "required": True, "tag": f"kirkpatrick:{level}", "text": text,
            "easy_read": easy_read, "hint": "0 means not at all confident. 10 means very confident."}


COURSE_EVALUATION = {
    "key": TEMPLATE_KEY,
    "title": "Course evaluation",
    "kind": "evaluation",
    "intro": "We ask the same few questions before the course, after it and a few months later, so we can see "
             "what changed for you. It takes about 3 minutes.",
    "anonymous": False,
    "sections": [{"title": "How confident do you feel?", "questions": [
        _confidence("confidence_coproduction", "How confident do you feel about what co-production is?",
                    "How sure are you about what co-production means?", 2),
        _confidence("confidence_speaking", "How confident do you feel about giving your views in a meeting?",
                    "How sure do you feel about speaking up in a meeting?", 2),
        _confidence("confidence_involving", "How confident do you feel about involving others as equals?",
                    "How sure do you feel about working with others as equals?", 3),
        _confidence("confidence_change", "How confident are you that your involvement makes a difference?",
                    "How sure are you that what you do changes things?", 4),
        {"key": "comments", "kind": "long_text", "text": "Is there anything else you would like to tell us?",
         "easy_read": "Anything else?", "tag": "kirkpatrick:1"},
    ]}],
}


# The survey engine's built-in templates gain this one (organisers can also start from it on /surveys/manage).
if all(t.get("key") != TEMPLATE_KEY for t in surveys.BUILT_IN_TEMPLATES):
    surveys.BUILT_IN_TEMPLATES.append(COURSE_EVALUATION)


class EvaluationRefused(Refused):
    """An evaluation step cannot be taken; the message is for the person."""


def template():
    """The template from the survey engine's templates (a plugin may ship its own under the same key) or ours."""
    return surveys.templates().get(TEMPLATE_KEY, COURSE_EVALUATION)


def follow_up_days():
    return int(current_app.config.get("EVALUATION_FOLLOW_UP_DAYS", DEFAULT_FOLLOW_UP_DAYS))


# -- setting up -----------------------------------------------------------------------------------------------------

def evaluations(course_id) -> dict[str, Survey]:
    """{stage: survey} of a course's evaluation (empty when it has none)."""
    rows = db.session.execute(select(CourseEvaluation.stage, Survey)
                              .join(Survey, Survey.id == CourseEvaluation.survey_id)
                              .where(CourseEvaluation.course_id == course_id)).all()
    return dict(rows)


def set_up(actor, course) -> dict[str, Survey]:
    """Give ``course`` its before, after and follow-up surveys, open, made from the course evaluation template.
    A course that has them keeps them."""
    found = evaluations(course.id)
    if found:
        raise EvaluationRefused("This course already has its evaluation surveys.")
    for stage, label in STAGES.items():
        survey = surveys.create_from_template(actor, TEMPLATE_KEY, course.theme_slug)
        survey.title = f"{course.title}: {label.lower()}"[:200]
        survey.status = "open"
        db.session.add(CourseEvaluation(course_id=course.id, stage=stage, survey_id=survey.id))
        found[stage] = survey
    db.session.flush()
    return found


# -- who may answer which stage, and when ---------------------------------------------------------------------------

@dataclass
class Window:
    first_start: object
    last_end: object


def window(course_id) -> Window:
    first, last = db.session.execute(select(func.min(Session.starts_at), func.max(Session.ends_at))
                                     .where(Session.course_id == course_id)).one()
    return Window(first, last)


def _enrolled(course_id, member_id):
    return db.session.scalar(select(exists().where(Enrolment.course_id == course_id, Enrolment.member_id == member_id,
                                                   Enrolment.status == ENROLLED)))


def _attended_or_completed(course_id, member_id):
    completed = exists().where(Completion.course_id == course_id, Completion.member_id == member_id)
    attended = exists().where(Attendance.member_id == member_id, Attendance.status.in_(ATTENDED),
                              Attendance.session_id.in_(select(Session.id).where(Session.course_id == course_id)))
    return db.session.scalar(select(completed | attended))


def _completed(course_id, member_id):
    return db.session.scalar(select(exists().where(Completion.course_id == course_id,
                                                   Completion.member_id == member_id)))


def check_may_answer(member, course, stage, now=None):
    """Raise EvaluationRefused (with the reason, in plain English) unless ``member`` may answer ``stage`` now."""
    now = now or utcnow()
    times = window(course.id)
    if times.first_start is None:
        raise EvaluationRefused("This course has no sessions yet, so there is nothing to tell us about.")
    if stage == "pre":
        if not _enrolled(course.id, member.id):
            raise EvaluationRefused("This survey is for people with a place on the course.")
        if now >= times.first_start:
            raise EvaluationRefused("The course has started, so the survey for before the course has closed.")
    elif stage == "post":
        if now < times.last_end:
            raise EvaluationRefused("This survey opens when the last session has ended.")
        if not _attended_or_completed(course.id, member.id):
            raise EvaluationRefused("This survey is for people who came to the course.")
    elif stage == "follow_up":
        if now < times.last_end + timedelta(days=follow_up_days()):
            raise EvaluationRefused("This survey opens a few months after the course.")
        if not _completed(course.id, member.id):
            raise EvaluationRefused("This survey is for people who completed the course.")
    else:
        raise EvaluationRefused("There is no such survey.")


def refusal(member, course, stage, now=None):
    """Why ``member`` may not answer ``stage`` now, or None when they may."""
    try:
        check_may_answer(member, course, stage, now)
    except EvaluationRefused as refused:
        return str(refused)
    return None


@dataclass
class Invitation:
    course_id: int
    course_title: str
    stage: str

    @property
    def label(self):
        if self.stage == "pre":
            return f"Tell us how you feel before {self.course_title}"
        if self.stage == "post":
            return f"Tell us how you feel after {self.course_title}"
        return f"Tell us how you feel now, a few months after {self.course_title}"


@cache
def _open_statement():
    """My learning's evaluation links in one statement (``member`` bound), starting from the member's own places,
    completions and marks (their indexes). Built once: every My learning page asks it, and building it was a
    millisecond of the page."""
    me = bindparam("member", type_=Integer)
    mine = union(
        select(Enrolment.course_id).where(Enrolment.member_id == me, Enrolment.status == ENROLLED),
        select(Completion.course_id).where(Completion.member_id == me),
        select(Session.course_id).join(Attendance, Attendance.session_id == Session.id)
        .where(Attendance.member_id == me, Attendance.status.in_(ATTENDED))).subquery()
    first = select(func.min(Session.starts_at)).where(Session.course_id == Course.id).scalar_subquery()
    last = select(func.max(Session.ends_at)).where(Session.course_id == Course.id).scalar_subquery()
    enrolled = exists().where(Enrolment.course_id == Course.id, Enrolment.member_id == me,
                              Enrolment.status == ENROLLED)
    completed = exists().where(Completion.course_id == Course.id, Completion.member_id == me)

    def sent(stage):
        return exists().where(CourseEvaluation.course_id == Course.id, CourseEvaluation.stage == stage,
                              SurveyResponse.survey_id == CourseEvaluation.survey_id,
                              SurveyResponse.member_id == me, SurveyResponse.status == "submitted")

    return (select(Course.id, Course.title, first, last, enrolled, completed, *(sent(stage) for stage in STAGES))
            .where(Course.id.in_(select(mine.c.course_id)), exists().where(CourseEvaluation.course_id == Course.id))
            .order_by(Course.id))


def open_for(member, now=None) -> list[Invitation]:
    """The evaluation surveys ``member`` may answer now and has not sent (for My learning): one statement whatever
    the member's history."""
    now = now or utcnow()
    delay = timedelta(days=follow_up_days())
    rows = db.session.execute(_open_statement(), {"member": member.id}).all()
    found = []
    for course_id, title, first_start, last_end, is_enrolled, is_completed, *done in rows:
        if first_start is None:
            continue
        if is_enrolled and now < first_start:
            stage = "pre"
        elif now >= last_end + delay and is_completed:
            stage = "follow_up"
        elif now >= last_end:
            stage = "post"
        else:
            continue
        if not dict(zip(STAGES, done, strict=True))[stage]:
            found.append(Invitation(course_id, title, stage))
    return found


def answer_key(survey, member):
    return surveys.respondent_key(survey, member)


# -- invitations (the job) ------------------------------------------------------------------------------------------

def _eligible(course_id, stage, times, now):
    """Member ids to invite to ``stage`` now (before the invitations already sent are left out)."""
    if times.first_start is None:
        return []
    if stage == "pre":
        if now >= times.first_start:
            return []
        query = select(Enrolment.member_id).where(Enrolment.course_id == course_id, Enrolment.status == ENROLLED)
    elif stage == "post":
        if now < times.last_end or now >= times.last_end + timedelta(days=follow_up_days()):
            return []
        attended = select(Attendance.member_id).join(Session, Session.id == Attendance.session_id).where(
            Session.course_id == course_id, Attendance.status.in_(ATTENDED))
        completed = select(Completion.member_id).where(Completion.course_id == course_id)
        query = attended.union(completed)
    else:
        if now < times.last_end + timedelta(days=follow_up_days()):
            return []
        query = select(Completion.member_id).where(Completion.course_id == course_id)
    return set(db.session.scalars(query).all())


def send_invitations(now=None) -> int:
    """Tell each member about each evaluation survey open to them, once (recorded in evaluation_invitation):
    returns how many were told. Safe to run again at any time."""
    now = now or utcnow()
    sent = 0
    courses = db.session.execute(
        select(CourseEvaluation.course_id, CourseEvaluation.stage, Course.title)
        .join(Course, Course.id == CourseEvaluation.course_id).order_by(CourseEvaluation.course_id)).all()
    for course_id, stage, title in courses:
        times = window(course_id)
        wanted = _eligible(course_id, stage, times, now)
        if not wanted:
            continue
        told = set(db.session.scalars(select(EvaluationInvitation.member_id).where(
            EvaluationInvitation.course_id == course_id, EvaluationInvitation.stage == stage)).all())
        members = db.session.scalars(select(Member).where(Member.id.in_(sorted(wanted - told)),
                                                          Member.erased_at.is_(None))).all()
        if not members:
            continue
        link = external_url("evaluation.answer", course_id=course_id, stage=stage)
        invitation = Invitation(course_id, title, stage)
        for member in members:
            db.session.add(EvaluationInvitation(course_id=course_id, member_id=member.id, stage=stage, sent_at=now))
        notify(members, "course_evaluation", "course_evaluation", link=link, course_title=title,
               heading=invitation.label, stage=stage)
        sent += len(members)
    db.session.flush()
    return sent


@periodic("course_evaluation_invitations", request=True, minute="*/15")
def _invitations_job():
    """Every 15 minutes: the before, after and follow-up survey invitations that are due."""
    return send_invitations()


# -- the paired change ----------------------------------------------------------------------------------------------

def _number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


def _stage_answers(course_ids):
    """{(course id, member id): {stage: {question key: number}}} of submitted named evaluation answers; one
    statement."""
    found = {}
    if not course_ids:
        return found
    rows = db.session.execute(
        select(CourseEvaluation.course_id, CourseEvaluation.stage, SurveyResponse.member_id, SurveyQuestion.key,
               SurveyAnswer.value)
        .join(SurveyResponse, and_(SurveyResponse.survey_id == CourseEvaluation.survey_id,
                                   SurveyResponse.status == "submitted", SurveyResponse.member_id.is_not(None)))
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(CourseEvaluation.course_id.in_(course_ids), SurveyQuestion.kind.in_(("scale", "agreement", "number"))))
    for course_id, stage, member_id, key, value in rows:
        number = _number(value)
        if number is not None:
            found.setdefault((course_id, member_id), {}).setdefault(stage, {})[key] = number
    return found


@dataclass
class QuestionChange:
    key: str
    text: str
    tag_label: str
    pairs: object  # suppressed count of people who answered before and after
    before: object  # guarded means
    after: object
    change: object
    follow_up_people: object
    follow_up: object  # guarded mean of the follow-up answer
    follow_up_change: object  # guarded mean change from before to the follow-up


@dataclass
class PairedReport:
    title: str
    people: object  # suppressed count of people with a before and an after
    questions: list


def _questions():
    """[(key, text, tag label)] of the template's number questions, in order."""
    from copractice.measurement.surveys_models import TAGS

    found = []
    for section in template().get("sections", ()):
        for q in section.get("questions", ()):
            if q["kind"] in ("scale", "agreement", "number"):
                found.append((q["key"], q["text"], TAGS.get(q.get("tag") or "", "")))
    return found


def _mean(values):
    return round(sum(values) / len(values), 1) if values else None


def paired_report(title, course_ids) -> PairedReport:
    """The paired change over ``course_ids``: per question, the mean before, after and the mean change, only from
    people who answered both; the follow-up from those who answered all three. Every number is a suppressed Cell."""
    answers = _stage_answers(course_ids)
    people = sum(1 for stages in answers.values() if "pre" in stages and "post" in stages)
    questions = []
    for key, text, tag in _questions():
        pairs = [(s["pre"][key], s["post"][key]) for s in answers.values()
                 if key in s.get("pre", {}) and key in s.get("post", {})]
        triples = [(s["pre"][key], s["follow_up"][key]) for s in answers.values()
                   if key in s.get("pre", {}) and key in s.get("post", {}) and key in s.get("follow_up", {})]
        n, t = len(pairs), len(triples)
        questions.append(QuestionChange(
            key=key, text=text, tag_label=tag, pairs=suppress_counts({"n": n}).cells["n"],
            before=guarded(_mean([a for a, _ in pairs]), n), after=guarded(_mean([b for _, b in pairs]), n),
            change=guarded(_mean([b - a for a, b in pairs]), n),
            follow_up_people=suppress_counts({"n": t}).cells["n"],
            follow_up=guarded(_mean([b for _, b in triples]), t),
            follow_up_change=guarded(_mean([b - a for a, b in triples]), t)))
    return PairedReport(title=title, people=suppress_counts({"n": people}).cells["n"], questions=questions)


def course_report(course) -> PairedReport:
    return paired_report(course.title, [course.id])


def theme_course_ids(theme_slug):
    return db.session.scalars(select(CourseEvaluation.course_id).join(Course, Course.id == CourseEvaluation.course_id)
                              .where(Course.theme_slug == theme_slug).distinct()).all()


def theme_report(theme_slug, theme_name) -> PairedReport:
    """The paired change over every evaluated course of a theme (each person paired within their course)."""
    return paired_report(theme_name, theme_course_ids(theme_slug))


def report_export(report: PairedReport):
    """(headers, rows) for CSV or XLSX: the same cells the page shows."""
    headers = ["Question", "Kirkpatrick level", "People who answered before and after", "Mean before",
               "Mean after", "Mean change", "People who also answered the follow-up", "Mean at follow-up",
               "Mean change by follow-up"]
    rows = [[q.text, q.tag_label, q.pairs.export(), q.before.export(), q.after.export(), q.change.export(),
             q.follow_up_people.export(), q.follow_up.export(), q.follow_up_change.export()]
            for q in report.questions]
    return headers, rows


# -- a trainee's own change -----------------------------------------------------------------------------------------

@dataclass
class OwnChange:
    text: str
    before: float | None
    after: float | None
    follow_up: float | None

    @property
    def change(self):
        return None if self.before is None or self.after is None else round(self.after - self.before, 1)


def own_change(member, course) -> list[OwnChange]:
    """A member's own answers before, after and at follow-up, question by question (only their own, so nothing is
    suppressed)."""
    answers = {}
    for (course_id, member_id), stages in _stage_answers([course.id]).items():
        if member_id == member.id and course_id == course.id:
            answers = stages
    return [OwnChange(text, answers.get("pre", {}).get(key), answers.get("post", {}).get(key),
                      answers.get("follow_up", {}).get(key)) for key, text, _tag in _questions()]


def evaluated_courses(member):
    """Courses with an evaluation the member has sent at least one stage of, for their own-change page."""
    return db.session.execute(
        select(Course.id, Course.title).join(CourseEvaluation, CourseEvaluation.course_id == Course.id)
        .join(SurveyResponse, SurveyResponse.survey_id == CourseEvaluation.survey_id)
        .where(SurveyResponse.member_id == member.id, SurveyResponse.status == "submitted")
        .distinct().order_by(Course.id)).all()


# -- a member's data (copractice/members/data_rights.py) -----------------------------------------------------------

def export_for(member):
    """The evaluation invitations a member was sent (their answers are exported with their survey responses)."""
    rows = db.session.execute(select(Course.title, EvaluationInvitation.stage, EvaluationInvitation.sent_at)
                              .join(Course, Course.id == EvaluationInvitation.course_id)
                              .where(EvaluationInvitation.member_id == member.id)
                              .order_by(EvaluationInvitation.id)).all()
    return [{"course": title, "survey": STAGES.get(stage, stage), "sent_at": sent.isoformat()}
            for title, stage, sent in rows]


def erase_for(member):
    from sqlalchemy import delete

    db.session.execute(delete(EvaluationInvitation).where(EvaluationInvitation.member_id == member.id))
