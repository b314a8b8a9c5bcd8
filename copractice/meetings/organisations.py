"""The partnership map (issue 15 point 5): organisations and communities the programme works with or could, and
where in the region a theme has no active partner yet.

Who may see it: theme leads and admins (``partnerships.view``); contacts' names are personal data. Who may change
an organisation: admins, and the leads of a theme it is mapped to (``organisation.edit``). A lead adds and removes
only the themes they lead: other themes an organisation has are kept.

A named contact is kept only with their consent: a tick and the date they gave it. Without the tick no name or
email is stored; taking the tick off removes them (the form says so).

Plugins add fields of their own (``copractice_organisation_fields``), asked and checked like the course form's
plugin questions (copractice/courses/extras.py), stored per organisation and plugin (``OrganisationExtra``).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from copractice.audit import audit
from copractice.courses.extras import PluginQuestions, collect_questions, form_name
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members.models import AREAS
from copractice.permissions import can
from copractice.plugin_settings import SettingInvalid, as_text, check
from copractice.plugin_types import SettingField
from copractice.plugins import get_plugins
from copractice.timeutil import utc_to_london, utcnow

from .organisation_models import (
    SECTORS,
    STATUSES,
    Organisation,
    OrganisationArea,
    OrganisationExtra,
    OrganisationStatusChange,
    OrganisationTheme,
)

log = logging.getLogger(__name__)
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# The areas of the gap view: the region's own (members may live outside it; organisations there are no gap).
GAP_AREAS = {key: label for key, label in AREAS.items() if key != "outside_region"}


class OrganisationRefused(Refused):
    """A refusal about one field of the organisation form (``field``), shown beside it."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def today() -> date:
    """Today's date in the UK."""
    return utc_to_london(utcnow()).date()


def site_themes() -> dict[str, str]:
    """{slug: name} of the site's themes (enabled plugins' and the core's), in the site's order."""
    return {slug: theme.name for slug, theme in get_plugins().themes().items()}


# -- plugins' fields (copractice_organisation_fields) ---------------------------------------------------------------

def organisation_questions() -> list[PluginQuestions]:
    """Every enabled plugin's organisation fields, a group per plugin in plugin order (``collect_questions``)."""
    return collect_questions("copractice_organisation_fields", "organisation field")


def is_ticks(question: SettingField) -> bool:
    """A list field with choices: asked as tick boxes, stores the keys ticked."""
    return question.type == "list" and bool(question.choices)


def judge(question: SettingField, answer: Any, kept: Iterable[str] = ()) -> Any:
    """The typed answer to a plugin's organisation field, or SettingInvalid with the message shown beside it.

    Tick boxes accept their choices, and the keys in ``kept``: those the organisation already has that are no
    longer choices (a category taken off a plugin's list stays on the organisations that have it)."""
    if question.type == "choice" and not question.required and (answer is None or not str(answer).strip()):
        return None
    value = check(question, answer)
    if is_ticks(question):
        known = {key for key, _label in question.choices} | set(kept)
        if any(item not in known for item in value):
            raise SettingInvalid("Choose from the list.")
    return value


def answer_text(question: SettingField, stored: str | None) -> str:
    """A stored answer as a page shows it: a choice's label, a list's entries joined by commas."""
    if not stored:
        return ""
    try:
        value = judge(question, stored, kept=stored.splitlines())
    except SettingInvalid:  # kept from an older version of the plugin's field: shown as it was stored
        return stored.replace("\n", ", ")
    if question.type == "choice":
        return dict(question.choices).get(value, value)
    if question.type == "list":
        labels = dict(question.choices)
        return ", ".join(labels.get(item) or item.replace("_", " ").capitalize() for item in value)
    return str(value)


def extras_of(organisation_ids: Iterable[int]) -> dict[int, dict[tuple[str, str], str]]:
    """{organisation id: {(plugin, name): stored text}} for these organisations (one statement)."""
    ids = sorted(set(organisation_ids))
    out: dict[int, dict[tuple[str, str], str]] = {}
    if not ids:
        return out
    rows = db.session.execute(select(OrganisationExtra.organisation_id, OrganisationExtra.plugin,
                                     OrganisationExtra.name, OrganisationExtra.value)
                              .where(OrganisationExtra.organisation_id.in_(ids)))
    for organisation_id, plugin, name, value in rows:
        out.setdefault(organisation_id, {})[(plugin, name)] = value or ""
    return out


def shown_extras(questions: list[PluginQuestions], answers: Mapping[tuple[str, str], str]) -> list[tuple[str, list]]:
    """[(heading, [(label, answer as shown)])] of the enabled plugins' answered fields, in order."""
    out = []
    for group in questions:
        items = [(re.sub(r"\s*\(optional\)\s*$", "", q.label), answer_text(q, answers.get((group.plugin, q.name))))
                 for q in group.fields]
        items = [(label, text) for label, text in items if text]
        if items:
            out.append((group.heading, items))
    return out


def _checked_extras(answers: Mapping[tuple[str, str], Any], questions: list[PluginQuestions],
                    stored: Mapping[tuple[str, str], str]) -> dict:
    texts = {}
    for group in questions:
        for question in group.fields:
            key = (group.plugin, question.name)
            if key not in answers:
                continue
            try:
                kept = (stored.get(key) or "").splitlines()
                texts[key] = as_text(question, judge(question, answers[key], kept=kept))
            except SettingInvalid as exc:
                raise OrganisationRefused(form_name(*key), str(exc)) from None
    return texts


def _store_extras(organisation: Organisation, texts: Mapping[tuple[str, str], str]) -> dict:
    """Write checked answers: add, change, or remove ("") each. {input name: (before, after)} of the changes."""
    rows = {(row.plugin, row.name): row for row in db.session.scalars(
        select(OrganisationExtra).where(OrganisationExtra.organisation_id == organisation.id))}
    changes = {}
    for (plugin, name), text in texts.items():
        row = rows.get((plugin, name))
        old = row.value if row is not None else ""
        if (old or "") == text:
            continue
        changes[form_name(plugin, name)] = (old or None, text or None)
        if not text:
            db.session.delete(row)
        elif row is None:
            db.session.add(OrganisationExtra(organisation_id=organisation.id, plugin=plugin, name=name, value=text))
        else:
            row.value = text
    return changes


# -- saving ----------------------------------------------------------------------------------------------------------

@dataclass
class OrganisationInput:
    """What the organisation form says (tests and the plugin migration's tests build these directly)."""

    name: str
    sector: str
    areas: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    status: str = "potential"
    status_since: date | None = None
    status_note: str = ""
    website: str = ""
    notes: str = ""
    contact_consent: bool = False
    contact_consent_on: date | None = None
    contact_name: str = ""
    contact_email: str = ""
    extras: dict[tuple[str, str], Any] = field(default_factory=dict)


def _led(actor: Any) -> set[str]:
    return set() if actor.role == "admin" else set(actor.led_themes)


def _themes_after(actor: Any, organisation: Organisation | None, chosen: list[str], known: Mapping[str, str]):
    """The organisation's themes once ``actor`` has saved ``chosen``: a lead adds any, but removes only those
    they lead; a theme no longer on the site stays as it was."""
    old = set(organisation.themes) if organisation is not None else set()
    unknown = [slug for slug in chosen if slug not in known]
    if unknown:
        raise OrganisationRefused("themes", "Choose themes from the list.")
    kept = old - set(known)  # a disabled plugin's theme: not on the form, not removed
    if actor.role != "admin":
        kept |= old - _led(actor)
    themes = set(chosen) | kept
    if not themes:
        raise OrganisationRefused("themes", "Choose at least one theme this organisation is interested in.")
    if actor.role != "admin" and not themes & _led(actor):
        raise OrganisationRefused("themes", "Choose at least one of the themes you lead.")
    return themes


def _contact(data: OrganisationInput, on: date):
    """(name, email, consent date) to store: nothing without the contact's consent."""
    name, email = (data.contact_name or "").strip(), (data.contact_email or "").strip()
    if not data.contact_consent:
        if name or email:
            raise OrganisationRefused("contact_consent", "Tick to say the contact agreed to us keeping their name "
                                                         "and email, or leave their name and email empty.")
        return None, None, None
    if len(name) > 200:
        raise OrganisationRefused("contact_name", "Use 200 characters or fewer.")
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        raise OrganisationRefused("contact_email", "Enter an email address in the right form, like "
                                                   "name@example.org.")
    if not (name or email):
        raise OrganisationRefused("contact_name", "Enter the contact's name or email, or take the tick off.")
    consent_on = data.contact_consent_on or on
    if consent_on > on:
        raise OrganisationRefused("contact_consent_on", "The date they agreed must be today or in the past.")
    return name or None, email or None, consent_on


def save_organisation(actor: Any, organisation: Organisation | None, data: OrganisationInput, *,
                      questions: list[PluginQuestions] | None = None) -> Organisation:
    """Add an organisation (``organisation`` None) or change one; records a change of status in its history,
    audits, tells plugins (``copractice_organisation_saved``). Refused (before writing) when ``actor`` may not,
    or a rule says no. Flushes."""
    created = organisation is None
    if created and not can(actor, "partnerships.add"):
        raise Refused("Only theme leads and admins add organisations to the map.")
    if not created and not can(actor, "organisation.edit", organisation):
        raise Refused("Only admins and the leads of its themes change this organisation.")
    on = today()
    name = (data.name or "").strip()
    if not name or len(name) > 200 or "\n" in name:
        raise OrganisationRefused("name", "Enter the name of the organisation or community, in 200 characters or "
                                          "fewer.")
    if data.sector not in SECTORS:
        raise OrganisationRefused("sector", "Choose a sector.")
    if data.status not in STATUSES:
        raise OrganisationRefused("status", "Choose a partnership status.")
    areas = set(data.areas or ())
    if areas - set(AREAS):
        raise OrganisationRefused("areas", "Choose areas from the list.")
    if not areas:
        raise OrganisationRefused("areas", "Choose at least one area this organisation serves.")
    themes = _themes_after(actor, organisation, list(data.themes or ()), site_themes())
    since = data.status_since or on
    if since > on:
        raise OrganisationRefused("status_since", "The date must be today or in the past.")
    contact_name, contact_email, consent_on = _contact(data, on)
    questions = organisation_questions() if questions is None else questions
    stored = {} if created else extras_of([organisation.id]).get(organisation.id, {})
    texts = _checked_extras(data.extras or {}, questions, stored)

    before = None if created else _summary(organisation)
    old_status = None if created else organisation.status
    organisation = organisation or Organisation(status=data.status, status_since=since)
    organisation.name, organisation.sector = name, data.sector
    organisation.website, organisation.notes = (data.website or "").strip() or None, (data.notes or "").strip() or None
    organisation.contact_name, organisation.contact_email = contact_name, contact_email
    organisation.contact_consent_on = consent_on
    organisation.area_rows = ([row for row in organisation.area_rows if row.area in areas]
                              + [OrganisationArea(area=a) for a in sorted(areas - set(organisation.areas))])
    organisation.theme_rows = ([row for row in organisation.theme_rows if row.theme_slug in themes]
                               + [OrganisationTheme(theme_slug=t) for t in sorted(themes - set(organisation.themes))])
    if created or data.status != old_status:
        organisation.status, organisation.status_since = data.status, since
    db.session.add(organisation)
    db.session.flush()
    if created or data.status != old_status:
        db.session.add(OrganisationStatusChange(organisation_id=organisation.id, status=data.status, changed_on=since,
                                                note=(data.status_note or "").strip() or None))
    changes = _store_extras(organisation, texts)
    db.session.flush()
    after = _summary(organisation)
    after.update({key: new for key, (_old, new) in changes.items()})
    if before is not None:
        before.update({key: old for key, (old, _new) in changes.items()})
    audit(actor, "organisation.added" if created else "organisation.changed", "organisation", organisation.id,
          organisation.name, before, after)
    get_plugins().collect("copractice_organisation_saved", organisation=organisation, created=created,
                          old_status=old_status)
    return organisation


def _summary(organisation: Organisation) -> dict:
    """What the audit log keeps of an organisation: no contact's name or email (personal data), only whether
    there is one."""
    return {"name": organisation.name, "sector": organisation.sector, "status": organisation.status,
            "areas": sorted(organisation.areas), "themes": sorted(organisation.themes),
            "named_contact": organisation.contact_consent_on is not None}


def history(organisation: Organisation) -> list[OrganisationStatusChange]:
    """The partnership's statuses, latest first."""
    return list(db.session.scalars(select(OrganisationStatusChange)
                                   .where(OrganisationStatusChange.organisation_id == organisation.id)
                                   .order_by(OrganisationStatusChange.changed_on.desc(),
                                             OrganisationStatusChange.id.desc())))


# -- reading the map -------------------------------------------------------------------------------------------------

@dataclass
class Filters:
    """The list's filters; each empty or a known key."""

    area: str = ""
    theme: str = ""
    status: str = ""
    sector: str = ""

    def args(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass
class Row:
    """One organisation as the list and the exports show it."""

    id: int
    name: str
    sector: str
    status: str
    status_since: date
    website: str | None
    notes: str | None
    contact_name: str | None
    contact_email: str | None
    contact_consent_on: date | None
    areas: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)


def rows(filters: Filters, *, full: bool = False) -> list[Row]:
    """The organisations that match, by name, with their areas and themes: three statements whatever the number
    (the organisations, then the areas and the themes of all of them). ``full`` adds notes and contacts."""
    columns = [Organisation.id, Organisation.name, Organisation.sector, Organisation.status,
               Organisation.status_since, Organisation.website]
    if full:
        columns += [Organisation.notes, Organisation.contact_name, Organisation.contact_email,
                    Organisation.contact_consent_on]
    stmt = select(*columns)
    if filters.status:
        stmt = stmt.where(Organisation.status == filters.status)
    if filters.sector:
        stmt = stmt.where(Organisation.sector == filters.sector)
    if filters.area:
        stmt = stmt.where(Organisation.id.in_(select(OrganisationArea.organisation_id)
                                              .where(OrganisationArea.area == filters.area)))
    if filters.theme:
        stmt = stmt.where(Organisation.id.in_(select(OrganisationTheme.organisation_id)
                                              .where(OrganisationTheme.theme_slug == filters.theme)))
    found = {}
    for values in db.session.execute(stmt.order_by(func.lower(Organisation.name), Organisation.id)):
        values = list(values) + [None] * (10 - len(values))
        found[values[0]] = Row(*values)
    if not found:
        return []
    matching = stmt.with_only_columns(Organisation.id).order_by(None)
    for organisation_id, area in db.session.execute(
            select(OrganisationArea.organisation_id, OrganisationArea.area)
            .where(OrganisationArea.organisation_id.in_(matching)).order_by(OrganisationArea.area)):
        found[organisation_id].areas.append(area)
    for organisation_id, slug in db.session.execute(
            select(OrganisationTheme.organisation_id, OrganisationTheme.theme_slug)
            .where(OrganisationTheme.organisation_id.in_(matching)).order_by(OrganisationTheme.theme_slug)):
        found[organisation_id].themes.append(slug)
    return list(found.values())


@dataclass
class Gaps:
    """Active partners by theme and area: ``counts[(theme, area)]``, zero where there is none (a gap)."""

    themes: dict[str, str]
    areas: dict[str, str]
    counts: dict[tuple[str, str], int]

    @property
    def missing(self) -> list[tuple[str, str]]:
        """[(theme name, area name)] of the gaps, theme by theme."""
        return [(self.themes[t], self.areas[a]) for t in self.themes for a in self.areas if not self.counts[(t, a)]]

    @property
    def most(self) -> int:
        return max(self.counts.values(), default=0)


def gaps() -> Gaps:
    """Where each theme has active partners, area by area (one statement)."""
    themes, areas = site_themes(), GAP_AREAS
    counts = {(t, a): 0 for t in themes for a in areas}
    stmt = (select(OrganisationTheme.theme_slug, OrganisationArea.area, func.count(Organisation.id))
            .join(OrganisationTheme, OrganisationTheme.organisation_id == Organisation.id)
            .join(OrganisationArea, OrganisationArea.organisation_id == Organisation.id)
            .where(Organisation.status == "active")
            .group_by(OrganisationTheme.theme_slug, OrganisationArea.area))
    for slug, area, number in db.session.execute(stmt):
        if (slug, area) in counts:
            counts[(slug, area)] = number
    return Gaps(themes, dict(areas), counts)


# -- exports ---------------------------------------------------------------------------------------------------------

def export_table(filters: Filters) -> tuple[list[str], list[list]]:
    """(headers, rows) of the map's CSV and XLSX: what the list shows, with notes, contacts and plugins' fields."""
    themes, questions = site_themes(), organisation_questions()
    found = rows(filters, full=True)
    answers = extras_of(row.id for row in found) if questions else {}
    headers = ["Name", "Sector", "Areas served", "Themes", "Partnership", "Since", "Website", "Contact name",
               "Contact email", "Contact agreed on", "Notes"]
    headers += [f"{group.heading}: {q.label}" for group in questions for q in group.fields]
    out = []
    for row in found:
        line = [row.name, SECTORS.get(row.sector, row.sector), ", ".join(AREAS.get(a, a) for a in row.areas),
                ", ".join(themes.get(t, t) for t in row.themes), STATUSES.get(row.status, row.status),
                row.status_since.isoformat(), row.website or "", row.contact_name or "", row.contact_email or "",
                row.contact_consent_on.isoformat() if row.contact_consent_on else "", row.notes or ""]
        line += [answer_text(q, answers.get(row.id, {}).get((group.plugin, q.name)))
                 for group in questions for q in group.fields]
        out.append(line)
    return headers, out
