"""The reading settings page."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField
from wtforms.validators import InputRequired

from copractice.extensions import db
from copractice.permissions import permission_required
from copractice.reading import CONTRASTS, SPACINGS, TEXT_SIZES, reading_settings, save_reading_settings

bp = Blueprint("reading", __name__)


class ReadingForm(FlaskForm):
    text_size = RadioField("Text size", choices=list(TEXT_SIZES.items()),
                           validators=[InputRequired("Choose a text size.")])
    spacing = RadioField("Spacing", choices=list(SPACINGS.items()), validators=[InputRequired("Choose the spacing.")])
    contrast = RadioField("Colours", choices=list(CONTRASTS.items()), validators=[InputRequired("Choose the colours.")])
    reduced_motion = BooleanField("Less movement on the screen")


@bp.route("/account/reading", methods=["GET", "POST"])
@permission_required("account.manage")
def settings():
    """Choose text size, spacing, colours and movement for every page."""
    form = ReadingForm(data=reading_settings(current_user))
    if form.validate_on_submit():
        save_reading_settings(current_user, text_size=form.text_size.data, spacing=form.spacing.data,
                              contrast=form.contrast.data, reduced_motion=form.reduced_motion.data)
        db.session.commit()
        flash("Your reading settings are saved. Every page now uses them.", "success")
        return redirect(url_for("reading.settings"))
    return render_template("reading/settings.html", form=form), 400 if form.errors else 200
