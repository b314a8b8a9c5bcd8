"""Form pieces shared across areas."""
from wtforms import SelectMultipleField, widgets
from wtforms.validators import ValidationError


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (pick any)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class NewPassword:
    """A password worth having (copractice.passwords): long enough, not common, not the email address.

    No composition rules (NCSC, NIST 800-63B): length and a check against common passwords.
    """

    def __init__(self, email_field="email", name_field="name"):
        self.email_field = email_field
        self.name_field = name_field

    def __call__(self, form, field):
        from flask_login import current_user

        from copractice.passwords import password_problem

        value = field.data or ""
        email = getattr(form, self.email_field, None)
        email = email.data if email is not None else None
        name = getattr(form, self.name_field, None)
        name = name.data if name is not None else None
        if current_user and current_user.is_authenticated:
            email, name = email or current_user.email, name or current_user.name
        if email and value.strip().lower() == email.strip().lower():
            raise ValidationError("Your password must not be your email address.")
        problem = password_problem(value, user_inputs=[email, name] + (email.split("@") if email else []))
        if problem:
            raise ValidationError(problem)
