"""The organisation form of the partnership map, and the list's filters (a GET form without a token)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError

from copractice.community.moderation_forms import PlainDateField
from copractice.forms import CheckboxesField, SingleLine
from copractice.meetings.organisation_models import SECTORS, STATUSES
from copractice.meetings.organisations import is_ticks, judge
from copractice.members.models import AREAS
from copractice.plugin_settings import SettingInvalid, form_field


class OrganisationForm(FlaskForm):
    name = StringField("Name of the organisation or community",
                       validators=[SingleLine(), DataRequired("Enter the name of the organisation or community."),
                                   Length(max=200, message="Use 200 characters or fewer.")])
    sector = SelectField("Sector", choices=[("", "Choose a sector")] + list(SECTORS.items()),
                         validators=[DataRequired("Choose a sector.")])
    areas = CheckboxesField("Areas it serves", choices=list(AREAS.items()))
    themes = CheckboxesField("Themes it is interested in", choices=[])
    status = RadioField("Partnership", choices=list(STATUSES.items()), default="potential",
                        validators=[DataRequired("Choose a partnership status.")])
    status_since = PlainDateField("Since (optional)", description="When the partnership took this status. Leave it "
                                                                 "empty for today.", validators=[Optional()])
    status_note = StringField("What changed? (optional)", description="Kept in the partnership's history.",
                              validators=[SingleLine(), Optional(), Length(max=500)])
    website = URLField("Website (optional)", validators=[
        Optional(), URL(message="Enter a full web address starting with https://"), Length(max=500)])
    notes = TextAreaField("Notes (optional)", validators=[Optional(), Length(max=4000, message="Use 4,000 "
                                                                                              "characters or fewer.")])
    contact_consent = BooleanField("A named contact agreed to us keeping their name and email")
    contact_consent_on = PlainDateField("Date they agreed (optional)", description="Leave it empty for today.",
                                        validators=[Optional()])
    contact_name = StringField("Contact's name (optional)", validators=[SingleLine(), Optional(), Length(max=200)])
    contact_email = StringField("Contact's email (optional)", validators=[SingleLine(), Optional(), Length(max=254)])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    area = SelectField("Area", choices=[("", "Any area")] + list(AREAS.items()), validators=[Optional()])
    theme = SelectField("Theme", choices=[], validators=[Optional()])
    status = SelectField("Partnership", choices=[("", "Any status")] + list(STATUSES.items()), validators=[Optional()])
    sector = SelectField("Sector", choices=[("", "Any sector")] + list(SECTORS.items()), validators=[Optional()])


def _field_for(question, stored):
    """The unbound WTForms field that asks a plugin's ``question``, showing its ``stored`` answer."""
    if is_ticks(question):
        ticked = stored.splitlines() if stored else []
        known = {key for key, _label in question.choices}
        kept = [(key, key.replace("_", " ").capitalize()) for key in ticked if key not in known]

        def validate(form, field):
            try:
                judge(question, field.data or [], kept=ticked)
            except SettingInvalid as exc:
                raise ValidationError(str(exc)) from None

        return CheckboxesField(question.label, choices=list(question.choices) + kept, description=question.hint,
                               default=ticked, validators=[validate])
    value = None
    if stored:
        try:
            value = judge(question, stored)
        except SettingInvalid:
            value = stored
    return form_field(question, value, judge=judge)


def organisation_form_class(questions, answers):
    """OrganisationForm with the fields enabled plugins add (``copractice_organisation_fields``)."""
    extra = {group.key(q): _field_for(q, answers.get((group.plugin, q.name))) for group in questions
             for q in group.fields}
    if not extra:
        return OrganisationForm
    return type("OrganisationForm", (OrganisationForm,), extra)


__all__ = ["OrganisationForm", "FilterForm", "organisation_form_class"]
