"""The one base error for refusals: a rule of the site says no, and the person is told why.

Operations raise a subclass of ``Refused`` with a plain-English message that says what to do; they refuse
before they write, or undo their own writes (``@savepoint``). Views turn it into a message through
``copractice.web.attempt`` (flashed, or beside the field it is about).
"""


class Refused(Exception):
    """A rule says no. ``str(refused)`` is the message for the person."""

    @property
    def message(self):
        return str(self)
