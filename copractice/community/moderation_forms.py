"""Forms of the community's safety pages: flagging a post, moderators' reasons, stopping a member posting."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from copractice.community.safety_models import FLAG_REASONS


class ConfirmForm(FlaskForm):
    """Only the CSRF token: for one-button steps (publish, show again, let post again)."""


class FlagForm(FlaskForm):
    reason = RadioField("Why are you flagging this post?", choices=list(FLAG_REASONS.items()),
                        validators=[InputRequired("Choose why you are flagging this post.")])
    note = TextAreaField("Anything else the moderators should know? (optional)",
                         description="Only the moderators, and for a safeguarding concern the safeguarding lead, "
                                     "will read this.",
                         validators=[Optional(), Length(max=2000, message="Keep it under 2,000 characters.")])


class ReasonForm(FlaskForm):
    reason = TextAreaField("Why?", description="The person who wrote the post will see this.",
                           validators=[DataRequired("Say why: the person who wrote the post will see this."),
                                       Length(max=1000, message="Keep it under 1,000 characters.")])


class ResolveForm(FlaskForm):
    outcome = TextAreaField("What did you do? (optional)", description="Kept in the moderation log.",
                            validators=[Optional(), Length(max=1000, message="Keep it under 1,000 characters.")])


class PlainDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a real date, for example 31/12/2026, or leave it empty.") from None


class StopForm(FlaskForm):
    reason = TextAreaField("Why?", description="They will see this.",
                           validators=[DataRequired("Say why: the member will see this."),
                                       Length(max=1000, message="Keep it under 1,000 characters.")])
    until = PlainDateField("Until (optional)", description="Leave it empty to stop them until you let them post "
                                                          "again.", validators=[Optional()])
    everywhere = BooleanField("Stop them posting in every space, not only this one")


class Under18Form(FlaskForm):
    under_18 = RadioField("Is this member under 18?", choices=[("yes", "Yes"), ("no", "No")],
                          validators=[InputRequired("Choose yes or no.")])
