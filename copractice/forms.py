"""Form pieces shared across areas."""
import unicodedata

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


# Characters that break a line or hide in it: control characters (tab, carriage return, line feed,
# vertical tab, form feed and the rest), the Unicode line and paragraph separators (U+2028, U+2029,
# easy to paste from a word processor) and the marks that silently reverse text direction.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _breaks_line(char):
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS


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
