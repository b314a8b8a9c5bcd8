"""The admin area: dashboard, members, audit log and plugins."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from copractice.admin import forms, operations
from copractice.audit import AuditEntry
from copractice.extensions import db
from copractice.inputs import page_arg
from copractice.members.models import ROLES, STAKEHOLDER_TYPES, Member
from copractice.permissions import permission_required, require
from copractice.plugin_models import PluginState
from copractice.plugins import get_plugins
from copractice.web import attempt

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@permission_required("admin.access")
def dashboard():
    """Figures at a glance and links to each admin task."""
    by_role = dict(db.session.execute(
        select(Member.role, func.count(Member.id)).where(Member.erased_at.is_(None)).group_by(Member.role)
    ).all())
    by_type = dict(db.session.execute(
        select(Member.stakeholder_type, func.count(Member.id)).where(Member.erased_at.is_(None))
        .group_by(Member.stakeholder_type)
    ).all())
    return render_template("admin/dashboard.html", by_role=by_role, by_type=by_type,
                           roles=ROLES, stakeholder_types=STAKEHOLDER_TYPES)


@bp.route("/members")
@permission_required("members.list")
def members():
    """Find members by name or email and filter by role, type and area."""
    form = forms.MemberFilterForm(request.args)
    form.validate()
    stmt = operations.search_members(
        form.q.data, form.role.data or None, form.stakeholder_type.data or None, form.area.data or None
    )
    page = db.paginate(stmt, per_page=_per_page("MEMBERS_PER_PAGE"), page=page_arg(), error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/members.html", form=form, page=page, args=args)


def _per_page(setting):
    return current_app.config[setting]


def _member_or_404(member_id):
    member = db.session.get(Member, member_id)
    if member is None or member.erased_at is not None:
        abort(404)
    return member


def _role_form(member, formdata=None):
    form = forms.RoleForm(formdata, data={"role": member.role, "themes": sorted(member.led_themes)})
    form.themes.choices = [(slug, theme.name) for slug, theme in sorted(get_plugins().themes().items())]
    return form


@bp.route("/members/<int:member_id>")
@permission_required("members.list")
def member(member_id):
    """One member: details, role and account status."""
    member = _member_or_404(member_id)
    from copractice.attendance.operations import learning_hours

    return render_template("admin/member.html", member=member, role_form=_role_form(member),
                           active_form=forms.ActiveForm(), themes=get_plugins().themes(),
                           hours=learning_hours([member.id])[member.id])


@bp.route("/members/<int:member_id>/role", methods=["POST"])
@permission_required("members.list")
def change_role(member_id):
    """Change a member's role and the themes they lead."""
    member = _member_or_404(member_id)
    require("member.change_role", member)
    form = _role_form(member, request.form)
    if form.validate_on_submit():
        # Themes the form could not offer (their plugin is switched off) are kept, not silently dropped.
        offered = {value for value, _label in form.themes.choices}
        kept = sorted(member.led_themes - offered)
        worked, _ = attempt(lambda: operations.change_role(current_user, member, form.role.data,
                                                           list(form.themes.data) + kept, form.reason.data),
                            lambda _: f"{member.name} is now: {member.role_label}.", form=form, field="role")
        if worked:
            return redirect(url_for("admin.member", member_id=member.id))
    from copractice.attendance.operations import learning_hours

    return render_template("admin/member.html", member=member, role_form=form, active_form=forms.ActiveForm(),
                           themes=get_plugins().themes(), hours=learning_hours([member.id])[member.id]), 400


@bp.route("/members/<int:member_id>/active", methods=["POST"])
@permission_required("members.list")
def set_active(member_id):
    """Switch a member's account off or back on."""
    member = _member_or_404(member_id)
    require("member.set_active", member)
    form = forms.ActiveForm()
    if form.validate_on_submit() and form.active.data in ("yes", "no"):
        attempt(lambda: operations.set_active(current_user, member, form.active.data == "yes", form.reason.data),
                lambda _: f"{member.name}'s account is now {'on' if member.active else 'switched off'}.")
    else:
        flash("That request could not be understood. Please try again.", "error")
    return redirect(url_for("admin.member", member_id=member.id))


@bp.route("/audit")
@permission_required("audit.view")
def audit_log():
    """Every admin action, newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    action = request.args.get("action") or None
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    page = db.paginate(stmt, per_page=_per_page("AUDIT_PER_PAGE"), page=page_arg(), error_out=False)
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    return render_template("admin/audit.html", page=page, action=action, actions=actions)


@bp.route("/plugins")
@permission_required("plugins.manage")
def plugins():
    """Installed plugins, whether each is on, any error, and page hooks that were slow."""
    registry = get_plugins()
    states = {s.name: s for s in db.session.scalars(select(PluginState))}
    from copractice.slow_hooks import recent_slow_hooks

    return render_template("admin/plugins.html", infos=list(registry.infos.values()),
                           enabled=registry.enabled_names(), states=states, slow=recent_slow_hooks())


def _installed_plugin_or_404(registry, name):
    """The PluginInfo of an installed plugin admins may switch (not a built-in one), or 404."""
    info = registry.infos.get(name)
    if info is None or info.builtin:
        abort(404)
    return info


@bp.route("/plugins/<name>", methods=["GET", "POST"])
@permission_required("plugins.manage")
def plugin_switch(name):
    """Confirm, then switch a plugin on or off for the whole site."""
    registry = get_plugins()
    info = _installed_plugin_or_404(registry, name)
    form = forms.PluginSwitchForm()
    turn_on = not registry.is_enabled(name)
    if form.validate_on_submit():
        attempt(lambda: operations.set_plugin_enabled(current_user, registry, name, form.enabled.data == "yes"),
                lambda _: f"{name} is now {'enabled' if registry.is_enabled(name) else 'disabled'}.")
        return redirect(url_for("admin.plugins"))
    return render_template("admin/plugin_confirm.html", info=info, form=form, turn_on=turn_on)


@bp.route("/plugins/<name>/theme-leads", methods=["POST"])
@permission_required("plugins.manage")
def plugin_theme_leads(name):
    """Let the leads of a plugin's themes switch it and edit its settings, or stop them."""
    registry = get_plugins()
    _installed_plugin_or_404(registry, name)
    form = forms.ThemeLeadsForm()
    if form.validate_on_submit() and form.allowed.data in ("yes", "no"):
        allowed = form.allowed.data == "yes"
        operations.set_theme_leads_may_manage(current_user, registry, name, allowed)
        flash(f"Theme leads {'may now' if allowed else 'can no longer'} switch {name} and change its settings.",
              "success")
    else:
        flash("That request could not be understood. Please try again.", "error")
    return redirect(url_for("admin.plugins"))


@bp.route("/plugins/<name>/settings", methods=["GET", "POST"])
@permission_required("plugin.open_settings")
def plugin_settings(name):
    """A plugin's own settings, as it declares them (copractice_settings_form), checked beside each field."""
    require("plugin.configure", name)
    return settings_page(name, url_for("admin.plugins"), "Back to plugins", url_for("admin.plugin_settings", name=name))


def settings_page(name, back_url, back_label, saved_url):
    """The settings form of plugin ``name`` (after the caller's permission check): from Admin -> Plugins or a
    theme's Plugins page, which differ only in where "back" and "saved" lead."""
    from copractice.plugin_settings import SettingsInvalid, save_settings, setting_fields, settings_form, settings_of

    info = get_plugins().infos.get(name)
    if info is None or info.builtin or not info.loaded:
        abort(404)
    fields = setting_fields(name)
    if not fields:
        abort(404)
    form = settings_form(fields, settings_of(name), request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        try:
            save_settings(current_user, name, {field.name: form[field.name].data for field in fields})
        except SettingsInvalid as exc:
            for field_name, message in exc.errors.items():
                form[field_name].errors.append(message)
        else:
            flash(f"The settings of {name} have been saved.", "success")
            return redirect(saved_url)
    return render_template("admin/plugin_settings.html", info=info, form=form, fields=fields, back_url=back_url,
                           back_label=back_label), 400 if form.errors else 200


# -- email that could not be sent -------------------------------------------------------------

@bp.route("/email")
@permission_required("email.manage")
def email():
    """Email that failed, or is waiting to try again after a failed attempt, with a "Try again" button."""
    from copractice.courses.forms import ConfirmForm
    from copractice.jobs import failed_jobs
    from copractice.notifications.operations import messages_needing_attention

    return render_template("admin/email.html", messages=messages_needing_attention(), form=ConfirmForm(),
                           jobs=failed_jobs())


@bp.route("/email/<int:message_id>/retry", methods=["POST"])
@permission_required("email.manage")
def retry_email(message_id):
    """Put one message back in the queue; a worker sends it as soon as this is saved."""
    from copractice.courses.forms import ConfirmForm
    from copractice.notifications.models import OutboxMessage
    from copractice.notifications.operations import try_again

    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        flash("That request could not be understood. Please try again.", "error")
    elif try_again(current_user, message):
        flash(f"We will try again to send the email to {message.to_address or 'nobody'} "
              "within a minute or two.", "success")
    else:
        flash("That email is not waiting to be sent again.", "info")
    return redirect(url_for("admin.email"))


@bp.route("/email/jobs/<int:failure_id>/retry", methods=["POST"])
@permission_required("email.manage")
def retry_job(failure_id):
    """Queue a background job that failed after its last retry once more."""
    from copractice.courses.forms import ConfirmForm
    from copractice.jobs import JobFailure
    from copractice.jobs import retry_job as queue_again

    failure = db.session.get(JobFailure, failure_id)
    if failure is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        flash("That request could not be understood. Please try again.", "error")
        return redirect(url_for("admin.email"))
    try:
        queued = queue_again(current_user, failure)
    except Exception:  # noqa: BLE001  (the job queue cannot be reached: say so; nothing was written before it)
        current_app.logger.exception("could not queue job failure %s again", failure_id)
        flash("We could not reach the job queue. Please try again in a few minutes.", "error")
        return redirect(url_for("admin.email"))
    if queued:
        flash("We have queued that job again. It will run within a minute or two.", "success")
    else:
        flash("That job is not waiting to be tried again.", "info")
    return redirect(url_for("admin.email"))
