"""Every hook copractice calls. Plugins implement them with ``copractice.plugin_api.hookimpl``.

Hooks take keyword arguments only and always receive ``app``. pluggy calls them (see
``copractice.plugins``): each enabled plugin in turn, the last installed first, ``tryfirst`` and
``trylast`` honoured. Collecting hooks return a list (or None) and the lists are joined;
``firstresult`` hooks stop at the first plugin that answers (not None).

What happens when a plugin raises is declared here, once per hook, with ``@on_error``:

- ``SKIP``: the hook adds to a page or reacts to a change. The error is logged and recorded as
  the plugin's last error (shown on the Plugins page), and that plugin is left out of the call;
  the page still shows and the change goes ahead.
- ``REFUSE``: the hook enforces a rule (or answers for data the member is owed). The call raises
  ``copractice.plugins.PluginFailure`` (also logged and recorded) and the caller refuses what it
  was about to do: it fails closed, never silently allowing an action a plugin could not check.

``@on_error(..., plugins=INSTALLED)`` marks the hooks asked of every installed plugin, enabled or
not (start-up hooks, and a member's data); the others are asked of enabled plugins only.

docs/plugin_hooks.md documents each hook; tests/test_plugin_hooks_docs.py keeps the two in step.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import pluggy

if TYPE_CHECKING:  # only for the annotations: the models import the app's extensions
    import click
    from flask import Blueprint, Flask
    from flask_login import AnonymousUserMixin

    from copractice.attendance.models import Attendance, Completion
    from copractice.community.models import Post, Space
    from copractice.community.safety_models import PostFlag
    from copractice.courses.models import Course, Enrolment, Session
    from copractice.meetings.agenda_models import MeetingAction
    from copractice.meetings.models import Meeting
    from copractice.meetings.organisation_models import Organisation
    from copractice.members.models import Member
    from copractice.plugin_types import (
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
    )

# Bumped when a hook is removed or its arguments change incompatibly. 2: ReportColumn.values(member_ids, course),
# once per report, replaced value(member), once per row.
HOOKSPEC_VERSION = 2

hookspec = pluggy.HookspecMarker("copractice")

SKIP = "skip"  # a plugin that raises is logged, recorded and left out of the call
REFUSE = "refuse"  # a plugin that raises makes the call raise PluginFailure: the caller refuses
ENABLED = "enabled"  # asked of enabled plugins (and the built-in ones)
INSTALLED = "installed"  # asked of every installed plugin that loaded, enabled or not

_Spec = TypeVar("_Spec", bound=Callable[..., object])


def on_error(policy: str, *, plugins: str = ENABLED) -> Callable[[_Spec], _Spec]:
    """Declare what a hook's call does when a plugin raises (``SKIP`` or ``REFUSE``) and which plugins it asks."""
    if policy not in (SKIP, REFUSE) or plugins not in (ENABLED, INSTALLED):
        raise ValueError(f"unknown hook policy {policy!r} or scope {plugins!r}")

    def declare(spec: _Spec) -> _Spec:
        setattr(spec, "copractice_on_error", policy)  # noqa: B010  (read back by copractice.plugins)
        setattr(spec, "copractice_plugins", plugins)  # noqa: B010
        return spec

    return declare


@hookspec
@on_error(SKIP)
def copractice_themes(app: Flask) -> list[Theme] | None:
    """Return the themes this plugin provides (collecting).

    :param app: the site.
    :returns: ``Theme`` items; every enabled plugin's are joined. A plugin that raises is skipped.
    """


@hookspec
@on_error(SKIP, plugins=INSTALLED)
def copractice_blueprints(app: Flask) -> list[Blueprint] | None:
    """Return Flask blueprints to register at start-up (collecting), named ``<name>`` or ``<name>_*``.

    A disabled plugin's blueprints answer 404 until it is enabled again. A plugin that raises
    has no pages (skipped, recorded).

    :param app: the site.
    """


@hookspec
@on_error(SKIP)
def copractice_nav_items(app: Flask, member: Member | AnonymousUserMixin) -> list[NavItem] | None:
    """Return links for the main navigation (collecting). A plugin that raises is skipped; the page shows.

    :param app: the site.
    :param member: the signed-in member, or an anonymous visitor.
    """


@hookspec
@on_error(SKIP)
def copractice_profile_fields(app: Flask) -> list[ProfileField] | None:
    """Return questions to add to registration and the profile (collecting). A plugin that raises is skipped.

    :param app: the site.
    """


@hookspec
@on_error(SKIP, plugins=INSTALLED)
def copractice_migration_locations(app: Flask) -> list[str] | None:
    """Return directories holding this plugin's Alembic version branch (collecting).

    ``db upgrade`` applies every installed plugin's branch with the core's. A plugin that raises is skipped.

    :param app: the site.
    """


@hookspec
@on_error(SKIP)
def copractice_course_saved(app: Flask, course: Course, created: bool) -> None:
    """Called after a course is created or changed, before the commit. A plugin that raises is skipped; the save goes ahead.

    :param app: the site.
    :param course: the course, flushed.
    :param created: True for a new course.
    """


@hookspec
@on_error(REFUSE)
def copractice_enrolment_check(app: Flask, member: Member, course: Course) -> list[str] | None:
    """Return reasons ``member`` may not enrol on ``course``; empty or None allows it.

    The first reason is shown to the member. Fails closed: if a plugin raises, the enrolment is
    refused (PluginFailure) and the error logged and recorded.

    :param app: the site.
    :param member: who wants a place (or is being added by an organiser).
    :param course: the course.
    """


@hookspec
@on_error(SKIP)
def copractice_enrolment_changed(app: Flask, enrolment: Enrolment, old_status: str | None, new_status: str) -> None:
    """Called after an enrolment changes state, before the commit. A plugin that raises is skipped; the change goes ahead.

    :param app: the site.
    :param enrolment: the enrolment, flushed.
    :param old_status: its status before (None for a new one), e.g. "waiting".
    :param new_status: its status now, e.g. "offered".
    """


@hookspec
@on_error(SKIP)
def copractice_attendance_marked(app: Flask, attendance: Attendance, old_status: str | None) -> None:
    """Called after a mark is set or changed, before the commit. A plugin that raises is skipped; the mark stays.

    :param app: the site.
    :param attendance: the mark, flushed.
    :param old_status: the mark before, or None for a first mark.
    """


@hookspec
@on_error(SKIP)
def copractice_course_completed(app: Flask, completion: Completion) -> None:
    """Called when a member meets a course's completion rule, before the commit. A plugin that raises is skipped.

    :param app: the site.
    :param completion: the completion, flushed (its certificate is issued).
    """


@hookspec
@on_error(SKIP)
def copractice_report_columns(app: Flask, report: str) -> list[ReportColumn] | None:
    """Return columns to add to an attendance report and its exports (collecting). A plugin that raises is skipped.

    Each column's ``values(member_ids, course)`` is called once per report with every row's member id and
    returns {member_id: cell}: the report's statements must not grow with its rows.

    :param app: the site.
    :param report: which report: "course".
    """


@hookspec
@on_error(SKIP)
def copractice_resource_types(app: Flask) -> list[ResourceType] | None:
    """Return kinds of library resource this plugin adds, with any extra fields (collecting). A plugin that raises is skipped.

    :param app: the site.
    """


@hookspec
@on_error(SKIP)
def copractice_dashboard_widgets(app: Flask, member: Member) -> list[Widget] | None:
    """Return panels for ``member``'s account page (collecting). A plugin that raises is skipped; the page shows.

    :param app: the site.
    :param member: the signed-in member.
    """


@hookspec
@on_error(SKIP, plugins=INSTALLED)
def copractice_settings_form(app: Flask) -> list[SettingField] | None:
    """Return the fields of this plugin's settings page (only the plugin's own implementation is asked).

    A plugin that raises is skipped: its settings page has no fields.

    :param app: the site.
    """


@hookspec
@on_error(SKIP, plugins=INSTALLED)
def copractice_cli_commands(app: Flask) -> Sequence[click.Command] | None:
    """Return click commands to add to ``copractice`` (collecting); they refuse to run while the plugin is disabled.

    A plugin that raises is skipped: its commands are missing.

    :param app: the site.
    """


@hookspec
@on_error(SKIP)
def copractice_page_assets(app: Flask, member: Member | AnonymousUserMixin) -> list[PageAssets] | None:
    """Return stylesheets and body classes for every page ``member`` sees (collecting). A plugin that raises is skipped.

    :param app: the site.
    :param member: the signed-in member, or an anonymous visitor.
    """


@hookspec
@on_error(REFUSE)
def copractice_facilitator_check(app: Flask, member: Member, course: Course) -> list[str] | None:
    """Return reasons ``member`` may not facilitate ``course``; empty or None allows it.

    Fails closed: if a plugin raises, the assignment is refused (PluginFailure).

    :param app: the site.
    :param member: who would facilitate.
    :param course: the course.
    """


@hookspec
@on_error(SKIP)
def copractice_register_extras(app: Flask, session: Session) -> list[RegisterExtra] | None:
    """Return people to list on ``session``'s register without a place, e.g. companions (collecting).

    A plugin that raises is skipped (and recorded, so the organiser's admin sees the list was short).

    :param app: the site.
    :param session: the session whose register is shown.
    """


@hookspec
@on_error(REFUSE, plugins=INSTALLED)
def copractice_member_data(app: Flask, member: Member) -> dict[str, object] | None:
    """Return what this plugin holds about ``member`` for "download my data" (kept under the plugin's name).

    Fails closed: a plugin that raises makes its call raise PluginFailure, and the download names
    it as not answering rather than looking complete.

    :param app: the site.
    :param member: whose data it is.
    """


@hookspec
@on_error(REFUSE, plugins=INSTALLED)
def copractice_member_erased(app: Flask, member: Member) -> None:
    """Erase what this plugin holds about ``member``, before the commit, when their account is erased.

    Fails closed: a plugin that raises stops the erasure (PluginFailure) and it is rolled back.

    :param app: the site.
    :param member: the member being erased (name and email still there).
    """


@hookspec(firstresult=True)
@on_error(SKIP)
def copractice_certificate_wording(app: Flask, course: Course) -> str | None:
    """Return the line under the member's name on ``course``'s certificate, or None to leave it to others.

    firstresult: one line is printed, so the first plugin that answers wins (a theme's plugin
    words its own courses; the built-in core answers last: "completed the co-production course").
    A plugin that raises is skipped and the next one answers.

    :param app: the site.
    :param course: the course the certificate is for.
    """


@hookspec
@on_error(SKIP)
def copractice_course_fields(app: Flask) -> list[CourseField] | None:
    """Return ``CourseField`` questions to add to the course form (collecting). A plugin that raises is skipped.

    They are shown in a fieldset of the plugin's own, checked like settings, stored per course and plugin
    (kept while the plugin is disabled, shown again when it is enabled), shown on the course page, and
    ``filterable`` choices filter the catalogue.

    :param app: the site.
    """


@hookspec
@on_error(SKIP)
def copractice_spaces(app: Flask) -> list[SpaceSpec] | None:
    """Return the discussion spaces this plugin brings for its themes (collecting): one ``SpaceSpec`` per theme.

    Each is made once, when the community is first opened with the plugin enabled (never twice, however many
    workers ask at once); after that its leads and admins run it, and the plugin's answer does not change it.
    A plugin that raises is skipped: its space is made on a later request.

    :param app: the site.
    """


@hookspec
@on_error(REFUSE)
def copractice_may_post(app: Flask, member: Member, space: Space) -> list[str] | None:
    """Return reasons ``member`` may not post in ``space``; empty or None allows it (collecting).

    Asked after the core's own rules (who may read the space, archived spaces, under-18s only in spaces for
    young people, members stopped from posting). The first reason is shown to the member. Fails closed: if a
    plugin raises, the post is refused (PluginFailure) and the error logged and recorded.

    :param app: the site.
    :param member: who wants to post (a new topic or a reply).
    :param space: the space.
    """


@hookspec
@on_error(SKIP)
def copractice_post_created(app: Flask, post: Post) -> None:
    """Called when a community post becomes visible to readers: a new topic or reply published at once, or a
    held one a moderator lets through. Never for a held or hidden post.

    Runs in the poster's (or moderator's) request, before it commits: write to the database through the
    session, never send anything from here. A plugin that raises is skipped; the post stands.

    :param app: the site.
    :param post: the post (``post.topic`` its topic, ``post.topic.space`` its space).
    """


@hookspec
@on_error(SKIP)
def copractice_flag_raised(app: Flask, flag: PostFlag) -> None:
    """Called after a member flags a post (``flag.reason``: off_topic, unkind, personal_information or
    safeguarding), before the commit, once the core has told whoever it tells. A plugin that raises is skipped;
    the flag stands.

    :param app: the site.
    :param flag: the flag, flushed (``flag.post``, ``flag.member``, ``flag.note``).
    """


@hookspec
@on_error(REFUSE)
def copractice_may_message(app: Flask, sender: Member, recipients: list[Member]) -> list[str] | None:
    """Return reasons ``sender`` may not send a private message to ``recipients``; empty or None allows it.

    Asked for every message (the first of a conversation and every reply), after the core's own rules
    (accounts switched on, no private messages between adults and members under 18, blocks). The first
    reason is shown to the sender. Fails closed: if a plugin raises, the message is refused (PluginFailure).

    :param app: the site.
    :param sender: who is writing.
    :param recipients: who would get the message (the other people in the conversation).
    """


@hookspec
@on_error(SKIP)
def copractice_directory_fields(app: Flask) -> list[DirectoryField] | None:
    """Return ``DirectoryField`` questions to add to members' directory entries (collecting). A plugin that raises
    is skipped: its fields are neither asked nor shown for that request.

    Asked on the member's entry form in a fieldset of the plugin's own, checked like settings, stored per member
    and plugin, and shown on the member's entry in the directory (only while the member is in the directory).

    :param app: the site.
    """


@hookspec
@on_error(REFUSE)
def copractice_is_young(app: Flask, member: Member) -> bool | None:
    """Return True when ``member`` counts as a young person (under 18) although ``Member.under_18`` is not set,
    e.g. from an age band the plugin asked for; None (or False) leaves it to the others (collecting: any True
    wins, so a plugin can only widen who is protected, never narrow it).

    Young people post only in spaces for young people, their posts wait for a moderator, and they are kept out
    of the directory and of private messages from adults. Fails closed: if a plugin raises, the member is
    treated as young (PluginFailure is caught by ``copractice.community.safety.is_young``).

    :param app: the site.
    :param member: a signed-in member.
    """


@hookspec
@on_error(SKIP)
def copractice_organisation_fields(app: Flask) -> list[OrganisationField] | None:
    """Return ``OrganisationField`` questions to add to the partnership map's organisations (collecting). A plugin
    that raises is skipped: its fields are neither asked nor shown for that request.

    Asked on the organisation form in a fieldset of the plugin's own, checked like settings, stored per
    organisation and plugin, shown on the organisation's page and in the map's CSV and XLSX exports.

    :param app: the site.
    """


@hookspec
@on_error(SKIP)
def copractice_organisation_saved(app: Flask, organisation: Organisation, created: bool,
                                  old_status: str | None) -> None:
    """Called after an organisation of the partnership map is added or changed, before the commit. A plugin that
    raises is skipped; the save goes ahead.

    :param app: the site.
    :param organisation: the organisation, flushed (its areas, themes and plugins' answers saved).
    :param created: True for a new organisation.
    :param old_status: its partnership status before the change (None when created).
    """


@hookspec
@on_error(SKIP)
def copractice_group_kinds(app: Flask) -> list[tuple[str, str]] | None:
    """Return more kinds of group as (key, label) pairs, e.g. ("carers_panel", "Carers' panel") (collecting). The
    core's kinds (forum, steering group, advisory panel, meet-up) come first; a key already taken is left as it
    is. A plugin that raises is skipped: its kinds are not offered for that request.

    :param app: the site.
    """


@hookspec
@on_error(SKIP)
def copractice_meeting_saved(app: Flask, meeting: Meeting, created: bool) -> None:
    """Called when a group's meeting is set up (``created`` True), changed or cancelled (``meeting.status`` is
    "cancelled"), after the change is flushed and before the request commits: write through the session, never
    send anything from here. A plugin that raises is skipped; the meeting is saved.

    :param app: the site.
    :param meeting: the meeting (``meeting.group`` its group).
    :param created: True when the meeting was just set up.
    """


@hookspec
@on_error(SKIP)
def copractice_action_changed(app: Flask, action: MeetingAction, old_status: str | None) -> None:
    """Called after a meeting's action is recorded (``old_status`` None) or its status changes (open, in_progress,
    done, dropped), before the commit. A plugin that raises is skipped; the change stands.

    :param app: the site.
    :param action: the action, flushed (``action.status`` is the new status, ``action.group`` its group).
    :param old_status: its status before, or None for a new action.
    """


@hookspec
@on_error(SKIP)
def copractice_survey_templates(app: Flask) -> list[dict] | None:
    """Survey templates the plugin ships (issue 16): organisers make a survey from one on the surveys page, then
    change it. Each is a dict: ``key`` (unique on the site), ``title``, ``kind`` ("evaluation", "training_needs" or
    your own), optional ``intro`` and ``anonymous``, and ``sections``: a list of {``title``, ``intro``,
    ``questions``}. A question is {``key``, ``kind`` (single, multiple, agreement, scale, number, short_text,
    long_text), ``text``, optional ``easy_read``, ``hint``, ``required``, ``options`` ([{``value``, ``label``,
    ``need``}] for single and multiple), ``show_if`` ({``question``: an earlier key, ``values``: [...]}) and
    ``tag`` (a key of copractice.measurement.surveys_models.TAGS)}. A key already taken (the core's
    "training_needs" first) keeps the first template. A plugin that raises is skipped: its templates are not
    offered for that request.

    :param app: the site.
    """
