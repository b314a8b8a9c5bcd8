"""The community's forms: spaces, the people who run them, topics, replies and what leads do to topics."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from copractice.community import posting
from copractice.community.models import SPACE_ROLES, SPACE_VISIBILITY, TOPIC_KINDS
from copractice.errors import Refused
from copractice.forms import CheckboxesField, SingleLine

SLUG_HINT = "Lower-case letters, numbers and hyphens, like regional-forum. It is the end of the space's web address."


def _text(max_length, message="Remove characters that cannot be shown, such as hidden control characters."):
    """Long free text: no NUL (U+FFFD after copractice.inputs) or control characters other than line breaks."""

    def check(form, field):
        value = field.data or ""
        if len(value) > max_length:
            raise ValidationError(f"Keep this to {max_length:,} characters or fewer.")
        if "\ufffd" in value or any(ord(c) < 32 and c not in "\r\n\t" for c in value):
            raise ValidationError(message)

    return check


class SpaceForm(FlaskForm):
    name = StringField("Name", validators=[SingleLine(), DataRequired("Enter a name."), Length(max=120)])
    slug = StringField("Web address", description=SLUG_HINT,
                       validators=[SingleLine(), DataRequired("Enter a web address for the space."), Length(max=80),
                                   Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=SLUG_HINT)])
    description = TextAreaField("Description (optional)", description="What the space is for. You can use Markdown.",
                                validators=[Optional(), _text(5000)])
    guidelines = TextAreaField("Guidelines (optional)",
                               description="Shown to each member before their first post in the space.",
                               validators=[Optional(), _text(10_000)])
    visibility = RadioField("Who can read it", choices=list(SPACE_VISIBILITY.items()), default="members",
                            validators=[DataRequired("Choose who can read the space.")])
    young_people = BooleanField("Suitable for young people under 18 to post in")
    safeguarding_lead = StringField("Safeguarding lead's email address (optional)",
                                    description="Safeguarding reports go to them at once. Leave empty to send them "
                                                "to the space's leads.",
                                    validators=[Optional(), SingleLine(), Length(max=254),
                                                Email("Enter an email address, like name@example.org.")])


class EditSpaceForm(SpaceForm):
    slug = None  # a space's address does not change: links to it keep working


class PersonForm(FlaskForm):
    email = StringField("Their email address", validators=[SingleLine(), DataRequired("Enter their email address."),
                                                           Length(max=254)])
    role = RadioField("Their part in the space", choices=list(SPACE_ROLES.items()),
                      validators=[DataRequired("Choose their part in the space.")])


def _valid(check):
    def validate(form, field):
        try:
            check(field.data)
        except Refused as refused:
            raise ValidationError(str(refused)) from None

    return validate


class _Guidelines:
    """Ticked to say the space's guidelines were read: asked only before a member's first post in a space."""

    def validate_agree(self, field):
        if getattr(self, "needs_agreement", False) and not field.data:
            raise ValidationError("Tick the box to say you have read the space's guidelines.")


class TopicForm(_Guidelines, FlaskForm):
    title = StringField("Title", validators=[Length(max=posting.TITLE_MAX, message="Keep the title to 200 characters "
                                                                                     "or fewer."),
                                             _valid(posting.check_title)])
    kind = RadioField("What kind of topic is it?", default="discussion",
                      validators=[DataRequired("Choose what kind of topic it is.")])
    body = TextAreaField("Your post", description="You can use Markdown: *italic*, **bold**, - lists, [links](https://…).",
                         validators=[_valid(posting.check_body)])
    agree = BooleanField("I have read the guidelines")


class ReplyForm(_Guidelines, FlaskForm):
    body = TextAreaField("Your reply", validators=[_valid(posting.check_body)])
    quote_of = HiddenField()
    agree = BooleanField("I have read the guidelines")


class EditPostForm(FlaskForm):
    title = StringField("Title", validators=[_valid(posting.check_title)])  # a topic's first post only
    body = TextAreaField("Your post", validators=[_valid(posting.check_body)])


class MoveForm(FlaskForm):
    space = SelectField("Move it to", choices=[], validators=[DataRequired("Choose a space.")])


class SplitForm(FlaskForm):
    title = StringField("Title of the new topic", validators=[_valid(posting.check_title)])
    posts = CheckboxesField("Replies to move", choices=[], coerce=int,
                            validators=[DataRequired("Choose one or more replies to move.")])


KIND_HINTS = {"discussion": "Talk something through with others.",
              "question": "Ask something: you can mark the reply that answers it.",
              "announcement": "News for everyone in the space (leads only)."}
KIND_CHOICES = list(TOPIC_KINDS.items())
