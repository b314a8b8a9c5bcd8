"""Forms for involvement: setting up an opportunity, the contributor's choices, and payment and expense rates."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from copractice.forms import SingleLine
from copractice.involvement.models import CONTRIBUTOR_CHOICES, EXPENSE_KINDS, EXPENSE_UNITS, PAYMENT_CHOICES, RATE_UNITS
from copractice.involvement.rates import pounds_to_pence


class OpportunityForm(FlaskForm):
    title = StringField("Title", description="For example: Co-facilitate the session on 12 March",
                        validators=[SingleLine(), DataRequired("Enter a title."), Length(max=200)])
    role = SelectField("Kind of role", choices=[], validators=[DataRequired("Choose a kind of role.")])
    link = SelectField("Linked to", choices=[], validators=[Optional()],
                       description="A course session or a meeting. Or leave this and name a project below.")
    project = StringField("Project (optional)", validators=[SingleLine(), Optional(), Length(max=200)])
    description = TextAreaField("What it involves, in plain English",
                                validators=[DataRequired("Say what it involves."), Length(max=10000)])
    easy_read = TextAreaField("Easy Read version (optional)", validators=[Optional(), Length(max=10000)],
                              description="Short sentences, one idea in each.")
    expected_minutes = IntegerField("Expected time, in minutes", default=120, validators=[
        InputRequired("Enter the expected time in minutes, for example 120."),
        NumberRange(1, 100000, "Enter a number of minutes, for example 120.")])
    places = IntegerField("Number of places", default=1, validators=[
        InputRequired("Enter the number of places."), NumberRange(1, 500, "Enter a number from 1 to 500.")])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not self.link.data and not (self.project.data or "").strip():
            self.link.errors = [*self.link.errors, "Choose a session or a meeting, or name a project."]
            return False
        return valid


class ChoicesForm(FlaskForm):
    payment_choice = RadioField("Payment", choices=[(c, PAYMENT_CHOICES[c]) for c in CONTRIBUTOR_CHOICES],
                                validators=[Optional()])
    own_time = BooleanField("I confirm this work is outside my job and in my own time")
    benefits_advice = BooleanField("I would like to get benefits advice first")
    credit_consent = BooleanField("Show my involvement on my profile and on certificates of courses I co-facilitate")


def _pounds(form, field):
    try:
        form.pence = pounds_to_pence(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class PaymentRateForm(FlaskForm):
    activity = SelectField("Activity", choices=[], validators=[DataRequired("Choose an activity.")])
    unit = SelectField("Paid", choices=list(RATE_UNITS.items()), validators=[DataRequired("Choose how it is paid.")])
    amount = StringField("Amount in pounds", description="For example 25.00",
                         validators=[DataRequired("Enter the amount in pounds, for example 25.00."), _pounds])
    applies_from = DateField("Applies to activities on or after", validators=[
        DataRequired("Enter the date, for example 1 4 2026.")])


class ExpenseRateForm(FlaskForm):
    kind = SelectField("Expense", choices=list(EXPENSE_KINDS.items()), validators=[DataRequired("Choose an expense.")])
    unit = SelectField("Paid", choices=list(EXPENSE_UNITS.items()), validators=[DataRequired("Choose how it is paid.")])
    amount = StringField("Amount in pounds", description="For example 0.45",
                         validators=[DataRequired("Enter the amount in pounds, for example 0.45."), _pounds])
    applies_from = DateField("Applies to expenses on or after", validators=[
        DataRequired("Enter the date, for example 1 4 2026.")])
