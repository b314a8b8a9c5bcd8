"""The partnership map's pages (issue 15 point 5): the list, an organisation, its form, the gap view, exports."""
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from copractice.attendance.reports import csv_lines, xlsx_bytes
from copractice.extensions import db
from copractice.meetings import organisations
from copractice.meetings.organisation_forms import FilterForm, organisation_form_class
from copractice.meetings.organisation_models import SECTORS, STATUSES, Organisation
from copractice.members.models import AREAS
from copractice.permissions import can, permission_required, require
from copractice.web import attempt

bp = Blueprint("partnerships", __name__, url_prefix="/partnerships", template_folder="templates")


def _filters():
    """The list's filters from the query string: a value not in its list is ignored (never an error page)."""
    form = FilterForm(request.args)
    themes = organisations.site_themes()
    form.theme.choices = [("", "Any theme")] + list(themes.items())
    known = {"area": AREAS, "theme": themes, "status": STATUSES, "sector": SECTORS}
    values = {name: request.args.get(name, "") for name in known}
    values = {name: value if value in known[name] else "" for name, value in values.items()}
    for name, value in values.items():
        form[name].data = value
    return form, organisations.Filters(**values), themes


@bp.route("/")
@permission_required("partnerships.view")
def index():
    """Organisations and communities we work with, or could, filtered by area, theme, status and sector."""
    form, filters, themes = _filters()
    return render_template("partnerships/index.html", form=form, filters=filters, items=organisations.rows(filters),
                           themes=themes, areas=AREAS, statuses=STATUSES, sectors=SECTORS,
                           may_add=can(current_user, "partnerships.add"))


@bp.route("/export.<kind>")
@permission_required("partnerships.view")
def export(kind):
    """The map (as filtered) as a CSV or XLSX file, safe to open in a spreadsheet."""
    if kind not in ("csv", "xlsx"):
        abort(404)
    _form, filters, _themes = _filters()
    headers, rows = organisations.export_table(filters)
    if kind == "csv":
        return Response("".join(csv_lines(headers, rows)), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="partnership-map.csv"'})
    return Response(xlsx_bytes(headers, rows, "Partnership map"),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="partnership-map.xlsx"'})


@bp.route("/gaps")
@permission_required("partnerships.view")
def gaps():
    """Where is nobody reached yet? Each theme's active partners, area by area, as a table and a chart."""
    return render_template("partnerships/gaps.html", gaps=organisations.gaps())


def _organisation(organisation_id):
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    return organisation


@bp.route("/<int:organisation_id>")
@permission_required("partnerships.view")
def organisation(organisation_id):
    """One organisation: what it is, where it works, its partnership's history and its contact."""
    org = _organisation(organisation_id)
    questions = organisations.organisation_questions()
    extras = organisations.shown_extras(questions, organisations.extras_of([org.id]).get(org.id, {}))
    return render_template("partnerships/organisation.html", org=org, history=organisations.history(org),
                           extras=extras, themes=organisations.site_themes(), areas=AREAS, statuses=STATUSES,
                           sectors=SECTORS, may_edit=can(current_user, "organisation.edit", org))


def _input(form, questions):
    return organisations.OrganisationInput(
        name=form.name.data or "", sector=form.sector.data or "", areas=list(form.areas.data or ()),
        themes=list(form.themes.data or ()), status=form.status.data or "", status_since=form.status_since.data,
        status_note=form.status_note.data or "", website=form.website.data or "", notes=form.notes.data or "",
        contact_consent=bool(form.contact_consent.data), contact_consent_on=form.contact_consent_on.data,
        contact_name=form.contact_name.data or "", contact_email=form.contact_email.data or "",
        extras={(group.plugin, q.name): form[group.key(q)].data for group in questions for q in group.fields})


def _edit(org):
    """The organisation form, new (``org`` None) or filled in; saved through organisations.save_organisation."""
    questions = organisations.organisation_questions()
    answers = organisations.extras_of([org.id]).get(org.id, {}) if org is not None else {}
    form = organisation_form_class(questions, answers)(obj=org)
    themes = organisations.site_themes()
    form.themes.choices = list(themes.items())
    if request.method == "GET" and org is not None:
        form.areas.data, form.themes.data = org.areas, [t for t in org.themes if t in themes]
        form.contact_consent.data = org.contact_consent_on is not None
        form.status_since.data = None  # a new date only when the status changes
    if form.validate_on_submit():
        done, saved = attempt(lambda: organisations.save_organisation(current_user, org, _input(form, questions),
                                                                       questions=questions),
                              "The organisation has been saved.", form=form,
                              field=lambda refused: getattr(refused, "field", None))
        if done:
            return redirect(url_for("partnerships.organisation", organisation_id=saved.id))
    status = 400 if request.method == "POST" else 200
    return render_template("partnerships/form.html", form=form, org=org, questions=questions), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required("partnerships.add")
def new():
    """Add an organisation or community to the map."""
    return _edit(None)


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@permission_required("partnerships.view")
def edit(organisation_id):
    """Change an organisation's details, its partnership status or its contact."""
    org = _organisation(organisation_id)
    require("organisation.edit", org)
    return _edit(org)
