"""The dementia plugin's pages: companions, and the old address of the reading settings (now the core's)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from copractice.plugin_api import SPACINGS, TEXT_SIZES, db, permission_required
from copractice_dementia import THEME, connection
from copractice_dementia.models import Companion
from copractice_dementia.operations import companion_courses, companion_places, suggested_reading, use_suggested_reading

bp = Blueprint("dementia", __name__, url_prefix="/dementia", template_folder="templates")


class CompanionForm(FlaskForm):
    name = StringField("Your companion's name", validators=[DataRequired("Enter your companion's name."), Length(max=120)])
    relationship = StringField("How do you know them? (optional)", description="For example: my husband, my daughter",
                               validators=[Optional(), Length(max=120)])


@bp.route("/")
@permission_required("site.view")
def index():
    """What the Living with Dementia theme offers."""
    return redirect(url_for("themes.theme", slug=THEME.slug))


@bp.route("/reading")
@permission_required("account.reading_settings")
def reading():
    """The reading settings moved to the core: bookmarks and old links go there."""
    return redirect(url_for("reading.settings"), 301)


@bp.route("/companions", methods=["GET", "POST"])
@permission_required("course.bring_companion")
def companions():
    """Bring a named companion to your courses; they do not take a place."""
    if connection(current_user) != "living_with" or companion_places() == "none":
        return render_template("dementia/companions_not_offered.html", switched_off=companion_places() == "none")
    courses = companion_courses(current_user)
    existing = {c.course_id: c for c in db.session.scalars(select(Companion).where(Companion.member_id == current_user.id))}
    form = CompanionForm()
    if request.method == "POST":
        course_id = request.form.get("course_id", type=int)
        if course_id not in {c.id for c in courses}:
            abort(400)
        if request.form.get("action") == "remove" and course_id in existing:
            if FlaskForm().validate_on_submit():
                db.session.delete(existing[course_id])
                flash("Your companion has been taken off that course.", "success")
            return redirect(url_for("dementia.companions"))
        if form.validate_on_submit():
            row = existing.get(course_id) or Companion(course_id=course_id, member_id=current_user.id)
            row.name, row.relationship_to_member = form.name.data.strip(), (form.relationship.data or "").strip() or None
            db.session.add(row)
            flash(f"{row.name} is on the register as your companion. They do not need a place.", "success")
            return redirect(url_for("dementia.companions"))
    return render_template("dementia/companions.html", courses=courses, existing=existing, form=form,
                           theme_only=companion_places() == "theme")


@bp.route("/easier-reading", methods=["GET", "POST"])
@permission_required("account.reading_settings")
def easier_reading():
    """The reading settings the theme suggests, with one button to use them."""
    form = FlaskForm()
    if form.validate_on_submit():
        use_suggested_reading(current_user)
        flash("Your reading settings are saved. Every page now uses them.", "success")
        return redirect(url_for("dementia.easier_reading"))
    suggested = suggested_reading()
    return render_template("dementia/easier_reading.html", form=form, text_size=TEXT_SIZES[suggested["text_size"]],
                           spacing=SPACINGS[suggested["spacing"]])
