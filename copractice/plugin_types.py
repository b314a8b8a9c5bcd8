"""The small value types hooks return, and the hook marker: what plugins build and the core reads.

Plugins import them from ``copractice.plugin_api`` (the one door), which re-exports every name here; the core
imports them from this module, so the core's own layers never reach up to the door (pyproject.toml,
[tool.importlinter]).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pluggy

hookimpl = pluggy.HookimplMarker("copractice")


@dataclass(frozen=True)
class Theme:
    """A programme theme, such as "Living with Dementia"."""

    slug: str
    name: str
    summary: str = ""
    colour: str = "#005eb8"


@dataclass(frozen=True)
class NavItem:
    """A link in the site's main navigation."""

    label: str
    endpoint: str
    order: int = 100
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ProfileField:
    """An extra question on registration and the profile page, answered per member.

    ``choices`` is a list of (value, label) pairs for a list of options; without it the
    answer is free text. Answers are stored per plugin, included in "download my data"
    and erased with the account.
    """

    name: str
    label: str
    choices: tuple = ()
    hint: str = ""
    required: bool = False


@dataclass(frozen=True)
class ReportColumn:
    """An extra column in an attendance report and its exports, worked out once per report for all its rows.

    ``values(member_ids, course)`` is called once per report with the member id of every row (a list) and the
    report's course (a Course; None in a report across courses) and returns {member_id: what the cell shows}.
    Read what you need for all of them in one statement (``Model.member_id.in_(member_ids)``); never one per
    member. A row left out of the answer shows an empty cell, and so does every row if ``values`` raises.
    """

    label: str
    values: Callable[[list[int], Any], Mapping[int, str]]


@dataclass(frozen=True)
class ResourceType:
    """A kind of library resource. Plugins may add kinds with ``fields``: a tuple of ProfileField
    (name, label, hint) whose answers are stored with the resource and shown on its page."""

    key: str
    label: str
    fields: tuple = ()


@dataclass(frozen=True)
class Widget:
    """A panel on a member's account page: a heading and some text, with an optional link."""

    title: str
    text: str
    link_label: str = ""
    link_url: str = ""


@dataclass(frozen=True)
class SettingField:
    """One setting on a plugin's settings page, stored per plugin and read with ``plugin_setting``.

    ``kind`` says what it holds and how the form checks it:

    - ``"text"``: one line of text (at most ``max_length`` characters);
    - ``"int"``: a whole number from ``minimum`` to ``maximum``;
    - ``"email"``: an email address;
    - ``"choice"``: one of ``choices``, a tuple of (value, label) pairs (``choices`` alone implies it);
    - ``"list"``: a list of short entries, one on each line (at most ``maximum`` of ``max_length`` characters).

    ``default`` is what ``plugin_setting`` answers until someone saves the page (an int for "int", a
    tuple of strings for "list"). ``required`` refuses an empty answer; ``message`` replaces the
    error shown beside the field when the answer is missing or wrong.
    """

    name: str
    label: str
    default: object = ""
    hint: str = ""
    choices: tuple = ()
    kind: str = ""
    minimum: int | None = None
    maximum: int | None = None
    required: bool = False
    max_length: int = 200
    message: str = ""

    @property
    def type(self) -> str:
        return self.kind or ("choice" if self.choices else "text")


YES_NO = (("yes", "Yes"), ("no", "No"))  # the choices of a yes/no question


@dataclass(frozen=True)
class CourseField(SettingField):
    """A question a plugin adds to the course form (``copractice_course_fields``): a ``SettingField`` (same kinds,
    same checks, same messages) answered per course, shown on the course page under the plugin's heading.

    Answers are course facts (a venue's facilities, a session's pace), never personal data. A question is
    optional unless ``required``; a "choice" left unanswered stores nothing. ``filterable`` (a "choice", e.g. a
    yes/no question with ``choices=YES_NO``) adds it to the catalogue's filters, labelled ``filter_label`` (or
    ``label``). An unanswered question shows nothing (``default`` is only the example in "Enter a whole number, like 45.").
    """

    filterable: bool = False
    filter_label: str = ""


@dataclass(frozen=True)
class PageAssets:
    """Stylesheet URLs and <body> classes a plugin adds to every page (e.g. reading settings)."""

    stylesheets: tuple = ()
    body_classes: tuple = ()


@dataclass(frozen=True)
class RegisterExtra:
    """Someone listed on a register who does not hold a place (e.g. a companion), with a note."""

    name: str
    note: str = ""


@dataclass(frozen=True)
class SpaceSpec:
    """A theme's discussion space (``copractice_spaces``): made once, when the community is first opened with the
    plugin enabled, then run by the theme's leads and admins like any other space.

    ``slug`` is the space's address (/community/spaces/<slug>); ``theme_slug`` the theme it belongs to (one space
    per theme: its lead leads it). ``visibility`` is "open" (anyone reads), "members" (signed-in members) or
    "private" (invited members). ``young_people`` marks it suitable for members under 18. ``description`` and
    ``guidelines`` are Markdown; the guidelines are shown to each member before their first post.
    """

    slug: str
    name: str
    theme_slug: str
    description: str = ""
    guidelines: str = ""
    visibility: str = "members"
    young_people: bool = False


@dataclass(frozen=True)
class DirectoryField(SettingField):
    """A field a plugin adds to members' directory entries (``copractice_directory_fields``): a ``SettingField``
    (same kinds, checks and messages) the member answers on their entry's form, shown on their entry under the
    plugin's heading, e.g. "Dementia Friend" (``choices=YES_NO``). Stored per member and plugin, kept while the
    plugin is disabled, in "download my data", erased with the account. A question is optional unless
    ``required``; an unanswered one shows nothing. Shown only to signed-in members, only while the member is in
    the directory: ask nothing there that should not be seen by every member."""


@dataclass(frozen=True)
class OrganisationField(SettingField):
    """A field a plugin adds to the partnership map's organisations (``copractice_organisation_fields``): a
    ``SettingField`` (same kinds, checks and messages) asked on the organisation form in a fieldset of the
    plugin's own, shown on the organisation's page and in the map's exports. A ``"list"`` field with ``choices``
    is asked as tick boxes and stores the keys ticked. Stored per organisation and plugin, kept while the plugin
    is disabled. Organisation facts only: ask nothing about a person here."""
