"""The paired course evaluation's pages (issue 16 point 3): answering a course's before, after and follow-up
surveys, your own change, and the organisers' paired reports per course and per theme with their exports."""
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from copractice.attendance.reports import table_download
from copractice.courses.models import Course
from copractice.extensions import db
from copractice.kept_pages import shows
from copractice.measurement import evaluation
from copractice.measurement.evaluation_models import STAGES
from copractice.measurement.survey_views import _answer
from copractice.permissions import can, permission_required, require
from copractice.plugins import get_plugins
from copractice.web import attempt

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation", template_folder="templates")


@bp.app_template_global("evaluation_links")
def evaluation_links():
    """The course evaluation surveys waiting for the signed-in member (My learning shows them)."""
    if not current_user.is_authenticated:
        return []
    found = evaluation.open_for(current_user)
    shows(courses=[invitation.course_id for invitation in found])  # a kept My learning shows these courses too
    return found


def _course(course_id):
    course = db.session.get(Course, course_id)
    if course is None:
        abort(404)
    return course


@bp.route("/courses/<int:course_id>/<stage>", methods=["GET", "POST"])
@permission_required("evaluation.answer")
def answer(course_id, stage):
    """Answer a course's before, after or follow-up survey, when it is open to you."""
    course = _course(course_id)
    if stage not in STAGES:
        abort(404)
    survey = evaluation.evaluations(course.id).get(stage)
    if survey is None:
        abort(404)
    refused = evaluation.refusal(current_user, course, stage)
    if refused is not None:
        return render_template("evaluation/not_open.html", course=course, reason=refused), 403
    return _answer(survey, evaluation.answer_key(survey, current_user), current_user,
                   url_for("evaluation.answer", course_id=course.id, stage=stage))


@bp.route("/mine")
@permission_required("evaluation.answer")
def mine():
    """The courses whose evaluation you answered: pick one to see your own change."""
    return render_template("evaluation/mine.html", courses=evaluation.evaluated_courses(current_user),
                           waiting=evaluation.open_for(current_user), stages=STAGES)


@bp.route("/mine/<int:course_id>")
@permission_required("evaluation.answer")
def my_change(course_id):
    """Your own answers before and after a course, question by question."""
    course = _course(course_id)
    return render_template("evaluation/my_change.html", course=course,
                           changes=evaluation.own_change(current_user, course))


@bp.route("/manage/courses/<int:course_id>")
@permission_required("evaluation.manage")
def course_report(course_id):
    """A course's paired change (set it up here if it has no evaluation yet)."""
    course = _course(course_id)
    require("evaluation.manage", course)
    found = evaluation.evaluations(course.id)
    report = evaluation.course_report(course) if found else None
    return render_template("evaluation/report.html", course=course, report=report, surveys=found, stages=STAGES,
                           export=lambda kind: url_for("evaluation.course_export", course_id=course.id, kind=kind))


@bp.route("/manage/courses/<int:course_id>/set-up", methods=["POST"])
@permission_required("evaluation.manage")
def set_up(course_id):
    course = _course(course_id)
    require("evaluation.manage", course)
    attempt(lambda: evaluation.set_up(current_user, course),
            "The course now has its before, after and follow-up surveys. People on it will be told when each opens.")
    return redirect(url_for("evaluation.course_report", course_id=course.id))


def _download(report, name, kind):
    if kind not in ("csv", "xlsx"):
        abort(404)
    headers, rows = evaluation.report_export(report)
    return table_download(kind, headers, rows, name, "Paired change")


@bp.route("/manage/courses/<int:course_id>/report.<kind>")
@permission_required("evaluation.manage")
def course_export(course_id, kind):
    course = _course(course_id)
    require("evaluation.manage", course)
    return _download(evaluation.course_report(course), f"course-{course.id}-evaluation", kind)


def _theme(slug):
    theme = get_plugins().themes().get(slug)
    if theme is None:
        abort(404)
    require("evaluation.theme_report", slug)
    return theme


@bp.route("/manage/themes")
@permission_required("evaluation.theme_report")
def themes():
    """The themes whose paired reports you may read."""
    listed = [(slug, t.name) for slug, t in get_plugins().themes().items()
              if can(current_user, "evaluation.theme_report", slug)]
    return render_template("evaluation/themes.html", themes=listed)


@bp.route("/manage/themes/<slug>")
@permission_required("evaluation.theme_report")
def theme_report(slug):
    """The paired change over every evaluated course of a theme."""
    theme = _theme(slug)
    return render_template("evaluation/report.html", course=None, theme=theme,
                           report=evaluation.theme_report(slug, theme.name), surveys=None, stages=STAGES,
                           export=lambda kind: url_for("evaluation.theme_export", slug=slug, kind=kind))


@bp.route("/manage/themes/<slug>/report.<kind>")
@permission_required("evaluation.theme_report")
def theme_export(slug, kind):
    theme = _theme(slug)
    return _download(evaluation.theme_report(slug, theme.name), f"theme-{slug}-evaluation", kind)
