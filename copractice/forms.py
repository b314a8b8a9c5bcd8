"""Form pieces shared across areas."""
from wtforms import SelectMultipleField, widgets
from wtforms.validators import ValidationError


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (pick any)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class NewPassword:
    """At least 8 characters and not the email address (NCSC: length over complexity)."""

    def __init__(self, email_field="email"):
        self.email_field = email_field

    def __call__(self, form, field):
        value = field.data or ""
        if len(value) < 8:
            raise ValidationError("Your password must be at least 8 characters long.")
        if len(value) > 256:
            raise ValidationError("Your password must be 256 characters or fewer.")
        email = getattr(form, self.email_field, None)
        if email is not None and email.data and value.strip().lower() == email.data.strip().lower():
            raise ValidationError("Your password must not be your email address.")
