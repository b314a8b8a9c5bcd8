"""Installing a plugin from the approved catalogue (Admin -> Plugins -> Install a plugin), and its progress."""
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import DataRequired

from copractice import plugin_install as installs
from copractice.extensions import db
from copractice.permissions import permission_required
from copractice.web import attempt

bp = Blueprint("plugin_install", __name__, url_prefix="/admin/plugins")


class InstallForm(FlaskForm):
    """Which wheel of the approved catalogue to install: only its choices are accepted."""

    wheel = RadioField("Which plugin do you want to install?", choices=[],
                       validators=[DataRequired("Choose a plugin from the approved catalogue.")])


def _form(wheels, formdata=None):
    form = InstallForm(formdata)
    form.wheel.choices = [(w.filename, f"{w.name} {w.version}") for w in wheels]
    return form


@bp.route("/catalogue", methods=["GET", "POST"])
@permission_required("plugin.install")
def catalogue():
    """The approved catalogue of plugin wheels, with a button to install one."""
    from flask import request

    wheels = installs.catalogue(installs.approved_folder())
    form = _form(wheels, request.form if request.method == "POST" else None)
    running = installs.active_install()
    if request.method == "POST":
        valid = form.validate_on_submit()
        if not valid and form.wheel.errors and form.wheel.data:  # WTForms' "Not a valid choice", in plain English
            form.wheel.errors[:] = ["That plugin is not in the approved catalogue. Choose one from the list."]
        if valid:
            worked, record = attempt(lambda: installs.request_install(current_user, form.wheel.data),
                                     lambda r: f"{r.distribution} {r.version} will be installed in the background.",
                                     form=form, field="wheel")
            if worked:
                return redirect(url_for("plugin_install.progress", install_id=record.id))
    from copractice.plugins import get_plugins

    infos = get_plugins().infos
    installed = {w.filename: ", ".join(sorted({infos[p].version for p in w.plugins if p in infos and infos[p].version}))
                 for w in wheels}
    return render_template("plugin_install/catalogue.html", wheels=wheels, form=form, running=running,
                           installed=installed, recent=installs.recent_installs()), 400 if form.errors else 200


@bp.route("/installs/<int:install_id>")
@permission_required("plugin.install")
def progress(install_id):
    """How far one install has got; refresh the page to see it move on."""
    record = db.session.get(installs.PluginInstall, install_id)
    if record is None:
        abort(404)
    return render_template("plugin_install/progress.html", record=record, statuses=installs.STATUSES)
