"""Members, their theme leaderships, consents and plugin profile answers."""
import secrets
from collections import Counter
from datetime import datetime

import slugify as _slugify
from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event, false, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, query_expression, relationship

from copractice.extensions import db
from copractice.timeutil import utcnow

STAKEHOLDER_TYPES = {
    "public_contributor": "Public contributor",
    "patient": "Patient",
    "carer": "Carer",
    "young_person": "Young person",
    "researcher": "Researcher",
    "practitioner": "Practitioner (health or social care)",
    "commissioner": "Commissioner",
    "other": "Other",
}

AREAS = {
    "kent": "Kent",
    "medway": "Medway",
    "surrey": "Surrey",
    "east_sussex": "East Sussex",
    "west_sussex": "West Sussex",
    "brighton_and_hove": "Brighton and Hove",
    "outside_region": "Outside Kent, Surrey and Sussex",
}

ACCESS_NEEDS = {
    "bsl": "British Sign Language (BSL) interpreter",
    "easy_read": "Easy Read materials",
    "large_print": "Large print",
    "step_free": "Step-free access",
    "hearing_loop": "Hearing loop",
    "carer_attending": "A carer or supporter will come with me",
    "quiet_space": "A quiet space or breaks",
}


def need_counts(need_lists):
    """How many people have each access need, as (label, count) in ACCESS_NEEDS's order, needs nobody has left
    out: the top of every needs sheet (a course session's, a group meeting's). ``need_lists``: one list a person."""
    counted = Counter(need for needs in need_lists for need in (needs or ()))
    return [(label, counted[key]) for key, label in ACCESS_NEEDS.items() if counted[key]]

ROLES = {
    "trainee": "Trainee",
    "facilitator": "Facilitator",
    "theme_lead": "Theme lead",
    "admin": "Admin",
}

CONSENTS = {
    "research_contact": "Contact me about taking part in research",
    "directory": "Show me in the member directory",
    # Separate from "directory": lived-experience tags are health and care details (issue 14 point 5).
    "lived_experience": "Show my lived experience in the directory",
}


def stakeholder_label(code):
    """What a stakeholder type is called on pages and in reports."""
    return STAKEHOLDER_TYPES.get(code, code)


def area_label(code):
    """What an area is called on pages and in reports (blank when none was given)."""
    return AREAS.get(code, "") if code else ""


def new_session_token():
    return secrets.token_urlsafe(24)


class Member(UserMixin, db.Model):
    """A person with an account: trainee, facilitator, theme lead or admin."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL once the account is erased; unique otherwise (stored lower-case).
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    stakeholder_type: Mapped[str] = mapped_column(String(32), index=True)
    organisation: Mapped[str | None] = mapped_column(String(200))
    area: Mapped[str | None] = mapped_column(String(32), index=True)
    access_needs: Mapped[list] = mapped_column(JSON, default=list)
    access_needs_note: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16), default="trainee", index=True)
    active: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None]
    # Part of the login cookie: changing it signs out every session of this member.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # Secret in the URL of the member's private calendar feed; None until they ask for one.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Text size, spacing, contrast and movement for every page (see copractice/reading); None: the defaults.
    reading_settings: Mapped[dict | None] = mapped_column(JSON)
    # Under 18: posts only in spaces marked suitable for young people, never in the member directory, and
    # cannot be messaged privately by adults (community/safety.py; a plugin may tighten this).
    under_18: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The name others use to @mention them in the community ("mary_smith"): made from the name when the member
    # is added (assign_handles below), unique, emptied when the account is erased.
    handle: Mapped[str | None] = mapped_column(String(40), unique=True)
    # Whether they are assigned to run any course (whatever their role); filled when the signed-in
    # member is loaded (members.auth), None elsewhere (permissions then asks the database).
    runs_courses: Mapped[bool | None] = query_expression()

    leaderships: Mapped[list["ThemeLeadership"]] = relationship(
        back_populates="member", cascade="all, delete-orphan", lazy="selectin"
    )

    def get_id(self):
        """Flask-Login's alternative token: id plus the rotating session token."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self):
        return self.active and self.erased_at is None

    @property
    def is_verified(self):
        return self.email_verified_at is not None

    @property
    def led_themes(self):
        return {lead.theme_slug for lead in self.leaderships}

    @property
    def stakeholder_label(self):
        return stakeholder_label(self.stakeholder_type)

    @property
    def area_label(self):
        return area_label(self.area)

    @property
    def role_label(self):
        return ROLES.get(self.role, self.role)

    def rotate_session_token(self):
        self.session_token = new_session_token()

    def __repr__(self):
        return f"<Member {self.id} {self.role}>"


class ThemeLeadership(db.Model):
    """A theme lead's scope: one row per theme they lead."""

    __tablename__ = "theme_leadership"
    __table_args__ = (UniqueConstraint("member_id", "theme_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    theme_slug: Mapped[str] = mapped_column(String(64), index=True)
    appointed_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship(back_populates="leaderships")


class ConsentEvent(db.Model):
    """One grant or withdrawal of a consent; the latest event per kind is the current state."""

    __tablename__ = "consent_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ProfileAnswer(db.Model):
    """A member's answer to a profile question that a plugin asks, stored per plugin."""

    __tablename__ = "profile_answer"
    __table_args__ = (UniqueConstraint("member_id", "plugin", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    plugin: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)


# -- @mention handles -----------------------------------------------------------------------------------------

HANDLE_MAX = 30


def handle_base(name):
    """A handle made from a name: lower-case letters and digits joined by "_" ("Mary O'Brien" -> "mary_o_brien")."""
    return _slugify.slugify(name or "", separator="_", max_length=HANDLE_MAX - 4) or "member"


def free_handle(name, taken):
    """The handle for ``name`` not in ``taken``: the base, else the base with 2, 3... after it."""
    base = candidate = handle_base(name)
    number = 2
    while candidate in taken:
        candidate, number = f"{base}{number}", number + 1
    return candidate


@event.listens_for(Session, "before_flush")
def _assign_handles(session, _flush_context, _instances):
    """Every member added through the ORM gets a handle, however they were added (registration, an admin, the CLI,
    demo data): one look-up per flush for the handles already taken."""
    new = [obj for obj in session.new if isinstance(obj, Member) and obj.handle is None and obj.erased_at is None]
    if not new:
        return
    bases = {handle_base(member.name) for member in new}
    with session.no_autoflush:
        taken = set(session.scalars(select(Member.handle).where(or_(*(Member.handle.startswith(b) for b in bases)))))
    for member in new:
        member.handle = free_handle(member.name, taken)
        taken.add(member.handle)
