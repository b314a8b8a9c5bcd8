"""Forms for registration, login, passwords, profile and consents."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from copractice.forms import CheckboxesField, NewPassword, SingleLine
from copractice.members.models import ACCESS_NEEDS, AREAS, CONSENTS, STAKEHOLDER_TYPES

AREA_CHOICES = [("", "Choose your county or area")] + list(AREAS.items())


class ProfileFieldsMixin:
    """Profile details a member gives at registration and can change later."""

    name = StringField("Full name", validators=[SingleLine(), DataRequired("Enter your full name."), Length(max=120)])
    stakeholder_type = RadioField(
        "Which of these best describes you?",
        choices=list(STAKEHOLDER_TYPES.items()),
        validators=[DataRequired("Choose which best describes you.")],
    )
    organisation = StringField("Organisation (optional)", validators=[SingleLine(), Optional(), Length(max=200)])
    area = SelectField("County or area", choices=AREA_CHOICES,
                       validators=[DataRequired("Choose your county or area.")])
    access_needs = CheckboxesField("Access and support needs (optional)", choices=list(ACCESS_NEEDS.items()))
    access_needs_note = TextAreaField("Anything else we should know to support you (optional)",
                                      validators=[Optional(), Length(max=1000)])


class ConsentFieldsMixin:
    research_contact = BooleanField(CONSENTS["research_contact"])
    directory = BooleanField(CONSENTS["directory"])
    lived_experience = BooleanField(CONSENTS["lived_experience"])


class RegisterForm(ProfileFieldsMixin, ConsentFieldsMixin, FlaskForm):
    email = EmailField("Email address", validators=[
        DataRequired("Enter your email address."),
        Email("Enter an email address in the right format, like name@example.com."),
        Length(max=254),
    ])
    password = PasswordField("Create a password", validators=[DataRequired("Create a password."), NewPassword()])
    confirm = PasswordField("Type your password again", validators=[
        DataRequired("Type your password again."),
        EqualTo("password", "The two passwords do not match."),
    ])
    # Issue 14 point 4: young people post only in spaces for young people, their posts wait for a moderator,
    # and they are never in the directory. Not answering counts as 18 or over (a theme plugin may know better).
    under_18 = RadioField("Are you under 18?", choices=[("no", "No, I am 18 or over"), ("yes", "Yes, I am under 18")],
                          validators=[Optional()])


class ProfileForm(ProfileFieldsMixin, FlaskForm):
    pass


class ConsentForm(ConsentFieldsMixin, FlaskForm):
    pass


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=256)])
    remember = BooleanField("Keep me logged in on this device")


class EmailForm(FlaskForm):
    email = EmailField("Email address", validators=[
        DataRequired("Enter your email address."),
        Email("Enter an email address in the right format, like name@example.com."),
        Length(max=254),
    ])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Create a new password."), NewPassword()])
    confirm = PasswordField("Type your new password again", validators=[
        DataRequired("Type your new password again."),
        EqualTo("password", "The two passwords do not match."),
    ])


class ChangePasswordForm(ResetPasswordForm):
    current = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired("Enter your password to confirm.")])
    confirm = BooleanField("I understand my account and personal details will be deleted",
                           validators=[DataRequired("Tick the box to confirm you want to delete your account.")])


def with_plugin_questions(form_class, fields):
    """A subclass of ``form_class`` with one field per plugin profile question.

    ``fields`` is [(plugin_name, ProfileField)]; each becomes ``q__<plugin>__<name>``.
    """
    attrs = {}
    for plugin, question in fields:
        validators = [DataRequired(f"Answer: {question.label}")] if question.required else [Optional()]
        key = f"q__{plugin}__{question.name}"
        if question.choices:
            choices = list(question.choices)
            if not question.required:
                choices = [("", "Prefer not to say")] + choices
            attrs[key] = SelectField(question.label, choices=choices, validators=validators,
                                     description=question.hint)
        else:
            attrs[key] = StringField(question.label, validators=validators + [Length(max=500)],
                                     description=question.hint)
    if not attrs:
        return form_class
    return type(form_class.__name__, (form_class,), attrs)


def plugin_answers_from(form):
    """Return {(plugin, field): value} from a form built by with_plugin_questions."""
    answers = {}
    for field in form:
        if field.name.startswith("q__"):
            _, plugin, name = field.name.split("__", 2)
            answers[(plugin, name)] = field.data
    return answers
