"""The survey engine's rules (issue 16 points 1, 2 and the survey-template hook of point 9).

Surveys are built from a page or from a template (a dict, below; plugins ship more through
``copractice_survey_templates``). Anyone answers once: a member of the site (named, or anonymous, when the response
keeps no member id), or a person without an account through an invitation link (a signed token, one response per
link). A draft is saved and resumed; submitting checks required questions. A question with ``show_if`` is asked only
when the earlier question's answer is one of its values: the rule is applied here, on the server, so the page works
without JavaScript (a hidden question is neither required nor kept).

Needs not met (point 2): each option of a needs question may name a ``need`` keyword. A need is met when a published
course with a session still to come has the keyword in its title, summary or theme slug (case is ignored); the
others are listed as needs not met.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from copractice.errors import Refused
from copractice.extensions import db
from copractice.measurement.suppression import guarded, suppress_table
from copractice.measurement.surveys_models import (
    QUESTION_KINDS,
    SURVEY_STATUSES,
    TAGS,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveySection,
)
from copractice.members.models import AREAS, STAKEHOLDER_TYPES
from copractice.plugins import get_plugins
from copractice.security import make_token, read_token
from copractice.timeutil import utcnow

INVITATION_DAYS = 180
PROFILE_KEYS = ("area", "stakeholder_type")  # asked only of people without an account


class SurveyRefused(Refused):
    """A survey step cannot be taken; the message is for the person."""


# -- templates ------------------------------------------------------------------------------------------------------

def _options(pairs):
    return [{"value": value, "label": label} for value, label in pairs.items()]


def _need(value, label, need):
    return {"value": value, "label": label, "need": need}


TRAINING_NEEDS = {
    "key": "training_needs",
    "title": "Co-production training needs",
    "kind": "training_needs",
    "intro": "This survey asks what co-production training you would like. It takes about 5 minutes. "
             "You can save your answers and come back later.",
    "anonymous": False,
    "sections": [
        {"title": "About you", "intro": "Only people without an account are asked this.", "questions": [
            {"key": "area", "kind": "single", "text": "Where do you live or work?",
             "easy_read": "Where are you?", "options": _options(AREAS)},
            {"key": "stakeholder_type", "kind": "single", "text": "How are you involved?",
             "easy_read": "Who are you?", "options": _options(STAKEHOLDER_TYPES)},
        ]},
        {"title": "Your training needs", "questions": [
            {"key": "theme", "kind": "single", "required": True,
             "text": "Which area of health or care are you most involved in?",
             "easy_read": "Which topic matters most to you?", "options": "themes"},
            {"key": "needs", "kind": "multiple", "required": True, "tag": "standard:support_and_learning",
             "text": "Which topics would you like training in?",
             "easy_read": "What do you want to learn about?",
             "options": [
                 _need("what_is_coproduction", "What co-production is", "introduction"),
                 _need("sharing_power", "Sharing power in a project", "power"),
                 _need("involving_people", "Involving people who are seldom heard", "seldom heard"),
                 _need("chairing", "Chairing and running meetings", "chairing"),
                 _need("evaluation", "Measuring the impact of involvement", "impact"),
                 _need("research_methods", "Research methods for public contributors", "research methods"),
                 _need("other", "Something else", ""),
             ]},
            {"key": "needs_other", "kind": "short_text", "text": "What else would you like training in?",
             "easy_read": "Tell us what else you want to learn.",
             "show_if": {"question": "needs", "values": ["other"]}},
            {"key": "confidence", "kind": "scale", "tag": "kirkpatrick:2",
             "text": "How confident do you feel about co-production now? (0 is not at all, 10 is very)",
             "easy_read": "How sure do you feel? 0 is not sure. 10 is very sure."},
            {"key": "format", "kind": "single", "text": "How would you like to learn?",
             "easy_read": "How do you like to learn?",
             "options": _options({"in_person": "In person", "online": "Online", "either": "Either"})},
            {"key": "agree_support", "kind": "agreement", "tag": "principle:reciprocity",
             "text": "I get the support I need to take part in co-production.",
             "easy_read": "I get the help I need to take part."},
            {"key": "comments", "kind": "long_text", "text": "Is there anything else you would like to tell us?",
             "easy_read": "Anything else?"},
        ]},
    ],
}

BUILT_IN_TEMPLATES = [TRAINING_NEEDS]


def templates() -> dict[str, dict]:
    """{key: template} of the core's templates and enabled plugins' (``copractice_survey_templates``); a key
    already taken keeps the first."""
    found = {t["key"]: t for t in BUILT_IN_TEMPLATES}
    for template in get_plugins().collect("copractice_survey_templates"):
        if isinstance(template, dict) and template.get("key") and template["key"] not in found:
            found[template["key"]] = template
    return found


def _theme_options():
    return [{"value": slug, "label": theme.name} for slug, theme in get_plugins().themes().items()]


def create_from_template(actor, key, theme_slug=None) -> Survey:
    """A new draft survey made from template ``key``."""
    template = templates().get(key)
    if template is None:
        raise SurveyRefused("That survey template is not available.")
    survey = Survey(title=template["title"][:200], intro=template.get("intro", ""),
                    kind=template.get("kind", "custom")[:32], template_key=key[:80], theme_slug=theme_slug or None,
                    anonymous=bool(template.get("anonymous")), status="draft",
                    created_by_id=getattr(actor, "id", None))
    db.session.add(survey)
    for s_index, section_data in enumerate(template.get("sections", ())):
        section = SurveySection(position=s_index, title=section_data.get("title", "Questions")[:200],
                                intro=section_data.get("intro", ""))
        survey.sections.append(section)
        for q in section_data.get("questions", ()):
            options = q.get("options")
            if options == "themes":
                options = _theme_options()
            survey.questions.append(SurveyQuestion(
                section=section, position=len(survey.questions), key=q["key"][:64], kind=q["kind"],
                text=q["text"][:500], easy_read=q.get("easy_read", "")[:500], hint=q.get("hint", "")[:500],
                required=bool(q.get("required")), options=options, show_if=q.get("show_if"), tag=q.get("tag")))
    db.session.flush()
    return survey



# -- building ------------------------------------------------------------------------------------------------------

def new_survey(actor, *, title, kind="custom", theme_slug=None, anonymous=False, intro="") -> Survey:
    survey = Survey(title=title.strip()[:200], kind=(kind or "custom")[:32], theme_slug=theme_slug or None,
                    anonymous=bool(anonymous), intro=intro or "", status="draft",
                    created_by_id=getattr(actor, "id", None))
    db.session.add(survey)
    db.session.flush()
    return survey


def add_section(survey, title, intro="") -> SurveySection:
    if survey.status != "draft":
        raise SurveyRefused("Sections can be added only while the survey is a draft.")
    survey.sections.append(SurveySection(title=title.strip()[:200], intro=intro or "", position=len(survey.sections)))
    db.session.flush()
    section = survey.sections[-1]
    return section


@dataclass
class QuestionInput:
    section_id: int
    kind: str
    text: str
    easy_read: str = ""
    hint: str = ""
    required: bool = False
    options: list[str] = field(default_factory=list)  # one label a line; "label | need keyword"
    tag: str = ""
    show_if_key: str = ""
    show_if_values: list[str] = field(default_factory=list)


def _slug(text, taken):
    base = "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")[:40] or "q"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def add_question(survey, data: QuestionInput) -> SurveyQuestion:
    if survey.status != "draft":
        raise SurveyRefused("Questions can be added only while the survey is a draft.")
    if data.kind not in QUESTION_KINDS:
        raise SurveyRefused("Choose what kind of question it is.")
    section = next((s for s in survey.sections if s.id == data.section_id), None)
    if section is None:
        raise SurveyRefused("Choose a section of this survey.")
    if data.tag and data.tag not in TAGS:
        raise SurveyRefused("Choose a tag from the list.")
    taken = {q.key for q in survey.questions}
    options = None
    if data.kind in ("single", "multiple"):
        lines = [line.strip() for line in data.options if line.strip()]
        if len(lines) < 2:
            raise SurveyRefused("Give at least two answers to choose from, one a line.")
        options, values = [], set()
        for line in lines:
            label, _, need = line.partition("|")
            value = _slug(label, values)
            values.add(value)
            option = {"value": value, "label": label.strip()[:200]}
            if need.strip():
                option["need"] = need.strip()[:80]
            options.append(option)
    show_if = None
    if data.show_if_key:
        earlier = next((q for q in survey.questions if q.key == data.show_if_key), None)
        if earlier is None or earlier.kind not in ("single", "multiple", "agreement"):
            raise SurveyRefused("A question can depend only on an earlier choice question.")
        wanted = [v for v in data.show_if_values if v in dict(earlier.choices)]
        if not wanted:
            raise SurveyRefused("Choose which answers to the earlier question show this one.")
        show_if = {"question": earlier.key, "values": wanted}
    question = SurveyQuestion(section=section, key=_slug(data.text, taken), kind=data.kind,
                              text=data.text.strip()[:500], easy_read=(data.easy_read or "").strip()[:500],
                              hint=(data.hint or "").strip()[:500], required=bool(data.required), options=options,
                              show_if=show_if, tag=data.tag or None, position=len(survey.questions))
    survey.questions.append(question)
    db.session.flush()
    return question


def remove_question(survey, question_id):
    if survey.status != "draft":
        raise SurveyRefused("Questions can be removed only while the survey is a draft.")
    question = next((q for q in survey.questions if q.id == question_id), None)
    if question is None:
        raise SurveyRefused("That question is not in this survey.")
    if any((q.show_if or {}).get("question") == question.key for q in survey.questions):
        raise SurveyRefused("Another question depends on this one: remove that one first.")
    survey.questions.remove(question)
    db.session.flush()


def set_status(survey, status):
    if status not in SURVEY_STATUSES:
        raise SurveyRefused("Choose draft, open or closed.")
    if status == "open" and not survey.questions:
        raise SurveyRefused("Add a question before opening the survey.")
    survey.status = status
    db.session.flush()


# -- invitation links -----------------------------------------------------------------------------------------------

def invitation_token(survey) -> str:
    """A new invitation link's token: signed, one response per token."""
    return make_token("survey-invitation", {"s": survey.id, "n": secrets.token_urlsafe(12)})


def read_invitation(token):
    """(survey id, nonce) of a valid token, or None."""
    payload = read_token("survey-invitation", token or "", max_age=INVITATION_DAYS * 86400)
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int) or not isinstance(payload.get("n"), str):
        return None
    return payload["s"], payload["n"]


# -- answering ------------------------------------------------------------------------------------------------------

def respondent_key(survey, member=None, nonce=None) -> str:
    if nonce is not None:
        return f"t:{nonce}"[:80]
    if survey.anonymous:
        secret = current_app.config["SECRET_KEY"].encode()
        return "a:" + hmac.new(secret, f"survey:{survey.id}:{member.id}".encode(), hashlib.sha256).hexdigest()[:64]
    return f"m:{member.id}"


def find_response(survey, key):
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id,
                                                          SurveyResponse.respondent_key == key))


def asked(survey, member=None):
    """The questions put to this respondent: the profile questions only to people without an account."""
    return [q for q in survey.questions if not (member is not None and q.key in PROFILE_KEYS)]


def shown(question, answers):
    """Whether ``question`` applies given ``answers`` {key: value} (its show-if condition)."""
    rule = question.show_if
    if not rule:
        return True
    given = answers.get(rule.get("question"))
    given = given if isinstance(given, list) else [given]
    return any(value in given for value in rule.get("values", ()))


def applying(questions, answers):
    """``answers`` without the answers to questions that are not asked: in order, so a question hidden because an
    earlier one is hidden (its answer smuggled into the form) is dropped too."""
    kept = {}
    for q in questions:
        if q.key in answers and shown(q, kept):
            kept[q.key] = answers[q.key]
    return kept


def read_answers(questions, form):
    """{key: value} from a submitted form (``form`` like request.form: ``get`` and ``getlist``), and {key: error}
    for answers that are not valid. Empty answers are left out."""
    answers, errors = {}, {}
    for q in questions:
        name = f"q_{q.key}"
        if q.kind == "multiple":
            picked = list(dict.fromkeys(v for v in form.getlist(name) if v in dict(q.choices)))  # each once
            if any(v not in dict(q.choices) for v in form.getlist(name)):
                errors[q.key] = "Choose from the answers given."
            if picked:
                answers[q.key] = picked
            continue
        raw = (form.get(name) or "").strip()
        if not raw:
            continue
        if q.kind in ("single", "agreement", "scale"):
            if raw not in dict(q.choices):
                errors[q.key] = "Choose one of the answers given."
            else:
                answers[q.key] = raw
        elif q.kind == "number":
            try:
                number = float(raw)
            except ValueError:
                errors[q.key] = "Enter a number, like 3 or 12."
                continue
            if not -1e9 < number < 1e9 or number != number:
                errors[q.key] = "Enter a number, like 3 or 12."
                continue
            answers[q.key] = int(number) if number.is_integer() else number
        elif q.kind == "short_text":
            if len(raw) > 500:
                errors[q.key] = "Use 500 characters or fewer."
            else:
                answers[q.key] = raw
        else:
            if len(raw) > 5000:
                errors[q.key] = "Use 5000 characters or fewer."
            else:
                answers[q.key] = raw
    return answers, errors


def check_required(questions, answers):
    """{key: error} for required questions that apply and are not answered."""
    answers = applying(questions, answers)
    return {q.key: "Answer this question." if q.kind not in ("single", "multiple", "agreement", "scale")
            else "Choose an answer." for q in questions
            if q.required and shown(q, answers) and q.key not in answers}


def _response_row(survey, key, member):
    """The respondent's response row, made at most once even when two requests come at the same moment: an insert
    that does nothing when the (survey, respondent) row exists, then the row."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {"survey_id": survey.id, "respondent_key": key, "status": "draft", "by_proxy": False,
              "started_at": utcnow(),
              "member_id": member.id if member is not None and not survey.anonymous else None}
    db.session.execute(insert(SurveyResponse).values(**values)
                       .on_conflict_do_nothing(index_elements=["survey_id", "respondent_key"]))
    query = select(SurveyResponse).where(SurveyResponse.survey_id == survey.id,
                                         SurveyResponse.respondent_key == key).execution_options(populate_existing=True)
    if dialect == "postgresql":
        query = query.with_for_update()
    return db.session.scalar(query)


def save_response(survey, *, key, member, answers, by_proxy=False, submit=False) -> SurveyResponse:
    """Keep ``answers`` {key: value} (already read by ``read_answers``) as the respondent's draft, or submit them.
    Answers to questions that do not apply are not kept. Refuses a second submit and a survey that is not open."""
    if survey.status != "open":
        raise SurveyRefused("This survey is not open for answers.")
    questions = asked(survey, member)
    answers = applying(questions, answers)
    keep = {q.id: answers[q.key] for q in questions if q.key in answers}
    if submit:
        missing = check_required(questions, answers)
        if missing:
            raise SurveyRefused("Some required questions are not answered.")
    response = _response_row(survey, key, member)
    if response.status == "submitted":
        raise SurveyRefused("You have already sent your answers to this survey. Thank you.")
    db.session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
    for question_id, value in keep.items():
        db.session.add(SurveyAnswer(response_id=response.id, question_id=question_id, value=value))
    response.by_proxy = bool(by_proxy)
    if member is not None:
        response.area, response.stakeholder_type = member.area, member.stakeholder_type
    else:
        area, kind = answers.get("area"), answers.get("stakeholder_type")
        response.area = area if area in AREAS else None
        response.stakeholder_type = kind if kind in STAKEHOLDER_TYPES else None
    if submit:
        response.status, response.submitted_at = "submitted", utcnow()
    db.session.flush()
    db.session.expire(response, ["answers"])
    return response


def draft_answers(survey, response):
    if response is None:
        return {}
    by_id = {q.id: q.key for q in survey.questions}
    return {by_id[a.question_id]: a.value for a in response.answers if a.question_id in by_id}


# -- results (point 2) ----------------------------------------------------------------------------------------------

@dataclass
class Filters:
    area: str = ""
    stakeholder_type: str = ""
    theme: str = ""


def needs_question(survey):
    """The survey's needs question: the one keyed "needs", else the first pick-any question."""
    return next((q for q in survey.questions if q.key == "needs"),
                next((q for q in survey.questions if q.kind == "multiple"), None))


def theme_question(survey):
    return next((q for q in survey.questions if q.key == "theme"), None)


def _submitted_rows(survey, filters):
    """(response id, area, stakeholder type, theme answer, needs answer) of each submitted response."""
    needs, theme = needs_question(survey), theme_question(survey)
    ids = [q.id for q in (needs, theme) if q is not None]
    responses = db.session.execute(
        select(SurveyResponse.id, SurveyResponse.area, SurveyResponse.stakeholder_type)
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.status == "submitted")).all()
    answers = {}
    if ids:
        for response_id, question_id, value in db.session.execute(
                select(SurveyAnswer.response_id, SurveyAnswer.question_id, SurveyAnswer.value)
                .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
                .where(SurveyResponse.survey_id == survey.id, SurveyResponse.status == "submitted",
                       SurveyAnswer.question_id.in_(ids))):
            answers[(response_id, question_id)] = value
    rows = []
    for response_id, area, kind in responses:
        theme_value = answers.get((response_id, theme.id)) if theme is not None else None
        theme_value = theme_value or survey.theme_slug or ""
        picked = answers.get((response_id, needs.id)) if needs is not None else None
        picked = picked if isinstance(picked, list) else []
        if filters.area and area != filters.area:
            continue
        if filters.stakeholder_type and kind != filters.stakeholder_type:
            continue
        if filters.theme and theme_value != filters.theme:
            continue
        rows.append((response_id, area or "", kind or "", theme_value, picked))
    return rows


@dataclass
class NeedsResults:
    needs: list  # [(value, label)]
    respondents: int
    by_area: object
    by_stakeholder: object
    by_theme: object


def needs_results(survey, filters=None) -> NeedsResults:
    """How many people asked for each need, by area, by stakeholder type and by theme: suppressed tables
    (copractice/measurement/suppression.py), the same cells on the page and in the exports."""
    filters = filters or Filters()
    question = needs_question(survey)
    needs = question.choices if question is not None else []
    labels = dict(needs)
    rows = _submitted_rows(survey, filters)
    themes = {slug: t.name for slug, t in get_plugins().themes().items()}

    def table(dimension, names):
        counts = Counter()
        for row in rows:
            for value in row[4]:
                if value in labels:
                    counts[(labels[value], names.get(row[dimension], row[dimension] or "Not known"))] += 1
        used = {name for (_need, name) in counts}
        columns = [name for name in names.values() if name in used] + sorted(
            used - set(names.values()))
        return suppress_table([label for _value, label in needs], columns or ["Not known"], counts)

    return NeedsResults(needs=needs, respondents=len(rows), by_area=table(1, AREAS),
                        by_stakeholder=table(2, STAKEHOLDER_TYPES), by_theme=table(3, themes))


def results_export(survey, filters=None):
    """(headers, rows) for CSV or XLSX: the three tables one after another, each with its heading row."""
    results = needs_results(survey, filters)
    rows = []
    for heading, table in (("By area", results.by_area), ("By stakeholder type", results.by_stakeholder),
                           ("By theme", results.by_theme)):
        rows.append([heading])
        rows.extend(table.export_rows("Training need"))
        rows.append([])
    return [survey.title], rows


@dataclass
class UnmetNeed:
    value: str
    label: str
    keyword: str
    asked_by: object  # a suppressed Cell


def needs_not_met(survey) -> list[UnmetNeed]:
    """The survey's needs with no published course with a session to come: matched by the option's ``need``
    keyword against each such course's title, summary and theme slug."""
    from copractice.courses.models import Course, Session  # courses sit beside measurement: import late
    question = needs_question(survey)
    if question is None:
        return []
    now = utcnow()
    upcoming = db.session.execute(
        select(Course.title, Course.summary, Course.theme_slug).where(
            Course.status == "published",
            select(Session.id).where(Session.course_id == Course.id, Session.starts_at > now).exists())).all()
    text = [" ".join(part or "" for part in course).lower() for course in upcoming]
    counts = Counter()
    for row in _submitted_rows(survey, Filters()):
        counts.update(row[4])
    # Each need's count stands alone (no total is shown beside them), so each is hidden only when it is small.
    unmet = []
    for option in question.options or ():
        keyword = (option.get("need") or "").strip().lower()
        if not keyword:
            continue
        if not any(keyword in course for course in text):
            unmet.append(UnmetNeed(option["value"], option["label"], keyword,
                                   guarded(counts[option["value"]], counts[option["value"]])))
    return unmet


def needs_surveys():
    """The training-needs surveys, newest first (the catalogue's admin side links to their needs not met)."""
    return db.session.scalars(select(Survey).where(Survey.kind == "training_needs", Survey.status != "draft")
                              .order_by(Survey.created_at.desc(), Survey.id.desc())).all()


def survey_list(member):
    """Surveys open to this member (open ones), newest first; a course's evaluation surveys are left out (they are
    answered from My learning, copractice/measurement/evaluation.py)."""
    from copractice.measurement.evaluation_models import CourseEvaluation

    return db.session.scalars(select(Survey).where(Survey.status == "open",
                                                   ~select(CourseEvaluation.id)
                                                   .where(CourseEvaluation.survey_id == Survey.id).exists())
                              .order_by(Survey.created_at.desc(), Survey.id.desc())).all()


def course_stage(survey):
    """(course id, stage) when ``survey`` is one of a course's evaluation surveys, else None."""
    from copractice.measurement.evaluation_models import CourseEvaluation

    row = db.session.execute(select(CourseEvaluation.course_id, CourseEvaluation.stage)
                             .where(CourseEvaluation.survey_id == survey.id)).first()
    return tuple(row) if row else None


def managed_surveys(member):
    """The surveys a member may manage: admins all, theme leads their themes' and the ones they made."""
    query = select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc())
    if member.role != "admin":
        query = query.where(or_(Survey.theme_slug.in_(sorted(member.led_themes)), Survey.created_by_id == member.id))
    return db.session.scalars(query).all()


def response_counts(survey_ids):
    if not survey_ids:
        return {}
    return dict(db.session.execute(select(SurveyResponse.survey_id, func.count(SurveyResponse.id))
                                   .where(SurveyResponse.survey_id.in_(survey_ids),
                                          SurveyResponse.status == "submitted")
                                   .group_by(SurveyResponse.survey_id)).all())


# -- a member's data (copractice/members/data_rights.py) -----------------------------------------------------------

def export_for(member):
    """A member's named responses and answers (anonymous ones keep no member id, so cannot be found)."""
    out = []
    for response in db.session.scalars(select(SurveyResponse).where(SurveyResponse.member_id == member.id)
                                       .order_by(SurveyResponse.id)):
        survey = db.session.get(Survey, response.survey_id)
        keys = {q.id: q.text for q in survey.questions}
        out.append({"survey": survey.title, "status": response.status, "answered_by_a_carer": response.by_proxy,
                    "submitted_at": response.submitted_at.isoformat() if response.submitted_at else None,
                    "answers": {keys.get(a.question_id, str(a.question_id)): a.value for a in response.answers}})
    return out


def erase_for(member):
    """Remove a member's named responses (their answers go with them)."""
    ids = db.session.scalars(select(SurveyResponse.id).where(SurveyResponse.member_id == member.id)).all()
    if ids:
        db.session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id.in_(ids)))
        db.session.execute(delete(SurveyResponse).where(SurveyResponse.id.in_(ids)))
