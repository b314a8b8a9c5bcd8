"""Registration, login, passwords, the member's own account and their data."""
import json
from datetime import datetime

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from copractice.extensions import limiter
from copractice.involvement import operations as involvement_ops
from copractice.kept_pages import own_row
from copractice.members import data_rights, forms, operations
from copractice.members.models import ACCESS_NEEDS, AREAS, CONSENTS
from copractice.permissions import permission_required
from copractice.plugins import get_plugins
from copractice.security import is_safe_next
from copractice.timeutil import uk_time
from copractice.web import attempt

bp = Blueprint("members", __name__)


def _limit(setting):
    return lambda: current_app.config[setting]


def _account_key():
    return "account:" + operations.normalise_email(request.form.get("email"))


def _plugin_questions():
    return get_plugins().collect_by_plugin("copractice_profile_fields")


@bp.route("/register", methods=["GET", "POST"])
@permission_required("site.view")
def register():
    """Create an account."""
    if current_user.is_authenticated:
        return redirect(url_for("members.profile"))
    form = forms.with_plugin_questions(forms.RegisterForm, _plugin_questions())()
    if form.validate_on_submit():
        operations.register_member(
            name=form.name.data, email=form.email.data, password=form.password.data,
            stakeholder_type=form.stakeholder_type.data, organisation=form.organisation.data,
            area=form.area.data, access_needs=form.access_needs.data,
            access_needs_note=form.access_needs_note.data,
            consents={kind: getattr(form, kind).data for kind in CONSENTS},
            answers=forms.plugin_answers_from(form), under_18=form.under_18.data == "yes",
        )
        return render_template("members/check_email.html", email=operations.normalise_email(form.email.data))
    return render_template("members/register.html", form=form)


@bp.route("/verify/<token>")
@permission_required("site.view")
def verify_email(token):
    """Confirm an email address from the emailed link."""
    member = operations.verify_email(token)
    if member is None:
        return render_template("members/link_invalid.html", what="confirmation"), 400
    flash("Thank you. Your email address is confirmed. You can now log in.", "success")
    return redirect(url_for("members.login"))


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(_limit("RESET_LIMIT_PER_ADDRESS"), methods=["POST"])
@limiter.limit(_limit("RESET_LIMIT_PER_ACCOUNT"), key_func=_account_key, methods=["POST"])
@permission_required("site.view")
def resend_verification():
    """Send the confirmation email again."""
    form = forms.EmailForm()
    if form.validate_on_submit():
        operations.request_verification_email(form.email.data)
        return render_template("members/check_email.html", email=operations.normalise_email(form.email.data))
    return render_template("members/resend_verification.html", form=form)


def _login_failed(_response):
    """Only wrong passwords count against the login limits: a class logging in together spends nothing."""
    return g.get("login_failed", False)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_LIMIT_PER_ADDRESS"), methods=["POST"], deduct_when=_login_failed)
@limiter.limit(_limit("LOGIN_LIMIT_PER_ACCOUNT"), key_func=_account_key, methods=["POST"], deduct_when=_login_failed)
@permission_required("site.view")
def login():
    """Log in with email and password."""
    next_url = request.values.get("next")
    if not is_safe_next(next_url):
        next_url = None
    if current_user.is_authenticated:
        return redirect(next_url or url_for("members.profile"))
    form = forms.LoginForm()
    refused = None
    if form.validate_on_submit():
        try:
            member = operations.authenticate(form.email.data, form.password.data)
        except operations.LoginRefused as exc:
            refused = exc.reason
            g.login_failed = refused == "invalid"
        else:
            session.clear()  # a fresh session: nothing from before login carries over
            login_user(member, remember=form.remember.data)
            g.pop("csrf_token", None)
            generate_csrf()  # and a new CSRF secret in it now, so the pages that follow can be cached
            return redirect(next_url or url_for("members.profile"))
    return render_template("members/login.html", form=form, refused=refused, next_url=next_url)


@bp.route("/logout", methods=["POST"])
@permission_required("account.log_out")
def logout():
    """Log out; the session token changes, so every copy of the old cookie stops working."""
    with own_row(current_user.id):  # only this member's own pages change
        current_user.rotate_session_token()
    logout_user()
    session.clear()
    flash("You have logged out.", "success")
    return redirect(url_for("site.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_limit("RESET_LIMIT_PER_ADDRESS"), methods=["POST"])
@limiter.limit(_limit("RESET_LIMIT_PER_ACCOUNT"), key_func=_account_key, methods=["POST"])
@permission_required("site.view")
def forgot_password():
    """Ask for a password reset link."""
    form = forms.EmailForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data)
        return render_template("members/reset_sent.html", email=operations.normalise_email(form.email.data))
    return render_template("members/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@permission_required("site.view")
def reset_password(token):
    """Choose a new password from an emailed link."""
    member = operations.member_for_reset_token(token)
    if member is None:
        return render_template("members/link_invalid.html", what="password reset"), 400
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        operations.set_password(member, form.password.data)
        logout_user()
        session.clear()
        flash("Your password has been changed. Log in with your new password.", "success")
        return redirect(url_for("members.login"))
    return render_template("members/reset_password.html", form=form)


@bp.route("/account")
@permission_required("account.view")
def profile():
    """The member's own account page."""
    questions = _plugin_questions()
    answers = operations.profile_answers(current_user)
    return render_template(
        "members/profile.html", member=current_user, consents=operations.current_consents(current_user),
        consent_labels=CONSENTS, access_labels=ACCESS_NEEDS, areas=AREAS,
        plugin_answers=[(q, answers.get((plugin, q.name))) for plugin, q in questions],
        widgets=get_plugins().collect("copractice_dashboard_widgets", member=current_user),
        involvement_credit=involvement_ops.credited_hours(current_user),
    )


@bp.route("/account/edit", methods=["GET", "POST"])
@permission_required("account.edit")
def edit_profile():
    """Change your details."""
    questions = _plugin_questions()
    form_class = forms.with_plugin_questions(forms.ProfileForm, questions)
    form = form_class(obj=current_user)
    if request.method == "GET":
        for (plugin, name), value in operations.profile_answers(current_user).items():
            field = getattr(form, f"q__{plugin}__{name}", None)
            if field is not None:
                field.data = value
    if form.validate_on_submit():
        operations.update_profile(
            current_user, name=form.name.data, stakeholder_type=form.stakeholder_type.data,
            organisation=form.organisation.data, area=form.area.data,
            access_needs=form.access_needs.data, access_needs_note=form.access_needs_note.data,
            answers=forms.plugin_answers_from(form),
        )
        flash("Your details have been saved.", "success")
        return redirect(url_for("members.profile"))
    return render_template("members/edit_profile.html", form=form)


@bp.route("/account/consents", methods=["GET", "POST"])
@permission_required("account.consents")
def consents():
    """Choose what you agree to; each choice is recorded with the time."""
    current = operations.current_consents(current_user)
    form = forms.ConsentForm()
    if request.method == "GET":
        for kind, event in current.items():
            getattr(form, kind).data = bool(event and event.granted)
    if form.validate_on_submit():
        operations.set_consents(current_user, {kind: getattr(form, kind).data for kind in CONSENTS})
        flash("Your choices have been saved.", "success")
        return redirect(url_for("members.profile"))
    return render_template("members/consents.html", form=form, current=current)


@bp.route("/account/password", methods=["GET", "POST"])
@permission_required("account.change_password")
def change_password():
    """Change your password; other devices are logged out."""
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        try:
            operations.change_password(current_user, form.current.data, form.password.data)
        except operations.WrongPassword:
            form.current.errors.append("Your current password is not right.")
        else:
            login_user(current_user._get_current_object())  # re-issue this device's cookie with the new token
            flash("Your password has been changed. Other devices have been logged out.", "success")
            return redirect(url_for("members.profile"))
    return render_template("members/change_password.html", form=form)


def _shown(key, value):
    """A value of the export as the "Your data" page shows it: UK times, Yes and No, blanks for nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str) and (key == "at" or key.endswith("_at")):
        return uk_time(datetime.fromisoformat(value.removesuffix("Z")))
    return value


@bp.route("/account/data")
@permission_required("account.download_data")
def my_data():
    """Everything we hold about you, on one page (the same as the download)."""
    data = data_rights.export_member_data(current_user)
    return render_template("members/my_data.html", data=data, shown=_shown), 200, {"Cache-Control": "no-store"}


@bp.route("/account/data.json")
@permission_required("account.download_data")
def download_data():
    """Download everything we hold about you, as JSON."""
    data = data_rights.export_member_data(current_user)
    body = json.dumps(data, indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="my-copractice-data.json"',
        "Cache-Control": "no-store",
    })


@bp.route("/account/delete", methods=["GET", "POST"])
@permission_required("account.delete")
def delete_account():
    """Delete your account and personal details."""
    form = forms.DeleteAccountForm()
    if form.validate_on_submit():
        try:
            deleted, _ = attempt(lambda: operations.delete_own_account(current_user._get_current_object(),
                                                                       form.password.data))
        except operations.WrongPassword:
            deleted = False
            form.password.errors.append("Your password is not right.")
        except data_rights.ErasureFailed:
            deleted = False
            flash("We could not delete your account just now, so nothing has been changed. "
                  "Please try again later or contact the programme team.", "error")
        if deleted:
            logout_user()
            session.clear()
            return render_template("members/deleted.html")
    return render_template("members/delete_account.html", form=form)
