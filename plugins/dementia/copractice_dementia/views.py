"""The dementia plugin's pages: reading settings and companions."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional

from copractice.courses.models import ENROLLED, Course, Enrolment
from copractice.extensions import db
from copractice.plugin_api import permission_required
from copractice_dementia import THEME, connection
from copractice_dementia.models import Companion, ReadingSettings

bp = Blueprint("dementia", __name__, url_prefix="/dementia", template_folder="templates", static_folder="static",
               static_url_path="/static")


class ReadingForm(FlaskForm):
    large_text = BooleanField("Larger text")
    reduced_motion = BooleanField("Less movement on the screen")
    simple_layout = BooleanField("A simpler layout with more space")


class CompanionForm(FlaskForm):
    name = StringField("Your companion's name", validators=[DataRequired("Enter your companion's name."), Length(max=120)])
    relationship = StringField("How do you know them? (optional)", description="For example: my husband, my daughter",
                               validators=[Optional(), Length(max=120)])


@bp.route("/")
@permission_required("site.view")
def index():
    """What the Living with Dementia theme offers."""
    return redirect(url_for("themes.theme", slug=THEME.slug))


@bp.route("/reading", methods=["GET", "POST"])
@permission_required("account.manage")
def reading():
    """Choose dementia-friendly reading settings for every page."""
    settings = db.session.get(ReadingSettings, current_user.id) or ReadingSettings(member_id=current_user.id)
    form = ReadingForm(obj=settings)
    if form.validate_on_submit():
        form.populate_obj(settings)
        db.session.add(settings)
        db.session.commit()
        flash("Your reading settings are saved. Every page now uses them.", "success")
        return redirect(url_for("dementia.reading"))
    return render_template("dementia/reading.html", form=form)


@bp.route("/companions", methods=["GET", "POST"])
@permission_required("account.manage")
def companions():
    """Bring a named companion to your courses; they do not take a place."""
    if connection(current_user) != "living_with":
        return render_template("dementia/companions_not_offered.html")
    courses = db.session.scalars(select(Course).join(Enrolment, Enrolment.course_id == Course.id).where(
        Enrolment.member_id == current_user.id, Enrolment.status == ENROLLED).order_by(Course.title)).all()
    existing = {c.course_id: c for c in db.session.scalars(select(Companion).where(Companion.member_id == current_user.id))}
    form = CompanionForm()
    if request.method == "POST":
        course_id = request.form.get("course_id", type=int)
        if course_id not in {c.id for c in courses}:
            abort(400)
        if request.form.get("action") == "remove" and course_id in existing:
            if FlaskForm().validate_on_submit():
                db.session.delete(existing[course_id])
                db.session.commit()
                flash("Your companion has been taken off that course.", "success")
            return redirect(url_for("dementia.companions"))
        if form.validate_on_submit():
            row = existing.get(course_id) or Companion(course_id=course_id, member_id=current_user.id)
            row.name, row.relationship_to_member = form.name.data.strip(), (form.relationship.data or "").strip() or None
            db.session.add(row)
            db.session.commit()
            flash(f"{row.name} is on the register as your companion. They do not need a place.", "success")
            return redirect(url_for("dementia.companions"))
    return render_template("dementia/companions.html", courses=courses, existing=existing, form=form)
