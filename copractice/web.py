"""The one view helper for "run this rule, say how it went": a refusal becomes a message, never an error page."""
from flask import flash

from copractice.errors import Refused


def attempt(step, done=None, *, form=None, field=None):
    """Run ``step()`` for a view. Returns ``(True, result)``, or ``(False, None)`` when a rule refused.

    A refusal (``copractice.errors.Refused``) is shown beside ``field`` of ``form`` when given, else flashed as
    an error; ``field`` may be a function of the refusal, when a step's refusals belong beside different fields.
    On success ``done`` (text, or a function of the result) is flashed. The request commits once afterwards,
    whatever happened: operations refuse before they write, or undo their own writes.
    """
    try:
        result = step()
    except Refused as refused:
        if callable(field):
            field = field(refused)
        if form is not None and field is not None:
            errors = getattr(form, field)
            errors.errors = [*errors.errors, str(refused)]
        else:
            flash(str(refused), "error")
        return False, None
    if done is not None:
        flash(done(result) if callable(done) else done, "success")
    return True, result
