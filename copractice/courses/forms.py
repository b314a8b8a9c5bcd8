"""Forms for finding, running and joining courses."""
import functools

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import Select

from copractice.courses.models import FORMATS, LEVELS, STATUSES
from copractice.forms import CheckboxesField, SingleLine
from copractice.members.models import STAKEHOLDER_TYPES


class KeptSelect(Select):
    """wtforms' ``<select>``, its HTML kept per field, choices, value and attributes (the same few on every
    catalogue request: building their options' markup was about half of the page's template time)."""

    _kept = {}

    def __call__(self, field, **kwargs):
        key = (field.id, field.name, repr(field.choices), repr(field.data), repr(field.flags),
               repr(sorted(kwargs.items())))
        html = self._kept.get(key)
        if html is None:
            if len(self._kept) > 500:  # a bound, whatever values people type into the address
                self._kept.clear()
            html = self._kept[key] = super().__call__(field, **kwargs)
        return html


class CatalogueForm(FlaskForm):
    """Search and filters for the catalogue (in the URL, so a search can be shared)."""

    class Meta:
        csrf = False

    q = StringField("Search courses", validators=[Optional(), Length(max=100)])
    theme = SelectField("Theme", choices=[], validators=[Optional()], widget=KeptSelect())
    format = SelectField("Format", choices=[("", "Any format")] + list(FORMATS.items()), validators=[Optional()],
                         widget=KeptSelect())
    audience = SelectField("Suitable for", choices=[("", "Anyone")] + list(STAKEHOLDER_TYPES.items()),
                           validators=[Optional()], widget=KeptSelect())
    has_places = BooleanField("Only show courses with places left")


def catalogue_form_class(filters):
    """CatalogueForm with a select for each plugin question that filters the catalogue (``extras.catalogue_filters``:
    [(plugin, input name, field, label)]), made once per set of questions."""
    return _catalogue_form_class(tuple((name, label, tuple(field.choices)) for _plugin, name, field, label in filters))


@functools.lru_cache(maxsize=32)
def _catalogue_form_class(selects):
    if not selects:
        return CatalogueForm
    attrs = {name: SelectField(label, choices=[("", "Any")] + list(choices), validators=[Optional()],
                               widget=KeptSelect()) for name, label, choices in selects}
    return type("CatalogueForm", (CatalogueForm,), attrs)


def course_form_class(extra_fields):
    """CourseForm with the questions enabled plugins add ({input name: unbound field}, ``extras.form_fields``)."""
    if not extra_fields:
        return CourseForm
    return type("CourseForm", (CourseForm,), dict(extra_fields))


class EmailList(TextAreaField):
    """Email addresses, one per line (or separated by commas)."""

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        self.data = [part.strip().lower() for part in text.replace(",", "\n").splitlines() if part.strip()]

    def _value(self):
        return "\n".join(self.data or [])


class CourseForm(FlaskForm):
    title = StringField("Course title", validators=[SingleLine(), DataRequired("Enter a title."), Length(max=200)])
    summary = TextAreaField("Summary", description="One or two sentences in plain English. Shown in the catalogue.",
                            validators=[DataRequired("Enter a summary."), Length(max=500)])
    description = TextAreaField("Full description (optional)",
                                description="You can use Markdown: **bold**, lists with -, and [links](https://…).",
                                validators=[Optional(), Length(max=20000)])
    theme_slug = SelectField("Theme", choices=[], validators=[DataRequired("Choose a theme.")])
    audience = CheckboxesField("Who is it for?", choices=list(STAKEHOLDER_TYPES.items()),
                               description="Leave all unticked if it is for everyone.")
    level = RadioField("Level", choices=list(LEVELS.items()), default="introductory",
                       validators=[DataRequired("Choose a level.")])
    format = RadioField("Format", choices=list(FORMATS.items()), default="in_person",
                        validators=[DataRequired("Choose a format.")])
    capacity = IntegerField("Number of places", default=20, validators=[
        InputRequired("Enter the number of places."), NumberRange(1, 10000, "Enter a number from 1 to 10,000.")])
    enrolment_opens_at = DateTimeLocalField("Enrolment opens (optional, UK time)", validators=[Optional()])
    enrolment_closes_at = DateTimeLocalField("Enrolment closes (optional, UK time)", validators=[Optional()])
    status = RadioField("Status", choices=list(STATUSES.items()), default="draft",
                        validators=[DataRequired("Choose a status.")])
    facilitators = EmailList("Facilitators' email addresses (optional)",
                             description="One per line. They must already have an account.")
    lived_experience = EmailList("Co-facilitators with lived experience (optional)",
                                 description="One per line. They are credited as co-facilitators with lived experience.")

    def validate_enrolment_closes_at(self, field):
        if field.data and self.enrolment_opens_at.data and field.data <= self.enrolment_opens_at.data:
            raise ValidationError("Enrolment must close after it opens.")


class SessionForm(FlaskForm):
    date = DateField("Date", validators=[DataRequired("Enter the date, for example 27 3 2026.")])
    start_time = TimeField("Start time (UK time)", validators=[DataRequired("Enter the start time.")])
    end_time = TimeField("End time (UK time)", validators=[DataRequired("Enter the end time.")])
    venue = StringField("Venue (optional)", validators=[SingleLine(), Optional(), Length(max=300)],
                        description="For example: Canterbury Innovation Centre, Room 2, CT2 7FG")
    online_link = URLField("Online joining link (optional)", validators=[
        Optional(), URL(message="Enter a full web address starting with https://"), Length(max=500)],
        description="Only people with a place see this.")
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)])
    repeat_weeks = IntegerField("How many weeks in a row?", default=1, validators=[
        Optional(), NumberRange(1, 52, "Enter a number from 1 to 52.")],
        description="1 for a single session. 6 makes six weekly sessions at the same time.")

    def validate_end_time(self, field):
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError("The end time must be after the start time.")


class ReasonForm(FlaskForm):
    reason = StringField("Reason (kept in the audit log)", validators=[SingleLine(), Optional(), Length(max=500)])


class ManualEnrolForm(ReasonForm):
    email = StringField("Member's email address", validators=[DataRequired("Enter their email address."),
                                                              Length(max=254)])


class MoveForm(ReasonForm):
    direction = HiddenField(validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token: for one-button actions."""
