"""Forms for registers, check-in, apologies, online reports, certificates and report filters."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from copractice.members.models import AREAS, STAKEHOLDER_TYPES
from copractice.forms import SingleLine


class MarkForm(FlaskForm):
    remark = StringField("Remark (optional)", validators=[SingleLine(), Optional(), Length(max=500)])


class WalkInForm(FlaskForm):
    email = StringField("Email address of the person who came", validators=[
        DataRequired("Enter their email address."), Length(max=254)])


class CheckinForm(FlaskForm):
    code = StringField("Check-in code", description="The 6 numbers shown on the screen in the room.",
                       validators=[DataRequired("Enter the 6-number code from the screen."), Length(max=20)])


class ApologyForm(FlaskForm):
    reason = StringField("Reason (optional)", description="You do not have to give a reason.",
                         validators=[SingleLine(), Optional(), Length(max=300)])


class ImportForm(FlaskForm):
    report = FileField("Participant report (CSV file)", validators=[FileRequired("Choose the CSV file to upload.")],
                       description="Download it after the session: from Zoom, the participant report; from "
                                   "Microsoft Teams, the attendance report. Any other CSV file needs email "
                                   "addresses or names and minutes attended.")
    min_minutes = IntegerField("Present if they stayed at least this many minutes", default=60,
                               validators=[DataRequired("Enter a number of minutes."),
                                           NumberRange(1, 1440, "Enter a number from 1 to 1,440.")])


class RevokeForm(FlaskForm):
    reason = StringField("Reason", validators=[SingleLine(), DataRequired("Say why the certificate is revoked."), Length(max=500)])


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
    theme = SelectField("Theme", choices=[], validators=[Optional()])
    course = SelectField("Course", choices=[], validators=[Optional()])
    stakeholder_type = SelectField("Describes themselves as", choices=[("", "Anyone")] + list(STAKEHOLDER_TYPES.items()),
                                   validators=[Optional()])
    area = SelectField("Area", choices=[("", "Any area")] + list(AREAS.items()), validators=[Optional()])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The end date must be on or after the start date.")
