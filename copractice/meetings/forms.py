"""Forms for groups and their meetings: setting them up, invitations and roles, answering, the register."""
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from copractice.forms import CheckboxesField, SingleLine
from copractice.meetings.meeting_models import RSVP_ANSWERS
from copractice.meetings.models import GROUP_JOINING, GROUP_ROLES
from copractice.members.models import ACCESS_NEEDS


class GroupForm(FlaskForm):
    name = StringField("Name of the group", validators=[SingleLine(), DataRequired("Enter the group's name."),
                                                        Length(max=200)])
    kind = SelectField("Kind of group", choices=[], validators=[DataRequired("Choose a kind of group.")])
    theme_slug = SelectField("Theme", choices=[], validators=[Optional()],
                             description="A theme's lead can run its groups too.")
    joining = RadioField("How people join", choices=list(GROUP_JOINING.items()), default="invite",
                         validators=[DataRequired("Choose how people join.")])
    description = TextAreaField("What the group is for (optional)",
                                description="You can use Markdown: **bold**, lists with -, and [links](https://…).",
                                validators=[Optional(), Length(max=10000)])


class InviteForm(FlaskForm):
    email = StringField("Email address of the member to invite", description="They must already have an account.",
                        validators=[DataRequired("Enter their email address."), Length(max=254)])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=list(GROUP_ROLES.items()), validators=[DataRequired("Choose a role.")])


class MeetingForm(FlaskForm):
    title = StringField("Title", description="For example: Regional forum, spring meeting",
                        validators=[SingleLine(), DataRequired("Enter a title."), Length(max=200)])
    date = DateField("Date", validators=[DataRequired("Enter the date, for example 27 3 2026.")])
    start_time = TimeField("Start time (UK time)", validators=[DataRequired("Enter the start time.")])
    end_time = TimeField("End time (UK time)", validators=[DataRequired("Enter the end time.")])
    venue = StringField("Place (optional)", validators=[SingleLine(), Optional(), Length(max=300)],
                        description="For example: Canterbury Innovation Centre, Room 2, CT2 7FG")
    joining_details = TextAreaField("How to join online or by phone (optional)", validators=[
        Optional(), Length(max=2000)], description="Only the group's members see this.")
    papers_days_before = IntegerField("Send the papers this many days before", default=7, validators=[
        InputRequired("Enter a number of days, from 0 to 60."), NumberRange(0, 60, "Enter a number from 0 to 60.")])

    def validate_end_time(self, field):
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError("The end time must be after the start time.")

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Both are optional on their own (Optional stops their validators), so the pair is checked here.
        if not (self.joining_details.data or "").strip() and not (self.venue.data or "").strip():
            self.joining_details.errors = [*self.joining_details.errors, "Give a place, joining details, or both."]
            return False
        return valid


class RsvpForm(FlaskForm):
    answer = RadioField("Are you coming?", choices=list(RSVP_ANSWERS.items()),
                        validators=[InputRequired("Choose coming, maybe or not coming.")])
    access_needs = CheckboxesField("Your access and support needs (optional)", choices=list(ACCESS_NEEDS.items()),
                                   description="These are kept on your profile. The chair and secretary see them "
                                               "to plan the meeting.")
    access_needs_note = TextAreaField("Anything else we should know to support you (optional)",
                                      validators=[Optional(), Length(max=1000)])
