"""Form pieces shared across areas."""
import unicodedata

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


# Characters that break a line or hide in it: control characters (tab, carriage return, line feed,
# vertical tab, form feed and the rest), the Unicode line and paragraph separators (U+2028, U+2029,
# easy to paste from a word processor) and the marks that silently reverse text direction.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# U+FFFD stands for a character that could not be read: bytes that are not UTF-8, or a NUL byte
# (copractice.inputs swaps it in so the field, not the database, refuses it).
_UNREADABLE = "\ufffd"


def _breaks_line(char):
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS or char == _UNREADABLE


def has_line_breaking(text):
    """True when ``text`` holds a character a single-line value must not have."""
    return any(_breaks_line(char) for char in text or "")


def one_line(text):
    """``text`` on one line: each line-breaking or hidden character becomes a space, runs of spaces one."""
    return " ".join("".join(" " if _breaks_line(char) else char for char in text or "").split())


class SingleLine:
    """A single-line field (a title, a name, an organisation) refuses line breaks and hidden characters.

    They come in unseen when text is pasted from another document, and they break the emails that
    carry the value (a course title is an email's subject)."""

    message = ("Use a single line of text: remove any line breaks, tabs or hidden characters. "
               "These can come in when text is copied from another document.")

    def __init__(self, message=None):
        if message:
            self.message = message

    def __call__(self, form, field):
        if isinstance(field.data, str) and has_line_breaking(field.data):
            raise ValidationError(self.message)
