"""The survey builder's forms (issue 16 point 1). The answering page's questions are built from the survey itself
(copractice/measurement/surveys.py ``read_answers``); its form here carries only the CSRF token and the proxy tick."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from copractice.forms import SingleLine
from copractice.measurement.surveys_models import QUESTION_KINDS, SURVEY_KINDS, SURVEY_STATUSES, TAGS


class AnswerForm(FlaskForm):
    by_proxy = BooleanField("I am a carer or supporter answering with or for the member")


class NewSurveyForm(FlaskForm):
    template = RadioField("Start from", choices=[], default="", validators=[Optional()])
    title = StringField("Title (for a blank survey)", validators=[SingleLine(), Optional(), Length(max=200)])
    kind = SelectField("Kind of survey", choices=list(SURVEY_KINDS.items()), default="custom")
    theme_slug = SelectField("Theme", choices=[], validators=[Optional()])
    anonymous = BooleanField("Anonymous: the answers do not say who gave them")


class SectionForm(FlaskForm):
    section_title = StringField("Section title", validators=[SingleLine(), DataRequired("Enter a section title."),
                                                             Length(max=200, message="Use 200 characters or fewer.")])
    section_intro = TextAreaField("Introduction (optional)", validators=[Optional(), Length(max=2000)])


class QuestionForm(FlaskForm):
    section = SelectField("Section", choices=[], coerce=int, validators=[DataRequired("Choose a section.")])
    kind = RadioField("Kind of question", choices=list(QUESTION_KINDS.items()),
                      validators=[DataRequired("Choose what kind of question it is.")])
    text = StringField("Question", validators=[SingleLine(), DataRequired("Enter the question."),
                                               Length(max=500, message="Use 500 characters or fewer.")])
    easy_read = StringField("Easy Read wording (optional)", description="Short, plain words shown beside the "
                            "question.", validators=[SingleLine(), Optional(), Length(max=500)])
    hint = StringField("Hint (optional)", validators=[SingleLine(), Optional(), Length(max=500)])
    required = BooleanField("People must answer this question")
    options = TextAreaField("Answers to choose from", description="For pick one and pick any: one answer a line. "
                            "For a training need add | and the word a course must have to meet it, like "
                            "'Chairing meetings | chairing'.", validators=[Optional(), Length(max=4000)])
    tag = SelectField("Tag (optional)", choices=[("", "No tag")] + list(TAGS.items()), validators=[Optional()])
    show_if = SelectField("Ask only after this answer to an earlier question (optional)", choices=[],
                          validators=[Optional()])


class StatusForm(FlaskForm):
    status = RadioField("Status", choices=list(SURVEY_STATUSES.items()), validators=[DataRequired("Choose one.")])


class ResultsFilterForm(FlaskForm):
    class Meta:
        csrf = False

    area = SelectField("Area", choices=[], validators=[Optional()])
    stakeholder_type = SelectField("Stakeholder type", choices=[], validators=[Optional()])
    theme = SelectField("Theme", choices=[], validators=[Optional()])
