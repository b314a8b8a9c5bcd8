"""The reading settings page."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField
from wtforms.validators import AnyOf, InputRequired

from copractice.permissions import permission_required
from copractice.reading import CONTRASTS, SPACINGS, TEXT_SIZES, reading_settings, save_reading_settings

bp = Blueprint("reading", __name__)


def _choice(label, choices, message):
    """A set of radio buttons whose missing or unknown answer gets ``message``, beside the field."""
    return RadioField(label, choices=list(choices.items()), validate_choice=False,
                      validators=[InputRequired(message), AnyOf(list(choices), message=message)])


class ReadingForm(FlaskForm):
    text_size = _choice("Text size", TEXT_SIZES, "Choose a text size.")
    spacing = _choice("Spacing", SPACINGS, "Choose the spacing.")
    contrast = _choice("Colours", CONTRASTS, "Choose the colours.")
    reduced_motion = BooleanField("Less movement on the screen")


@bp.route("/account/reading", methods=["GET", "POST"])
@permission_required("account.reading_settings")
def settings():
    """Choose text size, spacing, colours and movement for every page."""
    form = ReadingForm(data=reading_settings(current_user))
    if form.validate_on_submit():
        save_reading_settings(current_user, text_size=form.text_size.data, spacing=form.spacing.data,
                              contrast=form.contrast.data, reduced_motion=form.reduced_motion.data)
        flash("Your reading settings are saved. Every page now uses them.", "success")
        return redirect(url_for("reading.settings"))
    return render_template("reading/settings.html", form=form), 400 if form.errors else 200
