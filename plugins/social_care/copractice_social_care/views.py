"""The partner directory, its gap view, and keeping it up to date."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SelectField, StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Length, Optional

from copractice.plugin_api import CheckboxesField, SingleLine, audit, can, db, permission_required, require
from copractice_social_care import THEME, partner_categories
from copractice_social_care.models import COUNTIES, GROUPS, STATUSES, Partner, PartnerGroup

bp = Blueprint("social_care", __name__, url_prefix="/social-care", template_folder="templates")


class PartnerForm(FlaskForm):
    name = StringField("Name of the organisation or group",
                       validators=[SingleLine(), DataRequired("Enter a name."), Length(max=200)])
    county = SelectField("County", choices=list(COUNTIES.items()), validators=[DataRequired("Choose a county.")])
    groups = CheckboxesField("Groups they serve", choices=[])  # the categories set on the settings page
    status = SelectField("Partnership", choices=list(STATUSES.items()), validators=[DataRequired()])
    website = URLField("Website (optional)", validators=[Optional(), URL(message="Enter a full web address starting "
                                                                                 "with https://"), Length(max=500)])
    notes = TextAreaField("Notes (optional)", validators=[Optional(), Length(max=2000)])


@bp.route("/")
@permission_required("site.view")
def index():
    """The theme's page."""
    return redirect(url_for("themes.theme", slug=THEME.slug))


@bp.route("/partners")
@permission_required("site.view")
def partners():
    """Partner organisations and community groups by county, filtered by the groups they serve."""
    groups = partner_categories()
    county = request.args.get("county") if request.args.get("county") in COUNTIES else ""
    group = request.args.get("group") if request.args.get("group") in groups else ""
    stmt = select(Partner).where(Partner.status != "ended")
    if county:
        stmt = stmt.where(Partner.county == county)
    if group:
        stmt = stmt.where(Partner.id.in_(select(PartnerGroup.partner_id).where(PartnerGroup.group == group)))
    items = db.session.scalars(stmt.order_by(Partner.county, Partner.name)).all()
    return render_template("social_care/partners.html", items=items, county=county, group=group, counties=COUNTIES,
                           groups=groups, statuses=STATUSES, may_edit=can(current_user, "theme.manage", THEME.slug))


def gap_table():
    """{(county, group): number of active partners}, zero where nobody serves that group there (one query)."""
    counts = {(c, g): 0 for c in COUNTIES for g in partner_categories()}
    rows = db.session.execute(
        select(Partner.county, PartnerGroup.group, func.count(Partner.id))
        .join(PartnerGroup, PartnerGroup.partner_id == Partner.id)
        .where(Partner.status == "active").group_by(Partner.county, PartnerGroup.group))
    for county, group, n in rows:
        if (county, group) in counts:
            counts[(county, group)] = n
    return counts


@bp.route("/partners/gaps")
@permission_required("site.view")
def gaps():
    """Where are we missing partners? Counties and groups with no active partner."""
    counts, groups = gap_table(), partner_categories()
    missing = [(COUNTIES[c], groups[g]) for (c, g), n in counts.items() if n == 0]
    return render_template("social_care/gaps.html", counts=counts, counties=COUNTIES, groups=groups, missing=missing)


def _partner_form(partner=None):
    """The partner form, offering the categories set on the settings page (and any the partner already has)."""
    form = PartnerForm(obj=partner)
    categories = partner_categories()
    kept = [(g, GROUPS.get(g) or g.replace("_", " ").capitalize()) for g in (partner.groups if partner else ()) if g not in categories]
    form.groups.choices = list(categories.items()) + kept
    return form


def _save(form, partner):
    if not form.validate_on_submit():
        return None
    created = partner is None
    partner = partner or Partner()
    before = None if created else {"name": partner.name, "status": partner.status, "groups": partner.groups}
    partner.name, partner.county, partner.status = form.name.data.strip(), form.county.data, form.status.data
    partner.website, partner.notes = form.website.data or None, form.notes.data or None
    wanted = set(form.groups.data or ())
    partner.group_rows = [r for r in partner.group_rows if r.group in wanted] + [
        PartnerGroup(group=g) for g in sorted(wanted - set(partner.groups))]
    db.session.add(partner)
    db.session.flush()
    audit(current_user, "social_care.partner_saved", "partner", partner.id, partner.name, before,
          {"name": partner.name, "status": partner.status, "groups": sorted(wanted)})
    return partner


@bp.route("/partners/new", methods=["GET", "POST"])
@permission_required("theme.open_tools")
def new_partner():
    """Add a partner organisation or community group."""
    require("theme.manage", THEME.slug)
    form = _partner_form()
    if _save(form, None) is not None:
        flash("The partner has been added.", "success")
        return redirect(url_for("social_care.partners"))
    return render_template("social_care/partner_form.html", form=form, partner=None)


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@permission_required("theme.open_tools")
def edit_partner(partner_id):
    """Change a partner's details or partnership status."""
    require("theme.manage", THEME.slug)
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        abort(404)
    form = _partner_form(partner)
    if request.method == "GET":
        form.groups.data = partner.groups
    if _save(form, partner) is not None:
        flash("The partner has been saved.", "success")
        return redirect(url_for("social_care.partners"))
    return render_template("social_care/partner_form.html", form=form, partner=partner)
