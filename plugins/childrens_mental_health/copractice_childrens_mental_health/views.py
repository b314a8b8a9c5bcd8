"""Recording consent and safeguarding checks; a resources page written for young people."""
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, EmailField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from copractice.plugin_api import (
    SingleLine,
    audit,
    current_member,
    db,
    find_member_by_email,
    permission_required,
    require,
    visible_resources,
)
from copractice_childrens_mental_health import NAME, THEME, consent_age, safeguarding_contact
from copractice_childrens_mental_health.models import GuardianConsent, SafeguardingCheck

bp = Blueprint(NAME, __name__, url_prefix="/childrens-mental-health", template_folder="templates")


def not_in_future(form, field):
    if field.data and field.data > date.today():
        raise ValidationError("The date cannot be in the future.")


class ConsentForm(FlaskForm):
    email = EmailField("The young person's email address", validators=[DataRequired("Enter their email address."),
                                                                      Length(max=254)])
    guardian_name = StringField("Parent or guardian's full name", validators=[
        SingleLine(), DataRequired("Enter the parent or guardian's name."), Length(max=120)])
    relationship = StringField("Their relationship to the young person", description="For example: mother, foster carer",
                               validators=[SingleLine(), DataRequired("Enter their relationship."), Length(max=80)])
    consent_date = DateField("Date consent was given", validators=[DataRequired("Enter the date consent was given."),
                                                                   not_in_future])


class CheckForm(FlaskForm):
    email = EmailField("Facilitator's email address", validators=[DataRequired("Enter their email address."),
                                                                  Length(max=254)])
    checked_on = DateField("Date of their safeguarding (DBS) check", validators=[
        DataRequired("Enter the date of the check."), not_in_future])


def _member(field):
    member = find_member_by_email(field.data)
    if member is None or not member.is_active:
        field.errors = list(field.errors) + ["No account has that email address."]
    return member


@bp.route("/")
@permission_required("site.view")
def index():
    """The theme's page."""
    return redirect(url_for("themes.theme", slug=THEME.slug))


@bp.route("/consent-and-checks", methods=["GET", "POST"])
@permission_required("theme.open_tools")
def consents():
    """For the theme's leads: record guardian consent for young people and facilitators' safeguarding checks."""
    require("theme.manage", THEME.slug)
    consent_form, check_form = ConsentForm(prefix="consent"), CheckForm(prefix="check")
    if request.method == "POST" and "consent-email" in request.form and consent_form.validate():
        member = _member(consent_form.email)
        if member is not None:
            db.session.add(GuardianConsent(member_id=member.id, guardian_name=consent_form.guardian_name.data.strip(),
                                           relationship_to_member=consent_form.relationship.data.strip(),
                                           consent_date=consent_form.consent_date.data, recorded_by_id=current_user.id))
            audit(current_user, "childrens_mental_health.consent_recorded", "member", member.id, member.name, None,
                  {"guardian": consent_form.guardian_name.data.strip(), "date": consent_form.consent_date.data.isoformat()})
            flash(f"Consent recorded for {member.name}. They can now join Starting Well courses.", "success")
            return redirect(url_for(f"{NAME}.consents"))
    if request.method == "POST" and "check-email" in request.form and check_form.validate():
        member = _member(check_form.email)
        if member is not None:
            check = db.session.get(SafeguardingCheck, member.id) or SafeguardingCheck(member_id=member.id)
            before = check.checked_on.isoformat() if check.checked_on else None
            check.checked_on, check.recorded_by_id = check_form.checked_on.data, current_user.id
            db.session.add(check)
            audit(current_user, "childrens_mental_health.safeguarding_recorded", "member", member.id, member.name,
                  {"checked_on": before}, {"checked_on": check.checked_on.isoformat()})
            flash(f"Safeguarding check recorded for {member.name}.", "success")
            return redirect(url_for(f"{NAME}.consents"))
    consents = db.session.scalars(select(GuardianConsent).order_by(GuardianConsent.recorded_at.desc()).limit(50)).all()
    checks = db.session.scalars(select(SafeguardingCheck).order_by(SafeguardingCheck.checked_on.desc()).limit(50)).all()
    return render_template("childrens_mental_health/consents.html", consent_form=consent_form, check_form=check_form,
                           consents=consents, checks=checks, consent_age=consent_age())


@bp.route("/for-young-people")
@permission_required("site.view")
def young_people():
    """Resources picked for young people, shown simply."""
    items = visible_resources(current_member(), theme=THEME.slug, audience="young_person", limit=50)
    name, email = safeguarding_contact()
    return render_template("childrens_mental_health/young_people.html", items=items, safeguarding_name=name,
                           safeguarding_email=email)
