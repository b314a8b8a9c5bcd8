"""Forms of the self-assessment (rounds, ratings) and of co-agreed standards (standards, measures, people,
measurements)."""
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import TextInput

from copractice.forms import SingleLine
from copractice.measurement.assessment import ITEMS, MAX_COMMENT, RATINGS
from copractice.measurement.standards_models import MEASURE_PARTS
from copractice.members.models import STAKEHOLDER_TYPES


class RoundForm(FlaskForm):
    title = StringField("Name of the round", description="For example “Spring 2027”. Members see it.",
                        validators=[InputRequired("Enter a name for the round."), SingleLine(),
                                    Length(max=200, message="Use 200 characters or fewer.")])


class _RatingBase(FlaskForm):
    def answers(self):
        """{item key: (rating, comment)} of the items rated."""
        out = {}
        for item in ITEMS:
            value = self[f"rate_{item.key}"].data
            if value:
                out[item.key] = (int(value), self[f"comment_{item.key}"].data or "")
        return out


def rating_form(existing=None, formdata=None):
    """A form with a 1-5 choice and an optional comment for each principle and standard."""
    existing = existing or {}

    class RatingForm(_RatingBase):
        pass

    choices = [(str(n), f"{n} – {label}") for n, label in RATINGS.items()]
    for item in ITEMS:
        setattr(RatingForm, f"rate_{item.key}", RadioField(
            item.title, choices=choices, description=item.description,
            validators=[InputRequired(f"Choose a rating from 1 to 5 for {item.title}.")]))
        setattr(RatingForm, f"comment_{item.key}", TextAreaField(
            f"Comment on {item.title} (optional)", validators=[
                Optional(), Length(max=MAX_COMMENT, message=f"Use {MAX_COMMENT:,} characters or fewer.")]))
    data = {}
    for key, row in existing.items():
        data[f"rate_{key}"] = str(row.rating)
        data[f"comment_{key}"] = row.comment
    return RatingForm(formdata=formdata, data=data) if formdata is not None else RatingForm(data=data)


class PlainDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a real date, for example 2027-03-31.") from None


class NumberField(DecimalField):
    """A number typed as text (inputmode decimal): a browser's number box silently drops what it can't read."""

    widget = TextInput()

    def __call__(self, **kwargs):
        kwargs.setdefault("inputmode", "decimal")
        return super().__call__(**kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a number, like 80 or 12.5.") from None


class StandardForm(FlaskForm):
    title = StringField("The standard", description="What the group agreed, in a sentence.",
                        validators=[InputRequired("Enter the standard."), SingleLine(),
                                    Length(max=200, message="Use 200 characters or fewer.")])
    description = TextAreaField("More about it (optional)", validators=[
        Optional(), Length(max=2000, message="Use 2,000 characters or fewer.")])
    agreed_on = PlainDateField("When it was agreed (optional)", validators=[Optional()])


class MeasureForm(FlaskForm):
    title = StringField("What is measured", description="For example “Patients who have a care plan they helped "
                        "write”.", validators=[InputRequired("Enter what is measured."), SingleLine(),
                                               Length(max=200, message="Use 200 characters or fewer.")])
    target = NumberField("Target", validators=[InputRequired("Enter the target as a number, like 80.")])
    unit = StringField("Unit (optional)", description="For example “%” or “people”.",
                       validators=[Optional(), SingleLine(), Length(max=40, message="Use 40 characters or fewer.")])
    direction = RadioField("The target is met when the measurement is", default="higher",
                           choices=[("higher", "at or above the target"), ("lower", "at or below the target")],
                           validators=[InputRequired("Choose when the target is met.")])


def _id_or_none(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class PersonForm(FlaskForm):
    part = RadioField("What they did", choices=list(MEASURE_PARTS.items()),
                      validators=[InputRequired("Choose whether they designed the measure or monitor it.")])
    member_id = SelectField("A member of the group", coerce=_id_or_none, choices=[])
    name = StringField("Or the name of someone without an account", validators=[
        Optional(), SingleLine(), Length(max=120, message="Use 120 characters or fewer.")])
    stakeholder_type = SelectField("Which best describes them (for someone without an account)",
                                   choices=[("", "Choose one")] + list(STAKEHOLDER_TYPES.items()),
                                   validate_choice=False)  # the rule says which are allowed, in plain words


class MeasurementForm(FlaskForm):
    measured_on = PlainDateField("Date measured", validators=[InputRequired("Enter the date it was measured.")])
    value = NumberField("Measurement", validators=[InputRequired("Enter the measurement as a number.")])
    note = TextAreaField("Note (optional)", validators=[
        Optional(), Length(max=2000, message="Use 2,000 characters or fewer.")])
