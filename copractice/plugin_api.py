"""The one door for plugin authors: everything a plugin needs from the core, and nothing else.

A plugin imports from here and from its own package; the bundled plugins import nothing else from
the core (tests/test_plugin_api_door.py checks). Its tests may also use ``copractice.testing``.

    from copractice.plugin_api import hookimpl, NavItem, Theme, can, permission_required

What is here:

- hooks: ``hookimpl`` and the value types hooks return (``Theme``, ``NavItem``, ``ProfileField``, ...);
- the database: ``db`` (Flask-SQLAlchemy) and ``Model``, the base of every table (name a plugin's tables
  ``<plugin>_*``); the core's models for foreign keys and read queries (``Member``, ``Course``,
  ``Session``, ``Enrolment``, ``Attendance``, ``Resource``) and ``ENROLLED`` (the status of a held place);
- reading the core: ``get_member``, ``find_member_by_email``, ``current_member``, ``get_course``,
  ``course_sessions``, ``member_courses``, ``get_resource``, ``visible_resources``, ``profile_answers``,
  ``profile_answer``, ``reading_settings``;
- rules: ``can``, ``require``, ``permission_required`` (the one permission check), ``audit`` (the audit log),
  ``plugin_setting`` (the plugin's settings page);
- helpers: ``utcnow``, ``london_to_utc``, ``slugify``, ``site_request_context`` (for CLI commands),
  ``save_resource``, ``save_reading_settings``, form fields ``SingleLine`` and ``CheckboxesField``;
- templates: ``FORMS_TEMPLATE`` / ``FORM_MACROS`` and ``TABLES_TEMPLATE`` / ``TABLE_MACROS``, e.g.
  ``{% import "_forms.html" as forms %}{{ forms.error_summary(form) }}{{ forms.input(form.name) }}``
  and ``{% import "_tables.html" as tables %}{{ tables.table(rows, [("Name", "name")], caption="Partners") }}``.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context
from flask.ctx import RequestContext
from flask_login import current_user
from sqlalchemy import ColumnElement, exists, select

from copractice.attendance.models import Attendance
from copractice.audit import audit
from copractice.courses.models import ENROLLED, Course, Enrolment, Session
from copractice.extensions import db
from copractice.forms import CheckboxesField, SingleLine
from copractice.library.models import Resource, ResourceAudience, ResourceTheme
from copractice.members.models import Member, ProfileAnswer
from copractice.permissions import can, permission_required, require
from copractice.plugin_types import (
    YES_NO,
    CourseField,
    DirectoryField,
    NavItem,
    OrganisationField,
    PageAssets,
    ProfileField,
    RegisterExtra,
    ReportColumn,
    ResourceType,
    SettingField,
    SpaceSpec,
    Theme,
    Widget,
    hookimpl,
)
from copractice.reading import SPACINGS, TEXT_SIZES
from copractice.timeutil import london_to_utc, utcnow
from copractice.urls import slugify

__all__ = [
    # hooks and what they return
    "hookimpl", "Theme", "NavItem", "ProfileField", "ReportColumn", "ResourceType", "Widget", "SettingField",
    "PageAssets", "RegisterExtra", "CourseField", "YES_NO", "SpaceSpec", "DirectoryField", "OrganisationField",
    # the database and the core's models
    "db", "Model", "Member", "Course", "Session", "Enrolment", "Attendance", "Resource", "ENROLLED",
    # reading the core
    "get_member", "find_member_by_email", "current_member", "get_course", "course_sessions", "member_courses",
    "get_resource", "visible_resources", "resource_visible_to", "profile_answers", "profile_answer",
    "reading_settings", "TEXT_SIZES", "SPACINGS",
    # rules, audit, settings
    "can", "require", "permission_required", "audit", "plugin_setting",
    # helpers
    "utcnow", "london_to_utc", "slugify", "site_request_context", "save_resource", "save_reading_settings",
    "SingleLine", "CheckboxesField",
    # templates
    "FORMS_TEMPLATE", "FORM_MACROS", "TABLES_TEMPLATE", "TABLE_MACROS",
]

Model = db.Model
"""The base class of every table: ``class Note(Model): __tablename__ = "myplugin_note"``."""

FORMS_TEMPLATE = "_forms.html"
"""Form macros in the site's pattern (error summary first, each error beside its field)."""
FORM_MACROS = ("error_summary", "input", "choices", "checkbox", "button")
TABLES_TEMPLATE = "_tables.html"
"""The table macro: a captioned table with column headings, or a sentence when there are no rows."""
TABLE_MACROS = ("table",)

def plugin_setting(plugin: str, name: str, default: object = None) -> object:
    """Read one of a plugin's settings: the saved value, typed as its ``SettingField`` says, else its default.

    ``default`` is only for a name the plugin does not declare in ``copractice_settings_form``.
    """
    from copractice.plugin_settings import get_setting

    return get_setting(plugin, name, default)


# -- the clock and small helpers ------------------------------------------------------------------------

def site_request_context() -> RequestContext:
    """A request context for the site's public address, so CLI commands build correct links."""
    return current_app.test_request_context("/", base_url=current_app.config["BASE_URL"])


# -- members -------------------------------------------------------------------------------------------

def get_member(member_id: int) -> Member | None:
    """The member with this id, or None."""
    return db.session.get(Member, member_id)


def find_member_by_email(email: str) -> Member | None:
    """The member with this email address (any capitals, spaces trimmed), or None."""
    from copractice.members.operations import find_by_email

    member: Member | None = find_by_email(email)
    return member


def current_member() -> Member | None:
    """The member signed in on this request, or None (no request, or nobody signed in)."""
    if not has_request_context():
        return None
    user = current_user._get_current_object()
    return user if isinstance(user, Member) and user.is_authenticated else None


def profile_answers(member: Member, plugin: str) -> dict[str, str]:
    """``member``'s answers to ``plugin``'s profile questions: {field name: value}."""
    rows = db.session.execute(select(ProfileAnswer.field, ProfileAnswer.value).where(
        ProfileAnswer.member_id == member.id, ProfileAnswer.plugin == plugin)).all()
    return {name: value for name, value in rows if value is not None}


def profile_answer(member: Member, plugin: str, name: str) -> str | None:
    """``member``'s answer to one of ``plugin``'s profile questions, or None."""
    value: str | None = db.session.scalar(select(ProfileAnswer.value).where(
        ProfileAnswer.member_id == member.id, ProfileAnswer.plugin == plugin, ProfileAnswer.field == name))
    return value


def reading_settings(member: Member) -> dict[str, Any]:
    """``member``'s reading settings (text_size, spacing, contrast, reduced_motion), defaults filled in."""
    from copractice.reading import reading_settings as core_reading_settings

    return dict(core_reading_settings(member))


def save_reading_settings(member: Member, *, text_size: str, spacing: str, contrast: str,
                          reduced_motion: bool) -> None:
    """Keep ``member``'s reading settings (the request commits); a value not offered raises ValueError."""
    from copractice.reading import save_reading_settings as core_save

    core_save(member, text_size=text_size, spacing=spacing, contrast=contrast, reduced_motion=reduced_motion)


# -- courses ------------------------------------------------------------------------------------------

def get_course(course_id: int) -> Course | None:
    """The course with this id, or None."""
    return db.session.get(Course, course_id)


def course_sessions(course: Course) -> list[Session]:
    """The course's sessions, earliest first."""
    return list(db.session.scalars(select(Session).where(Session.course_id == course.id)
                                   .order_by(Session.starts_at, Session.id)))


def member_courses(member: Member, *, theme: str | None = None) -> list[Course]:
    """The courses ``member`` holds a place on (enrolled, not waiting), by title; only ``theme``'s when given."""
    stmt = (select(Course).join(Enrolment, Enrolment.course_id == Course.id)
            .where(Enrolment.member_id == member.id, Enrolment.status == ENROLLED).order_by(Course.title))
    if theme is not None:
        stmt = stmt.where(Course.theme_slug == theme)
    return list(db.session.scalars(stmt))


# -- the resource library -----------------------------------------------------------------------------

def get_resource(resource_id: int) -> Resource | None:
    """The resource with this id, or None (whoever may see it: check with ``can(member, "resource.view", r)``)."""
    return db.session.get(Resource, resource_id)


def resource_visible_to(member: Member | None) -> ColumnElement[bool]:
    """SQL condition for ``select(Resource).where(...)``: the resources ``member`` (None: a visitor) may see."""
    from copractice.permissions import visible_resources as resource_filter

    condition: ColumnElement[bool] = resource_filter(member)
    return condition


def visible_resources(member: Member | None, *, theme: str | None = None, audience: str | None = None,
                      limit: int = 50) -> list[Resource]:
    """Published resources ``member`` may see, by title: only ``theme``'s, or those for ``audience``
    (a stakeholder type such as "young_person"), when given."""
    stmt = select(Resource).where(resource_visible_to(member), Resource.status == "published")
    if theme is not None:
        stmt = stmt.where(exists().where(ResourceTheme.resource_id == Resource.id, ResourceTheme.theme_slug == theme))
    if audience is not None:
        stmt = stmt.where(exists().where(ResourceAudience.resource_id == Resource.id,
                                         ResourceAudience.stakeholder_type == audience))
    return list(db.session.scalars(stmt.order_by(Resource.title).limit(limit)))


def save_resource(actor: Member | None, resource: Resource | None = None, **fields: Any) -> Resource:
    """Create (``resource`` None) or change a library resource, as a curator would; see the library's fields."""
    from copractice.library.operations import save_resource as core_save_resource

    saved: Resource = core_save_resource(actor, resource, **fields)
    return saved


# -- the audit log: ``audit(actor, action, target_type, ...)`` from copractice.audit, re-exported above. Name a
# plugin's actions ``<plugin>.<what>`` (e.g. "social_care.partner_saved"); admins read them at /admin/audit.
