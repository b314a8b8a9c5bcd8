"""Forms of the impact log, the projects' GRIPP2 records, the yearly report's picker and equality monitoring."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from copractice.community.moderation_forms import PlainDateField
from copractice.forms import SingleLine
from copractice.measurement.equality_models import QUESTIONS, answers_of
from copractice.measurement.impact_models import GRIPP2_ITEMS, PRINCIPLES, UK_STANDARDS


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class EntryForm(FlaskForm):
    theme_slug = SelectField("Theme", choices=[], validators=[DataRequired("Choose a theme.")])
    what_changed = TextAreaField("What changed?", validators=[
        DataRequired("Write what changed."), Length(max=4000, message="Use 4,000 characters or fewer.")])
    for_whom = StringField("Who did it change things for?", description="For example: carers of people with "
                           "dementia in Medway.", validators=[SingleLine(), DataRequired("Write who it changed "
                                                                                           "things for."),
                                                              Length(max=500, message="Use 500 characters or fewer.")])
    happened_on = PlainDateField("When did it change?", validators=[DataRequired("Enter the date it changed.")])
    evidence = TextAreaField("Evidence (optional)", description="How do you know? For example: a report, feedback, "
                             "figures.", validators=[Optional(), Length(max=4000, message="Use 4,000 characters "
                                                                                             "or fewer.")])
    evidence_link = StringField("Link to the evidence (optional)", validators=[SingleLine(), Optional(),
                                                                               Length(max=500)])
    contributors = TextAreaField("Who contributed? (optional)", description="Members' email addresses, one on "
                                 "each line.", validators=[Optional(), Length(max=4000)])
    principle = SelectField("Which principle of co-production does it show? (optional)",
                            choices=[("", "None")] + list(PRINCIPLES.items()), validators=[Optional()])
    standard = SelectField("Which UK Standard for Public Involvement? (optional)",
                           choices=[("", "None")] + list(UK_STANDARDS.items()), validators=[Optional()])
    decision_id = SelectField("A meeting's decision it came from (optional)", choices=[], coerce=_optional_int,
                              validate_choice=False, validators=[Optional()])
    said_we_did_id = SelectField("A \"you said, we did\" entry it came from (optional)", choices=[],
                                 coerce=_optional_int, validate_choice=False, validators=[Optional()])


class ProjectForm(FlaskForm):
    name = StringField("Project name", validators=[SingleLine(), DataRequired("Enter the project's name."),
                                                   Length(max=200, message="Use 200 characters or fewer.")])
    theme_slug = SelectField("Theme", choices=[], validators=[DataRequired("Choose a theme.")])
    leads = TextAreaField("Project leads (optional)", description="Members' email addresses, one on each line. "
                          "Leads can fill in this record.", validators=[Optional(), Length(max=4000)])
    aim = TextAreaField(GRIPP2_ITEMS["aim"][0], description=GRIPP2_ITEMS["aim"][1], validators=[Optional()])
    methods = TextAreaField(GRIPP2_ITEMS["methods"][0], description=GRIPP2_ITEMS["methods"][1],
                            validators=[Optional()])
    results = TextAreaField(GRIPP2_ITEMS["results"][0], description=GRIPP2_ITEMS["results"][1],
                            validators=[Optional()])
    outcomes = TextAreaField(GRIPP2_ITEMS["outcomes"][0], description=GRIPP2_ITEMS["outcomes"][1],
                             validators=[Optional()])
    reflection = TextAreaField(GRIPP2_ITEMS["reflection"][0], description=GRIPP2_ITEMS["reflection"][1],
                               validators=[Optional()])


class ReportForm(FlaskForm):
    """The yearly report's picker (a GET form: no token)."""

    class Meta:
        csrf = False

    theme = SelectField("Theme", choices=[], validators=[Optional()])
    year = IntegerField("Year", validators=[Optional(), NumberRange(min=2000, max=2100)])


class EqualityForm(FlaskForm):
    consent = BooleanField("I agree to the site keeping my answers to these questions",
                           description="You can take this back at any time: your answers are then deleted.")


def _add_questions():
    for question, (label, hint, _choices) in QUESTIONS.items():
        setattr(EqualityForm, question, RadioField(
            f"{label} (optional)", description=hint, choices=list(answers_of(question).items()),
            validators=[Optional()], validate_choice=True))


_add_questions()
