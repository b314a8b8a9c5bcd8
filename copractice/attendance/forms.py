"""Forms for registers, check-in, apologies, online reports, certificates and report filters."""
from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import MultiDict
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from copractice.attendance.models import MARKS
from copractice.forms import SingleLine
from copractice.members.models import AREAS, STAKEHOLDER_TYPES


class MarkForm(FlaskForm):
    remark = StringField("Remark (optional)", validators=[SingleLine(), Optional(), Length(max=500)])


def _member_id(text):
    """A member id from a button's value or a field's name, or None if it is not one."""
    return int(text) if text and text.isascii() and text.isdigit() and len(text) < 10 else None


class RegisterForm(FlaskForm):
    """The whole register is one form with one CSRF token.

    Each mark button is named for its mark and holds the person's id (``present=42``). Each remark
    box is ``remark-42``; ``was-42`` holds the remark the page showed, so only remarks someone changed
    are saved when Enter is pressed in a box (the form's first button, ``save``, which keeps the marks).
    """

    def pressed(self):
        """(status, member_id) of the mark button pressed, or None when none was (or the request is odd)."""
        found = [(status, _member_id(request.form.get(status))) for status in MARKS if status in request.form]
        return found[0] if len(found) == 1 and found[0][1] is not None else None

    @staticmethod
    def _remark(value):
        """(valid, cleaned remark) checked as the single mark form checks it; None means no box was sent."""
        if value is None:
            return True, None
        form = MarkForm(formdata=MultiDict([("remark", value)]), meta={"csrf": False})
        return form.validate(), form.remark.data

    def remark_of(self, member_id):
        return self._remark(request.form.get(f"remark-{member_id}"))

    def changed_remarks(self):
        """({member_id: remark} for the boxes whose text differs from what the page showed, valid)."""
        changed, valid = {}, True
        for name, value in request.form.items():
            member_id = _member_id(name.removeprefix("remark-")) if name.startswith("remark-") else None
            if member_id is None or value == request.form.get(f"was-{member_id}", ""):
                continue
            ok, remark = self._remark(value)
            valid = valid and ok
            changed[member_id] = remark
        return changed, valid


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
