"""The member directory (issue 14 point 5): who is listed, their entries, and the search with facets.

Opt-in only: a member is listed while their latest "directory" consent (``ConsentEvent``) is a grant, their
account is on, not erased, confirmed, and they are not a young person. That is one SQL condition (``listed``),
read by every query of the directory, so withdrawing the consent removes the entry from the very next request;
nothing about the directory is cached. Lived-experience tags are shown, searched and counted only under their
own consent ("lived_experience"). Email addresses are never read here.

Pages read a bounded number of statements whatever the number of members: the facet counts come from the one
match (two grouped counts), then one page of rows, its tags and its plugin fields.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, false, func, or_, select, true
from sqlalchemy.orm import lazyload

from copractice.community import safety
from copractice.courses.extras import PluginQuestions, checked, collect_questions, shown
from copractice.errors import Refused
from copractice.extensions import db
from copractice.forms import has_line_breaking
from copractice.members import operations as member_ops
from copractice.members.models import AREAS, STAKEHOLDER_TYPES, ConsentEvent, Member
from copractice.plugin_settings import SettingsInvalid
from copractice.plugins import get_plugins
from copractice.timeutil import utcnow

from .directory_models import DirectoryEntry, DirectoryExtra, DirectoryTag

MAX_TAGS = 10
MAX_TAG_LENGTH = 40
PAGE_SIZE = 20
FACET_OPTIONS = 12  # the most common values of a tag facet shown
MAX_QUERY = 100

# Offered as ticks on the entry form; members may add their own words too.
SUGGESTED_LIVED = (
    "Carer of someone with dementia",
    "Living with dementia",
    "Living with a long-term condition",
    "Experience of mental health services",
    "Parent or carer of a young person",
    "Disabled person",
    "Uses social care services",
    "Former carer",
)

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


class EntryInvalid(Refused):
    """Something on a directory entry cannot be saved; ``field`` names the form field it is about."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def _is_young(member: Any) -> bool:
    """Whether ``member`` is a young person, who never appears in the directory (issue 14 point 4).

    The one check of the directory's Python side; ``listed`` says the same in SQL (``Member.under_18``)."""
    return safety.is_young(member)  # the community's one rule (a plugin may widen it)


# -- tags ------------------------------------------------------------------------------------------------------

def normalise_tag(label: str) -> str:
    """The form of a tag that is searched, counted and compared: lower case, single spaces."""
    return " ".join(label.split()).casefold()


def parse_tags(answer: str | Iterable[str] | None, *, field_name: str, limit: int = MAX_TAGS) -> list[str]:
    """The tags in ``answer`` (text separated by commas, or a list), tidied and without repeats, in order.

    Raises EntryInvalid (about ``field_name``) for a tag with a line break, a control or hidden character, one
    longer than MAX_TAG_LENGTH, or more than ``limit`` tags."""
    if answer is None:
        return []
    parts = answer.split(",") if isinstance(answer, str) else [str(part) for part in answer]
    tags, seen = [], set()
    for part in parts:
        if has_line_breaking(part):
            raise EntryInvalid(field_name, "Use letters, numbers and spaces in tags: remove any line breaks, tabs "
                                           "or hidden characters.")
        label = " ".join(part.split())
        if not label:
            continue
        if len(label) > MAX_TAG_LENGTH:
            raise EntryInvalid(field_name, f"“{label[:MAX_TAG_LENGTH]}…” is too long: use {MAX_TAG_LENGTH} "
                                           "characters or fewer for each tag.")
        key = normalise_tag(label)
        if key not in seen:
            seen.add(key)
            tags.append(label)
        if len(tags) > limit:
            raise EntryInvalid(field_name, f"Add no more than {limit} tags.")
    return tags


# -- plugins' fields (copractice_directory_fields) ----------------------------------------------------------------

def directory_questions() -> list[PluginQuestions]:
    """Every enabled plugin's directory fields, a group per plugin in plugin order (``collect_questions``)."""
    return collect_questions("copractice_directory_fields", "directory field")


def extra_answers_of(member_ids: Iterable[int]) -> dict[int, dict[tuple[str, str], str]]:
    """{member id: {(plugin, name): stored text}} for these members (one statement)."""
    ids = sorted(set(member_ids))
    out: dict[int, dict[tuple[str, str], str]] = {}
    if not ids:
        return out
    rows = db.session.execute(select(DirectoryExtra.member_id, DirectoryExtra.plugin, DirectoryExtra.name,
                                     DirectoryExtra.value).where(DirectoryExtra.member_id.in_(ids)))
    for member_id, plugin, name, value in rows:
        out.setdefault(member_id, {})[(plugin, name)] = value or ""
    return out


def _store_extras(member: Member, texts: Mapping[tuple[str, str], str]) -> None:
    rows = {(row.plugin, row.name): row for row in db.session.scalars(
        select(DirectoryExtra).where(DirectoryExtra.member_id == member.id))}
    for (plugin, name), text in texts.items():
        row = rows.get((plugin, name))
        if not text:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(DirectoryExtra(member_id=member.id, plugin=plugin, name=name, value=text))
        else:
            row.value = text


# -- who is listed -----------------------------------------------------------------------------------------------

def _consent(kind: str):
    """SQL: the member's latest event of consent ``kind`` (True, False, or NULL for none), per Member row."""
    return (select(ConsentEvent.granted).where(ConsentEvent.member_id == Member.id, ConsentEvent.kind == kind)
            .order_by(ConsentEvent.id.desc()).limit(1).correlate(Member).scalar_subquery())


def listed():
    """SQL condition on Member: listed in the directory now (see the module's docstring)."""
    return and_(Member.active.is_(True), Member.erased_at.is_(None), Member.email_verified_at.is_not(None),
                Member.under_18.is_(False), _consent("directory") == true())


def site_themes() -> dict[str, str]:
    """{slug: name} of the site's themes (enabled plugins' and the core's)."""
    return {slug: theme.name for slug, theme in get_plugins().themes().items()}


# -- a member's own entry ----------------------------------------------------------------------------------------

@dataclass
class OwnEntry:
    """A member's entry as their form shows it."""

    listed: bool
    show_lived: bool
    open_to_mentoring: bool = False
    expertise: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    lived: list[str] = field(default_factory=list)
    extras: dict[tuple[str, str], str] = field(default_factory=dict)


def own_entry(member: Member) -> OwnEntry:
    """What ``member`` has put in the directory, and whether they are listed (their consents)."""
    consents = member_ops.current_consents(member)
    granted = {kind: bool(event and event.granted) for kind, event in consents.items()}
    entry = OwnEntry(listed=granted.get("directory", False), show_lived=granted.get("lived_experience", False))
    row = db.session.get(DirectoryEntry, member.id)
    entry.open_to_mentoring = bool(row and row.open_to_mentoring)
    for tag in db.session.scalars(select(DirectoryTag).where(DirectoryTag.member_id == member.id)
                                  .order_by(DirectoryTag.id)):
        {"expertise": entry.expertise, "theme": entry.themes, "lived": entry.lived}[tag.kind].append(
            tag.value if tag.kind == "theme" else tag.label)
    entry.extras = extra_answers_of([member.id]).get(member.id, {})
    return entry


def save_entry(member: Member, *, listed: bool, show_lived: bool, expertise: str | Iterable[str] | None = None,
               themes: Iterable[str] = (), lived: str | Iterable[str] | None = None, open_to_mentoring: bool = False,
               extras: Mapping[tuple[str, str], Any] | None = None,
               questions: list[PluginQuestions] | None = None) -> None:
    """Record whether ``member`` is listed (and shows lived experience) and what their entry says. Flushes.

    The two consents are recorded as ConsentEvents like every other choice (the others are left as they are).
    Refuses (EntryInvalid, before writing anything) bad tags, themes the site does not have, and wrong answers to
    plugins' fields; refuses a young person (Refused)."""
    if _is_young(member):
        raise Refused("The member directory is for members aged 18 and over, so you cannot add yourself to it.")
    expertise_tags = parse_tags(expertise, field_name="expertise")
    lived_tags = parse_tags(lived, field_name="lived")
    known = site_themes()
    chosen = list(dict.fromkeys(themes or ()))
    if any(slug not in known for slug in chosen):
        raise EntryInvalid("themes", "Choose themes from the list.")
    questions = directory_questions() if questions is None else questions
    try:
        texts = checked(dict(extras or {}), questions)
    except SettingsInvalid as exc:
        name, message = next(iter(exc.errors.items()))
        raise EntryInvalid(name, message) from None

    current = member_ops.current_consents(member)
    wanted = {kind: bool(event and event.granted) for kind, event in current.items()}
    wanted.update(directory=bool(listed), lived_experience=bool(show_lived))
    member_ops.set_consents(member, wanted)

    row = db.session.get(DirectoryEntry, member.id)
    if row is None:
        row = DirectoryEntry(member_id=member.id)
        db.session.add(row)
    row.open_to_mentoring = bool(open_to_mentoring)
    row.updated_at = utcnow()
    db.session.execute(delete(DirectoryTag).where(DirectoryTag.member_id == member.id))
    for kind, labels in (("expertise", expertise_tags), ("theme", [known[slug] for slug in chosen]),
                         ("lived", lived_tags)):
        for label, slug in zip(labels, chosen if kind == "theme" else labels, strict=True):
            value = slug if kind == "theme" else normalise_tag(label)
            db.session.add(DirectoryTag(member_id=member.id, kind=kind, value=value, label=label))
    _store_extras(member, texts)
    db.session.flush()


# -- the search ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Criteria:
    """What a directory search asks for; empty values ask for nothing."""

    q: str = ""
    area: str = ""
    stakeholder: str = ""
    theme: str = ""
    expertise: str = ""
    lived: str = ""
    mentoring: bool = False

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query-string arguments of these criteria with ``changes`` (a value of "" or False drops one)."""
        values = {"q": self.q, "area": self.area, "stakeholder": self.stakeholder, "theme": self.theme,
                  "expertise": self.expertise, "lived": self.lived, "mentoring": "yes" if self.mentoring else ""}
        values.update({k: ("yes" if v is True else v or "") for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    label: str
    options: list[FacetOption]


@dataclass
class Listing:
    """One member as the directory shows them."""

    member_id: int
    name: str
    organisation: str | None
    area: str
    stakeholder: str
    open_to_mentoring: bool
    expertise: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    lived: list[str] = field(default_factory=list)
    extras: list[tuple[str, list]] = field(default_factory=list)


@dataclass
class Results:
    criteria: Criteria
    total: int
    page: int
    pages: int
    listings: list[Listing]
    facets: list[Facet]

    # What the pagination macro (admin/_pagination.html) reads.
    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


def _conditions(criteria: Criteria, lived_ok) -> list:
    conds = [listed()]
    if criteria.area:
        conds.append(Member.area == criteria.area)
    if criteria.stakeholder:
        conds.append(Member.stakeholder_type == criteria.stakeholder)
    for kind, value in (("theme", criteria.theme), ("expertise", normalise_tag(criteria.expertise)),
                        ("lived", normalise_tag(criteria.lived))):
        if value:
            has = select(DirectoryTag.id).where(DirectoryTag.member_id == Member.id, DirectoryTag.kind == kind,
                                                DirectoryTag.value == value).correlate(Member).exists()
            conds.append(and_(has, lived_ok) if kind == "lived" else has)
    if criteria.mentoring:
        conds.append(select(DirectoryEntry.member_id).where(DirectoryEntry.member_id == Member.id,
                                                            DirectoryEntry.open_to_mentoring.is_(True))
                     .correlate(Member).exists())
    if criteria.q:
        text = criteria.q.casefold()
        tag_hit = select(DirectoryTag.id).where(
            DirectoryTag.member_id == Member.id, func.lower(DirectoryTag.label).contains(text, autoescape=True),
            or_(DirectoryTag.kind != "lived", lived_ok)).correlate(Member).exists()
        conds.append(or_(func.lower(Member.name).contains(text, autoescape=True),
                         func.lower(func.coalesce(Member.organisation, "")).contains(text, autoescape=True), tag_hit))
    return conds


def search(criteria: Criteria, page: int = 1, *, per_page: int = PAGE_SIZE) -> Results:
    """One page of the listed members that match ``criteria``, by name, with the facet counts of the match."""
    lived_ok = _consent("lived_experience") == true()
    conds = _conditions(criteria, lived_ok)
    matched = select(Member.id.label("id"), Member.area.label("area"), Member.stakeholder_type.label("stakeholder"),
                     lived_ok.label("lived")).where(*conds).subquery()
    mentoring = func.coalesce(DirectoryEntry.open_to_mentoring, false())
    counts = db.session.execute(
        select(matched.c.area, matched.c.stakeholder, mentoring, func.count())
        .select_from(matched).outerjoin(DirectoryEntry, DirectoryEntry.member_id == matched.c.id)
        .group_by(matched.c.area, matched.c.stakeholder, mentoring)).all()
    tag_counts = db.session.execute(
        select(DirectoryTag.kind, DirectoryTag.value, func.min(DirectoryTag.label), func.count())
        .join(matched, matched.c.id == DirectoryTag.member_id)
        .where(or_(DirectoryTag.kind != "lived", matched.c.lived == true()))
        .group_by(DirectoryTag.kind, DirectoryTag.value)).all()
    total = sum(row[3] for row in counts)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)

    # Whole members (one page of them, their leaderships not loaded), so ``_is_young`` sees what it would anywhere.
    found = db.session.execute(
        select(Member, mentoring, lived_ok).outerjoin(DirectoryEntry, DirectoryEntry.member_id == Member.id)
        .options(lazyload(Member.leaderships))
        .where(*conds).order_by(func.lower(Member.name), Member.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    rows = [(member, mentors, lived) for member, mentors, lived in found if not _is_young(member)]
    listings = {m.id: Listing(m.id, m.name, m.organisation, AREAS.get(m.area or "", ""),
                              STAKEHOLDER_TYPES.get(m.stakeholder_type, ""), bool(mentors)) for m, mentors, _ in rows}
    shows_lived = {m.id for m, _, lived in rows if lived}
    if listings:
        for member_id, kind, label in db.session.execute(
                select(DirectoryTag.member_id, DirectoryTag.kind, DirectoryTag.label)
                .where(DirectoryTag.member_id.in_(sorted(listings))).order_by(DirectoryTag.id)):
            if kind == "lived" and member_id not in shows_lived:
                continue
            getattr(listings[member_id], kind if kind != "theme" else "themes").append(label)
        questions = directory_questions()
        if questions:
            for member_id, answers in extra_answers_of(listings).items():
                listings[member_id].extras = shown(questions, answers)
    return Results(criteria, total, page, pages, list(listings.values()),
                   _facets(criteria, counts, tag_counts))


def _facets(criteria: Criteria, counts, tag_counts) -> list[Facet]:
    areas: dict[str, int] = {}
    kinds: dict[str, int] = {}
    mentors = 0
    for area, stakeholder, mentoring, n in counts:
        if area:
            areas[area] = areas.get(area, 0) + n
        kinds[stakeholder] = kinds.get(stakeholder, 0) + n
        mentors += n if mentoring else 0
    tags: dict[str, list[tuple[str, str, int]]] = {"theme": [], "expertise": [], "lived": []}
    themes = site_themes()
    for kind, value, label, n in tag_counts:
        if kind == "theme":
            if value not in themes:
                continue  # a theme whose plugin is off
            label = themes[value]
        tags[kind].append((value, label, n))
    selected = {"area": criteria.area, "stakeholder": criteria.stakeholder, "theme": criteria.theme,
                "expertise": normalise_tag(criteria.expertise), "lived": normalise_tag(criteria.lived)}

    def options(name, items):
        return [FacetOption(value, label, n, selected[name] == value) for value, label, n in items]

    def top(items):
        return sorted(items, key=lambda item: (-item[2], item[1].casefold()))[:FACET_OPTIONS]

    return [
        Facet("area", "Area", options("area", [(k, AREAS[k], areas[k]) for k in AREAS if k in areas])),
        Facet("stakeholder", "Describes themselves as",
              options("stakeholder", [(k, STAKEHOLDER_TYPES[k], kinds[k]) for k in STAKEHOLDER_TYPES if k in kinds])),
        Facet("theme", "Theme", options("theme", sorted(tags["theme"], key=lambda item: item[1]))),
        Facet("expertise", "Expertise", options("expertise", top(tags["expertise"]))),
        Facet("lived", "Lived experience", options("lived", top(tags["lived"]))),
        Facet("mentoring", "Mentoring", [FacetOption("yes", "Open to mentoring", mentors, criteria.mentoring)]
              if mentors or criteria.mentoring else []),
    ]


def is_listed(member_id: int) -> bool:
    """Whether the member with this id is in the directory now."""
    return bool(db.session.scalar(select(Member.id).where(Member.id == member_id, listed())))


# -- a member's data ----------------------------------------------------------------------------------------------

def export_entry(member: Member) -> dict:
    """The member's directory entry for "download my data" (whether or not they are listed now)."""
    entry = own_entry(member)
    themes = site_themes()
    row = db.session.get(DirectoryEntry, member.id)
    return {
        "listed": entry.listed,
        "shows_lived_experience": entry.show_lived,
        "open_to_mentoring": entry.open_to_mentoring,
        "expertise": entry.expertise,
        "themes": [themes.get(slug, slug) for slug in entry.themes],
        "lived_experience": entry.lived,
        "plugin_fields": [{"plugin": plugin, "field": name, "value": value}
                          for (plugin, name), value in sorted(entry.extras.items())],
        "updated_at": row.updated_at.isoformat() + "Z" if row is not None else None,
    }


def erase_entry(member: Member) -> None:
    """Delete the member's directory entry, tags and plugin fields (their account is being erased)."""
    for model in (DirectoryTag, DirectoryExtra, DirectoryEntry):
        db.session.execute(delete(model).where(model.member_id == member.id))

