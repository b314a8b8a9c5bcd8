"""Member rules: registration, verification, login, passwords, consents, profile, export and erasure.

Views call these; so do tests and the CLI. Nothing here reads the request. Callers commit.
"""

import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from copractice.extensions import db
from copractice.kept_pages import own_row
from copractice.members.models import (
    CONSENTS,
    ConsentEvent,
    Member,
    ProfileAnswer,
)
from copractice.notifications.operations import queue_email
from copractice.plugins import PluginFailure, get_plugins
from copractice.security import (
    check_password,
    hash_password,
    make_token,
    password_needs_rehash,
    read_token,
)
from copractice.timeutil import utcnow
from copractice.unitofwork import savepoint
from copractice.urls import external_url

log = logging.getLogger(__name__)

VERIFY, RESET = "verify-email", "reset-password"


class LoginRefused(Exception):
    """Login failed; ``reason`` is one of "invalid", "unverified", "inactive"."""

    def __init__(self, reason, member=None):
        super().__init__(reason)
        self.reason = reason
        self.member = member


class WrongPassword(Exception):
    """The current password given to confirm a change was wrong."""


def normalise_email(email):
    return (email or "").strip().lower()


def find_by_email(email):
    email = normalise_email(email)
    if not email:
        return None
    # The theme leaderships load only if used: finding someone costs no more queries than finding nobody.
    return db.session.scalar(select(Member).where(Member.email == email).options(lazyload(Member.leaderships)))


# -- registration and verification --------------------------------------------------------

def register_member(*, name, email, password, stakeholder_type, organisation=None, area=None,
                    access_needs=(), access_needs_note=None, consents=None, answers=None, under_18=False):
    """Create a member and queue the verification email.

    If the address already has an account, nothing is created and that address is told so
    by email instead, so the page cannot be used to find out who is registered. Both cases do
    the same work (hash the password once, queue one message), so they take the same time too.
    Returns the new Member, or None when the address was taken.
    """
    email = normalise_email(email)
    existing = find_by_email(email)
    if existing is not None:
        hash_password(password)  # thrown away: the same work as creating an account
        queue_email(kind="account_exists", to=email, template="account_exists", member=existing,
                    login_url=external_url("members.login"),
                    reset_url=external_url("members.forgot_password"))
        return None
    member = Member(
        name=name.strip(), email=email, password_hash=hash_password(password),
        stakeholder_type=stakeholder_type, organisation=(organisation or "").strip() or None,
        area=area or None, access_needs=sorted(set(access_needs or ())),
        access_needs_note=(access_needs_note or "").strip() or None, under_18=bool(under_18),
    )
    db.session.add(member)
    db.session.flush()
    set_consents(member, consents or {})
    save_profile_answers(member, answers or {})
    send_verification(member)
    return member


def send_verification(member):
    token = make_token(VERIFY, {"m": member.id, "e": member.email})
    queue_email(kind="verify_email", to=member.email, template="verify_email", member=member,
                verify_url=external_url("members.verify_email", token=token))


def request_verification_email(email):
    """Send a new confirmation link to an unconfirmed account; otherwise tell the address why none is
    needed. One message either way, so neither the page nor its timing tells who is registered."""
    member = find_by_email(email)
    if member is not None and member.is_active and not member.is_verified:
        send_verification(member)
        return
    make_token(VERIFY, {"m": 0, "e": ""})  # thrown away: the same work as a real link
    queue_email(kind="verify_email_not_needed", to=normalise_email(email), template="verify_email_not_needed",
                member=member, verified=member is not None and member.is_active,
                switched_off=member is not None and not member.is_active,
                login_url=external_url("members.login"), forgot_url=external_url("members.forgot_password"),
                register_url=external_url("members.register"))


def verify_email(token):
    """Mark the member's address as confirmed; return the member, or None for a bad or old link."""
    payload = read_token(VERIFY, token, current_app.config["EMAIL_VERIFY_MAX_AGE"])
    if not payload:
        return None
    member = db.session.get(Member, payload.get("m"))
    if member is None or member.email != payload.get("e") or member.erased_at is not None:
        return None
    if member.email_verified_at is None:
        member.email_verified_at = utcnow()
    return member


# -- login and passwords -------------------------------------------------------------------

def authenticate(email, password):
    """Return the member for a right email and password, or raise LoginRefused.

    Whether an account is unverified or switched off is said only after the right password,
    so a wrong guess learns nothing about the address.
    """
    member = find_by_email(email)
    if member is None or not check_password(member.password_hash, password):
        if member is None:
            hash_password(password)  # spend the same time as a real check
        raise LoginRefused("invalid")
    if member.erased_at is not None or not member.active:
        raise LoginRefused("inactive", member)
    if not member.is_verified:
        raise LoginRefused("unverified", member)
    if password_needs_rehash(member.password_hash):
        with own_row(member.id):  # nobody's page shows it
            member.password_hash = hash_password(password)
    return member


def request_password_reset(email):
    """Email a reset link if the address belongs to an active account; otherwise email that address
    to say there is no account to reset. One message and no hashing either way, so neither the page
    nor its timing tells who is registered.
    """
    member = find_by_email(email)
    if member is None or not member.is_active:
        email = normalise_email(email)
        make_token(RESET, {"m": 0, "h": "-" * 16})  # thrown away: the same work as a real link
        queue_email(kind="password_reset_no_account", to=email, template="password_reset_no_account", member=member,
                    switched_off=member is not None, register_url=external_url("members.register"),
                    reset_url=external_url("members.forgot_password"))
        return
    token = make_token(RESET, {"m": member.id, "h": member.password_hash[-16:]})
    queue_email(kind="password_reset", to=member.email, template="password_reset", member=member,
                reset_url=external_url("members.reset_password", token=token))


def member_for_reset_token(token):
    """The member a reset link is for, or None when the link is bad, old or already used."""
    payload = read_token(RESET, token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    if not payload:
        return None
    member = db.session.get(Member, payload.get("m"))
    if member is None or not member.is_active or not member.password_hash:
        return None
    # The token carries a piece of the old hash: once the password changes, it is spent.
    if member.password_hash[-16:] != payload.get("h"):
        return None
    return member


def set_password(member, new_password):
    """Set a new password and sign out every other session of this member."""
    with own_row(member.id):  # nobody else's page shows either
        member.password_hash = hash_password(new_password)
        member.rotate_session_token()
    # Following an emailed reset link proves the address.
    if member.email_verified_at is None:
        member.email_verified_at = utcnow()


def change_password(member, current_password, new_password):
    if not check_password(member.password_hash, current_password):
        raise WrongPassword()
    set_password(member, new_password)
    queue_email(kind="password_changed", to=member.email, template="password_changed", member=member)


# -- profile, consents and plugin questions --------------------------------------------------

PROFILE_FIELDS = ("name", "stakeholder_type", "organisation", "area", "access_needs", "access_needs_note")


def update_profile(member, *, answers=None, **fields):
    """Change the member's own details (email changes are not offered here)."""
    for key, value in fields.items():
        if key not in PROFILE_FIELDS:
            raise TypeError(f"not a profile field: {key}")
        if key == "access_needs":
            value = sorted(set(value or ()))
        elif isinstance(value, str):
            value = value.strip() or (None if key in ("organisation", "access_needs_note", "area") else value)
        setattr(member, key, value)
    save_profile_answers(member, answers or {})


def current_consents(member):
    """Return {kind: ConsentEvent or None}: the latest event of each kind."""
    latest: dict[str, ConsentEvent | None] = {kind: None for kind in CONSENTS}
    if member.id is None:
        return latest
    events = db.session.scalars(
        select(ConsentEvent).where(ConsentEvent.member_id == member.id).order_by(ConsentEvent.id)
    ).all()
    for event in events:
        latest[event.kind] = event
    return latest


def set_consents(member, wanted):
    """Record a grant or withdrawal for each consent whose state changes. Off is the default."""
    current = current_consents(member)
    for kind in CONSENTS:
        want = bool(wanted.get(kind, False))
        now = bool(current[kind] and current[kind].granted)
        if want != now:
            db.session.add(ConsentEvent(member_id=member.id, kind=kind, granted=want, at=utcnow()))


def profile_answers(member):
    """Return {(plugin, field): value} for the member."""
    if member.id is None:
        return {}
    rows = db.session.scalars(select(ProfileAnswer).where(ProfileAnswer.member_id == member.id)).all()
    return {(row.plugin, row.field): row.value for row in rows}


def save_profile_answers(member, answers):
    """Store answers to plugin profile questions: {(plugin, field): value}; an empty value removes one."""
    if not answers:
        return
    existing = {
        (row.plugin, row.field): row
        for row in db.session.scalars(select(ProfileAnswer).where(ProfileAnswer.member_id == member.id))
    }
    for (plugin, field), value in answers.items():
        value = (value or "").strip() or None
        row = existing.get((plugin, field))
        if value is None:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(ProfileAnswer(member_id=member.id, plugin=plugin, field=field, value=value))
        else:
            row.value = value
    record_young(member)


def record_young(member):
    """Set ``Member.under_18`` when a plugin counts ``member`` as young from what they told it (hook
    ``copractice_is_young``: Starting Well's under-18 age bands), after their profile answers are saved.

    The lists adults see (the directory with its counts, "who can I message", mentoring suggestions) filter on the
    column in SQL; ``community.safety.is_young`` asks the plugins too. Recording the plugins' answer keeps the two
    the same. Only ever set, as the hook only widens who is protected: an admin changes it back on the member's
    page. A plugin that fails changes nothing here (``is_young`` treats the member as young meanwhile)."""
    if member.under_18:
        return
    db.session.flush()
    try:
        answers = get_plugins().call("copractice_is_young", member=member)
    except PluginFailure as failure:
        log.error("young-person check of plugin %s failed while saving a profile: %s", failure.plugin, failure.error)
        return
    if any(answer is True for answer in answers):
        member.under_18 = True


# -- the member's rights over their data (copractice/members/data_rights.py does the work) ---------------

@savepoint
def delete_own_account(member, password):
    """A member deletes their own account, confirming with their password."""
    if not check_password(member.password_hash, password):
        raise WrongPassword()
    from copractice.members.data_rights import erase_member  # it reaches into every area: import it late

    erase_member(member)
