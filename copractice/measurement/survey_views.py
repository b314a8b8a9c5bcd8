"""The survey pages (issue 16 points 1 and 2): open surveys and answering them (signed in, or through an invitation
link), the organisers' list, builder and results, and the training needs no course meets yet."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from copractice.attendance.reports import table_download
from copractice.extensions import db
from copractice.measurement import surveys
from copractice.measurement.survey_forms import (
    AnswerForm,
    NewSurveyForm,
    QuestionForm,
    ResultsFilterForm,
    SectionForm,
    StatusForm,
)
from copractice.measurement.surveys_models import Survey
from copractice.members.models import AREAS, STAKEHOLDER_TYPES
from copractice.permissions import can, permission_required, require
from copractice.plugins import get_plugins
from copractice.urls import external_url
from copractice.web import attempt

bp = Blueprint("surveys", __name__, url_prefix="/surveys", template_folder="templates")


def _survey(survey_id):
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        abort(404)
    return survey


# -- answering ------------------------------------------------------------------------------------------------------

@bp.route("/")
@permission_required("surveys.answer")
def index():
    """The surveys open now."""
    return render_template("surveys/index.html", surveys=surveys.survey_list(current_user),
                           may_manage=can(current_user, "surveys.manage"))


def _answer(survey, key, member, action_url):
    """The answering page: a draft is resumed; "Save and come back later" keeps it; "Send" checks and submits."""
    if survey.status != "open":
        return render_template("surveys/closed.html", survey=survey), 404
    form = AnswerForm()
    questions = surveys.asked(survey, member)
    response = surveys.find_response(survey, key)
    if response is not None and response.status == "submitted":
        return render_template("surveys/thanks.html", survey=survey, already=True)
    errors = {}
    answers = surveys.draft_answers(survey, response)
    if request.method == "GET" and response is not None:
        form.by_proxy.data = response.by_proxy
    if form.validate_on_submit():
        submit = request.form.get("action") == "submit"
        answers, errors = surveys.read_answers(questions, request.form)
        if submit and not errors:
            errors = surveys.check_required(questions, answers)
        if not errors:
            done, _saved = attempt(lambda: surveys.save_response(survey, key=key, member=member, answers=answers,
                                                                by_proxy=form.by_proxy.data, submit=submit))
            if done:
                if submit:
                    return render_template("surveys/thanks.html", survey=survey, already=False)
                return render_template("surveys/saved.html", survey=survey, back=action_url)
    elif request.method == "POST":
        errors = {"_form": "The form had expired. Please try again."}
    order = [q.key for q in questions if q.key in errors]
    status = 400 if errors else 200
    return render_template("surveys/answer.html", survey=survey, form=form, questions=questions, answers=answers,
                           errors=errors, error_order=order, action_url=action_url,
                           saved_draft=response is not None, for_member=member is not None), status


@bp.route("/<int:survey_id>", methods=["GET", "POST"])
@permission_required("surveys.answer")
def answer(survey_id):
    """Answer an open survey as a member (a named survey keeps who answered; an anonymous one does not)."""
    survey = _survey(survey_id)
    linked = surveys.course_stage(survey)
    if linked is not None:  # a course's evaluation survey: answered only when it is open to you (its own page)
        return redirect(url_for("evaluation.answer", course_id=linked[0], stage=linked[1]))
    return _answer(survey, surveys.respondent_key(survey, current_user), current_user,
                   url_for("surveys.answer", survey_id=survey.id))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@permission_required("site.view")
def answer_by_link(token):
    """Answer through an invitation link, without an account: one response per link."""
    found = surveys.read_invitation(token)
    if found is None:
        return render_template("surveys/bad_link.html"), 404
    survey = _survey(found[0])
    return _answer(survey, surveys.respondent_key(survey, nonce=found[1]), None,
                   url_for("surveys.answer_by_link", token=token))


# -- organisers -----------------------------------------------------------------------------------------------------

def _themes_for(member):
    themes = {slug: t.name for slug, t in get_plugins().themes().items()}
    if member.role == "admin":
        return themes
    return {slug: name for slug, name in themes.items() if slug in member.led_themes}


@bp.route("/manage", methods=["GET", "POST"])
@permission_required("surveys.manage")
def manage():
    """The surveys an organiser looks after, and a new one from a template or blank."""
    form = NewSurveyForm()
    templates = surveys.templates()
    form.template.choices = [(key, t["title"]) for key, t in templates.items()] + [("", "A blank survey")]
    themes = _themes_for(current_user)
    form.theme_slug.choices = ([("", "No theme (whole programme)")] if current_user.role == "admin" else []) + list(
        themes.items())
    if form.validate_on_submit():
        theme = form.theme_slug.data or None
        if not can(current_user, "surveys.manage", theme) or (theme is None and current_user.role != "admin"):
            form.theme_slug.errors = [*form.theme_slug.errors, "Choose a theme you lead."]
        elif not form.template.data and not (form.title.data or "").strip():
            form.title.errors = [*form.title.errors, "Enter a title, or choose a template."]
        else:
            if form.template.data:
                step = lambda: surveys.create_from_template(current_user, form.template.data, theme)  # noqa: E731
            else:
                step = lambda: surveys.new_survey(current_user, title=form.title.data, kind=form.kind.data,  # noqa: E731
                                                  theme_slug=theme, anonymous=form.anonymous.data)
            done, survey = attempt(step, "The survey has been made. It is a draft until you open it.",
                                   form=form, field="template")
            if done:
                return redirect(url_for("surveys.build", survey_id=survey.id))
    listed = surveys.managed_surveys(current_user)
    counts = surveys.response_counts([s.id for s in listed])
    status = 400 if request.method == "POST" else 200
    return render_template("surveys/manage.html", form=form, surveys=listed, counts=counts, themes=themes), status


def _managed(survey_id):
    survey = _survey(survey_id)
    require("survey.manage", survey)
    return survey


def _question_form(survey):
    form = QuestionForm(prefix="q")
    form.section.choices = [(s.id, s.title) for s in survey.sections]
    form.show_if.choices = [("", "Always ask it")] + [
        (f"{q.key}={value}", f"{q.text} — {label}") for q in survey.questions
        if q.kind in ("single", "multiple", "agreement") for value, label in q.choices]
    return form


def _build_page(survey, question_form=None, section_form=None, status_form=None, link=None, code=200):
    status_form = status_form or StatusForm(prefix="s", status=survey.status)
    return render_template("surveys/build.html", survey=survey, question_form=question_form or _question_form(survey),
                           section_form=section_form or SectionForm(prefix="sec"), status_form=status_form,
                           link=link, counts=surveys.response_counts([survey.id])), code


@bp.route("/manage/<int:survey_id>")
@permission_required("surveys.manage")
def build(survey_id):
    """A survey's sections and questions, its status and its invitation links."""
    return _build_page(_managed(survey_id))


@bp.route("/manage/<int:survey_id>/sections", methods=["POST"])
@permission_required("surveys.manage")
def add_section(survey_id):
    survey = _managed(survey_id)
    form = SectionForm(prefix="sec")
    if form.validate_on_submit():
        done, _ = attempt(lambda: surveys.add_section(survey, form.section_title.data, form.section_intro.data),
                          "The section has been added.")
        if done:
            return redirect(url_for("surveys.build", survey_id=survey.id))
    return _build_page(survey, section_form=form, code=400)


@bp.route("/manage/<int:survey_id>/questions", methods=["POST"])
@permission_required("surveys.manage")
def add_question(survey_id):
    survey = _managed(survey_id)
    form = _question_form(survey)
    if form.validate_on_submit():
        key, _, value = (form.show_if.data or "").partition("=")
        data = surveys.QuestionInput(section_id=form.section.data, kind=form.kind.data, text=form.text.data,
                                     easy_read=form.easy_read.data, hint=form.hint.data, required=form.required.data,
                                     options=(form.options.data or "").splitlines(), tag=form.tag.data or "",
                                     show_if_key=key, show_if_values=[value] if value else [])
        done, _ = attempt(lambda: surveys.add_question(survey, data), "The question has been added.",
                          form=form, field="text")
        if done:
            return redirect(url_for("surveys.build", survey_id=survey.id))
    return _build_page(survey, question_form=form, code=400)


@bp.route("/manage/<int:survey_id>/questions/<int:question_id>/remove", methods=["POST"])
@permission_required("surveys.manage")
def remove_question(survey_id, question_id):
    survey = _managed(survey_id)
    attempt(lambda: surveys.remove_question(survey, question_id), "The question has been removed.")
    return redirect(url_for("surveys.build", survey_id=survey.id))


@bp.route("/manage/<int:survey_id>/status", methods=["POST"])
@permission_required("surveys.manage")
def set_status(survey_id):
    survey = _managed(survey_id)
    form = StatusForm(prefix="s")
    if form.validate_on_submit():
        done, _ = attempt(lambda: surveys.set_status(survey, form.status.data), "The survey's status has changed.",
                          form=form, field="status")
        if done:
            return redirect(url_for("surveys.build", survey_id=survey.id))
    return _build_page(survey, status_form=form, code=400)


@bp.route("/manage/<int:survey_id>/invitation", methods=["POST"])
@permission_required("surveys.manage")
def invitation(survey_id):
    """A new invitation link for someone without an account (one response per link)."""
    survey = _managed(survey_id)
    link = external_url("surveys.answer_by_link", token=surveys.invitation_token(survey))
    return _build_page(survey, link=link)


def _filters():
    form = ResultsFilterForm(request.args)
    themes = {slug: t.name for slug, t in get_plugins().themes().items()}
    form.area.choices = [("", "Every area")] + list(AREAS.items())
    form.stakeholder_type.choices = [("", "Everyone")] + list(STAKEHOLDER_TYPES.items())
    form.theme.choices = [("", "Every theme")] + list(themes.items())
    known = {"area": AREAS, "stakeholder_type": STAKEHOLDER_TYPES, "theme": themes}
    values = {name: request.args.get(name, "") for name in known}
    values = {name: value if value in known[name] else "" for name, value in values.items()}
    for name, value in values.items():
        form[name].data = value
    return form, surveys.Filters(**values)


@bp.route("/manage/<int:survey_id>/results")
@permission_required("surveys.manage")
def results(survey_id):
    """The needs asked for, by area, by stakeholder type and by theme: small numbers hidden."""
    survey = _managed(survey_id)
    form, filters = _filters()
    return render_template("surveys/results.html", survey=survey, form=form,
                           results=surveys.needs_results(survey, filters), query=request.args.to_dict())


@bp.route("/manage/<int:survey_id>/results.<kind>")
@permission_required("surveys.manage")
def export(survey_id, kind):
    if kind not in ("csv", "xlsx"):
        abort(404)
    survey = _managed(survey_id)
    _form, filters = _filters()
    headers, rows = surveys.results_export(survey, filters)
    return table_download(kind, headers, rows, f"survey-{survey.id}-results", "Survey results")


@bp.route("/needs-not-met")
@permission_required("surveys.manage")
def needs_not_met():
    """Training needs people asked for that no upcoming course meets (linked from the courses management page)."""
    found = [(survey, surveys.needs_not_met(survey)) for survey in surveys.needs_surveys()
             if can(current_user, "survey.manage", survey)]
    return render_template("surveys/needs_not_met.html", found=found)
