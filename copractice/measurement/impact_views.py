"""Pages of the impact log, the yearly impact report, projects' GRIPP2 records and equality monitoring (issue 16
points 6 and 7). Thin: the rules live in impact.py, indicators.py and equality.py."""
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from copractice.attendance.reports import table_download
from copractice.extensions import db
from copractice.measurement import equality, impact, indicators
from copractice.measurement.equality_models import QUESTIONS
from copractice.measurement.impact_forms import EntryForm, EqualityForm, ProjectForm, ReportForm
from copractice.measurement.impact_models import GRIPP2_ITEMS, ImpactEntry, ImpactProject
from copractice.permissions import can, permission_required, require
from copractice.timeutil import utcnow
from copractice.web import attempt

bp = Blueprint("impact", __name__, template_folder="templates")


def _download(body, mimetype, filename):
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _picked():
    """The theme and year from the query string: a theme not on the site, or a year out of range, is ignored."""
    themes = impact.site_themes()
    theme = request.args.get("theme", "")
    theme = theme if theme in themes else ""
    this_year = utcnow().year
    try:
        year = int(request.args.get("year", this_year))
    except ValueError:
        year = this_year
    if not 2000 <= year <= this_year + 1:
        year = this_year
    form = ReportForm(request.args)
    form.theme.choices = [("", "All themes")] + list(themes.items())
    form.theme.data, form.year.data = theme, year
    return form, theme or None, year, themes


# -- the impact log ---------------------------------------------------------------------------------------------

@bp.route("/impact/")
@permission_required("impact.view")
def log():
    """The impact log: what changed because of co-production, for whom, and the evidence."""
    form, theme, year, themes = _picked()
    return render_template("impact/log.html", form=form, rows=impact.log_rows(theme_slug=theme, year=year),
                           themes=themes, theme=theme, year=year, may_record=can(current_user, "impact.record"))


def _entry_input(form):
    return impact.EntryInput(
        theme_slug=form.theme_slug.data or "", what_changed=form.what_changed.data or "",
        for_whom=form.for_whom.data or "", happened_on=form.happened_on.data, evidence=form.evidence.data or "",
        evidence_link=form.evidence_link.data or "", contributors=form.contributors.data or "",
        principle=form.principle.data or "", standard=form.standard.data or "",
        decision_id=form.decision_id.data, said_we_did_id=form.said_we_did_id.data)


def _entry_form(entry):
    themes = impact.site_themes()
    form = EntryForm(obj=entry)
    form.theme_slug.choices = [("", "Choose a theme")] + [(slug, name) for slug, name in themes.items()
                                                         if can(current_user, "impact.record", slug)]
    form.decision_id.choices = [("", "None")] + impact.decision_choices()
    form.said_we_did_id.choices = [("", "None")] + impact.said_we_did_choices()
    if request.method == "GET" and entry is not None:
        form.contributors.data = "\n".join(c.member.email for c in entry.contributors)
    if form.validate_on_submit():
        done, _saved = attempt(lambda: impact.save_entry(current_user, entry, _entry_input(form)),
                               "The impact log entry has been saved.", form=form,
                               field=lambda refused: getattr(refused, "field", None))
        if done:
            return redirect(url_for("impact.log"))
    status = 400 if request.method == "POST" else 200
    return render_template("impact/entry_form.html", form=form, entry=entry), status


@bp.route("/impact/new", methods=["GET", "POST"])
@permission_required("impact.record")
def new_entry():
    """Add what changed to the impact log."""
    return _entry_form(None)


def _entry(entry_id):
    entry = db.session.get(ImpactEntry, entry_id)
    if entry is None:
        abort(404)
    return entry


@bp.route("/impact/<int:entry_id>/edit", methods=["GET", "POST"])
@permission_required("impact.view")
def edit_entry(entry_id):
    """Change an entry of the impact log."""
    entry = _entry(entry_id)
    require("impact.edit_entry", entry)
    return _entry_form(entry)


@bp.route("/impact/<int:entry_id>/remove", methods=["POST"])
@permission_required("impact.view")
def remove_entry(entry_id):
    """Remove an entry from the impact log."""
    entry = _entry(entry_id)
    require("impact.edit_entry", entry)
    attempt(lambda: impact.remove_entry(current_user, entry), "The entry has been removed.")
    return redirect(url_for("impact.log"))


# -- the yearly impact report --------------------------------------------------------------------------------------

@bp.route("/impact/report")
@permission_required("impact.view")
def report():
    """A theme's impact in a year: indicators worked out from the site's data, and the impact log."""
    form, theme, year, themes = _picked()
    return render_template("impact/report.html", form=form, theme=theme, year=year, themes=themes,
                           found=indicators.indicators(theme, year), rows=impact.log_rows(theme_slug=theme, year=year))


def _report_name(theme, year):
    return f"impact-report-{theme or 'all-themes'}-{year}"


@bp.route("/impact/report.<kind>")
@permission_required("impact.view")
def report_export(kind):
    """The yearly impact report as a PDF, or its indicators as CSV or XLSX."""
    if kind not in ("pdf", "csv", "xlsx"):
        abort(404)
    _form, theme, year, themes = _picked()
    found = indicators.indicators(theme, year)
    name = _report_name(theme, year)
    if kind in ("csv", "xlsx"):
        return table_download(kind, indicators.EXPORT_HEADERS, indicators.export_rows(found), name,
                              "Impact indicators")
    title = f"Impact report {year}: {themes.get(theme, 'all themes') if theme else 'all themes'}"
    return _download(indicators.report_pdf(title, found, impact.log_rows(theme_slug=theme, year=year)),
                     "application/pdf", f"{name}.pdf")


# -- projects and GRIPP2 ------------------------------------------------------------------------------------------

@bp.route("/impact/projects/")
@permission_required("impact.view")
def projects():
    """Projects and their GRIPP2 short-form records."""
    return render_template("impact/projects.html", projects=impact.project_rows(), themes=impact.site_themes(),
                           may_record=can(current_user, "impact.record"))


def _project(project_id):
    project = db.session.get(ImpactProject, project_id)
    if project is None:
        abort(404)
    return project


def _project_form(project):
    themes = impact.site_themes()
    form = ProjectForm(obj=project)
    form.theme_slug.choices = [("", "Choose a theme")] + list(themes.items())
    if request.method == "GET" and project is not None:
        form.leads.data = "\n".join(lead.member.email for lead in project.leads)
    if form.validate_on_submit():
        data = impact.ProjectInput(name=form.name.data or "", theme_slug=form.theme_slug.data or "",
                                   leads=form.leads.data or "",
                                   **{key: form[key].data or "" for key in GRIPP2_ITEMS})
        done, saved = attempt(lambda: impact.save_project(current_user, project, data), "The project has been saved.",
                              form=form, field=lambda refused: getattr(refused, "field", None))
        if done:
            return redirect(url_for("impact.project", project_id=saved.id))
    status = 400 if request.method == "POST" else 200
    return render_template("impact/project_form.html", form=form, project=project), status


@bp.route("/impact/projects/new", methods=["GET", "POST"])
@permission_required("impact.record")
def new_project():
    """Set up a project whose involvement is reported in GRIPP2's short form."""
    return _project_form(None)


@bp.route("/impact/projects/<int:project_id>")
@permission_required("project.open")
def project(project_id):
    """A project's GRIPP2 short form: aim, methods, results, outcomes, critical reflection."""
    item = _project(project_id)
    require("project.view", item)
    return render_template("impact/project.html", project=item, items=impact.gripp2_items(item),
                           themes=impact.site_themes(), may_edit=can(current_user, "project.edit", item))


@bp.route("/impact/projects/<int:project_id>/edit", methods=["GET", "POST"])
@permission_required("project.open")
def edit_project(project_id):
    """Fill in a project's GRIPP2 record."""
    item = _project(project_id)
    require("project.edit", item)
    return _project_form(item)


@bp.route("/impact/projects/<int:project_id>/gripp2.<kind>")
@permission_required("project.open")
def project_export(project_id, kind):
    """A project's GRIPP2 short form as a PDF or as Markdown."""
    item = _project(project_id)
    require("project.view", item)
    if kind == "pdf":
        return _download(impact.gripp2_pdf(item), "application/pdf", f"gripp2-project-{item.id}.pdf")
    if kind == "md":
        return _download(impact.gripp2_markdown(item), "text/markdown; charset=utf-8", f"gripp2-project-{item.id}.md")
    abort(404)


# -- equality monitoring ----------------------------------------------------------------------------------------

@bp.route("/account/equality-monitoring", methods=["GET", "POST"])
@permission_required("account.equality")
def equality_form():
    """The member's own equality monitoring answers: optional, with their own consent, withdrawable."""
    mine = equality.own_answers(current_user)
    form = EqualityForm(obj=mine)
    if request.method == "GET" and mine is not None:
        form.consent.data = True
    if form.validate_on_submit():
        answers = {question: form[question].data or None for question in QUESTIONS}
        done, _row = attempt(lambda: equality.save_answers(current_user, consent=bool(form.consent.data),
                                                           answers=answers),
                             "Thank you. Your answers have been saved.", form=form,
                             field=lambda refused: getattr(refused, "field", None))
        if done:
            return redirect(url_for("impact.equality_form"))
    status = 400 if request.method == "POST" else 200
    return render_template("impact/equality_form.html", form=form, mine=mine, questions=QUESTIONS), status


@bp.route("/account/equality-monitoring/withdraw", methods=["POST"])
@permission_required("account.equality")
def equality_withdraw():
    """Take back consent: the member's equality monitoring answers are deleted."""
    attempt(lambda: equality.withdraw(current_user), "Your equality monitoring answers have been deleted.")
    return redirect(url_for("impact.equality_form"))


@bp.route("/impact/equality")
@permission_required("equality.report")
def equality_report():
    """Who the programme reaches, from equality monitoring: counts only, small numbers hidden."""
    return render_template("impact/equality_report.html", report=equality.report())


@bp.route("/impact/equality.<kind>")
@permission_required("equality.report")
def equality_export(kind):
    """The equality monitoring report as CSV or XLSX: the same hidden cells as the page."""
    return table_download(kind, ["Question", "Answer", "People"], equality.report_rows(), "equality-monitoring",
                          "Equality monitoring")
