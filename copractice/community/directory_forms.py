"""Forms of the member directory: a member's own entry, and the search (a GET form without a token)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from copractice.community.directory import MAX_TAGS, SUGGESTED_LIVED, EntryInvalid, parse_tags
from copractice.courses.extras import form_fields
from copractice.forms import CheckboxesField, SingleLine
from copractice.members.models import AREAS, CONSENTS, STAKEHOLDER_TYPES


class Tags:
    """A list of tags separated by commas: each short, on one line, no more than MAX_TAGS (directory.parse_tags)."""

    def __call__(self, form, field):
        try:
            parse_tags(field.data or "", field_name=field.name)
        except EntryInvalid as exc:
            raise ValidationError(str(exc)) from None


class EntryForm(FlaskForm):
    listed = BooleanField(CONSENTS["directory"])
    expertise = StringField(
        "Your expertise (optional)",
        description=f"Up to {MAX_TAGS} short tags, separated by commas. For example: patient involvement, "
                    "qualitative research, easy read.",
        validators=[SingleLine(), Optional(), Length(max=1000), Tags()])
    themes = CheckboxesField("Themes you work in (optional)", choices=[])
    open_to_mentoring = BooleanField("I am open to mentoring other members")
    show_lived = BooleanField(CONSENTS["lived_experience"])
    lived_suggested = CheckboxesField("Your lived experience (optional)",
                                      choices=[(label, label) for label in SUGGESTED_LIVED])
    lived_other = StringField(
        "Other lived experience, in your own words (optional)",
        description="Separate each with a comma.",
        validators=[SingleLine(), Optional(), Length(max=1000), Tags()])

    def lived_tags(self):
        """The ticked suggestions and the member's own words, as one list."""
        own = [part for part in (self.lived_other.data or "").split(",") if part.strip()]
        return list(self.lived_suggested.data or []) + own

    def validate_lived_other(self, field):
        try:
            parse_tags(self.lived_tags(), field_name=field.name)
        except EntryInvalid as exc:
            raise ValidationError(str(exc)) from None


def entry_form_class(questions, answers):
    """EntryForm with the fields enabled plugins add (``copractice_directory_fields``), showing ``answers``."""
    extra = form_fields(questions, answers)
    if not extra:
        return EntryForm
    return type("EntryForm", (EntryForm,), dict(extra))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a search changes nothing: its address can be bookmarked and shared

    q = StringField("Search by name, organisation or tag", validators=[SingleLine(), Optional(), Length(max=100)])
    area = SelectField("Area", choices=[("", "Any area")] + list(AREAS.items()), validators=[Optional()])
    stakeholder = SelectField("Describes themselves as", choices=[("", "Anyone")] + list(STAKEHOLDER_TYPES.items()),
                              validators=[Optional()])
    theme = SelectField("Theme", choices=[], validators=[Optional()])
    expertise = StringField("Expertise", validators=[SingleLine(), Optional(), Length(max=64)])
    lived = StringField("Lived experience", validators=[SingleLine(), Optional(), Length(max=64)])
    mentoring = BooleanField("Only people open to mentoring", false_values=("", "no", "false"))
