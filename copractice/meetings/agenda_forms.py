"""Forms of agendas, papers, minutes, actions and the "you said, we did" log."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from copractice.forms import SingleLine
from copractice.meetings.agenda import MAX_MINUTES
from copractice.meetings.agenda_models import ACTION_STATUSES
from copractice.meetings.log import MAX_TEXT


def _id_or_none(value):
    """A chosen id from a list, or None for "nobody" / "none" (an empty choice)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not one of the choices: the list's own check says so


class WholeNumberField(IntegerField):
    """A whole number, with a plain-English message when it is not one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a whole number of minutes, like 20.") from None


class ItemForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired("Enter the item's title."), SingleLine(),
                                             Length(max=200, message="Use 200 characters or fewer.")])
    description = TextAreaField("What it is about (optional)", validators=[
        Optional(), Length(max=2000, message="Use 2,000 characters or fewer.")])
    lead_id = SelectField("Who leads it (optional)", coerce=_id_or_none, choices=[], validate_choice=True)
    minutes_allotted = WholeNumberField("Minutes for this item (optional)", validators=[
        Optional(), NumberRange(1, MAX_MINUTES, f"Enter a number of minutes from 1 to {MAX_MINUTES}.")],
        description="The agenda shows when each item starts from the minutes of the items before it.")


class PaperForm(FlaskForm):
    title = StringField("Title of the paper (optional)", description="Leave empty to use the resource's title or "
                        "the file's name.", validators=[Optional(), SingleLine(), Length(max=250)])
    resource_id = SelectField("A resource from the library", coerce=_id_or_none, choices=[])
    file = FileField("Or upload a file", description="PDF, Word, PowerPoint, Excel, OpenDocument text, PNG or JPEG.")
    easy_read_id = SelectField("Easy Read version (optional)", coerce=_id_or_none, choices=[],
                               description="An Easy Read resource from the library. A library resource's own Easy "
                                           "Read version is shown without choosing it here.")

    def has_file(self):
        return bool(self.file.data and getattr(self.file.data, "filename", ""))

    def validate_resource_id(self, field):
        if field.data is None and not self.has_file():
            raise ValidationError("Choose a resource from the library or upload a file.")
        if field.data is not None and self.has_file():
            raise ValidationError("Choose a resource or upload a file, not both.")


class MinutesForm(FlaskForm):
    minutes = TextAreaField("Minutes", description="What was said about this item.", validators=[
        Optional(), Length(max=10000, message="Use 10,000 characters or fewer.")])
    decision = TextAreaField("A decision made (optional)", validators=[
        Optional(), Length(max=2000, message="Use 2,000 characters or fewer.")])
    action = TextAreaField("An action agreed (optional)", description="What someone will do.", validators=[
        Optional(), Length(max=2000, message="Use 2,000 characters or fewer.")])
    owner_id = SelectField("Who will do it", coerce=_id_or_none, choices=[])
    due_on = DateField("Due by (optional)", validators=[Optional()],
                       description="The owner is reminded a few days before.")

    def validate_owner_id(self, field):
        if (self.action.data or "").strip() and field.data is None:
            raise ValidationError("Choose who will do the action.")


class ActionStatusForm(FlaskForm):
    status = SelectField("Status", choices=list(ACTION_STATUSES.items()),
                         validators=[InputRequired("Choose a status.")])


class LogEntryForm(FlaskForm):
    you_said = TextAreaField("You said", description="What members raised.", validators=[
        InputRequired("Write what members said."), Length(max=MAX_TEXT, message="Use 2,000 characters or fewer.")])
    we_did = TextAreaField("We did", description="What changed because of it.", validators=[
        InputRequired("Write what was done because of it."),
        Length(max=MAX_TEXT, message="Use 2,000 characters or fewer.")])
    meeting_id = SelectField("Meeting where it was raised (optional)", coerce=_id_or_none, choices=[])
    changed_on = DateField("When it changed (optional)", validators=[Optional()])
