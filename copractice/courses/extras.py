"""Questions plugins add to the course form (``copractice_course_fields``), and their answers.

A plugin lists ``CourseField`` questions (a ``SettingField`` with ``filterable``): the course form asks them in a
fieldset per plugin, judged by ``copractice.plugin_settings.check`` (the one place a typed answer is judged, the
same messages as on a settings page); the answers are stored per course and plugin (``CourseExtra``); the course
page shows them under the plugin's heading (they arrive with the rest of the page, ``catalogue.course_page``);
and a filterable choice becomes a filter of the catalogue (an EXISTS in its one statement, ``catalogue``).

Only enabled plugins' questions are asked and shown. A disabled plugin's answers stay in the table, untouched
by saving the form, and are shown again when it is enabled. Answers are course facts, never personal data.
"""
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import g, has_app_context
from sqlalchemy import select

from copractice.courses.models import Course, CourseExtra
from copractice.extensions import db
from copractice.plugin_settings import KINDS, SettingInvalid, SettingsInvalid, as_text, check, form_field
from copractice.plugin_types import CourseField, SettingField
from copractice.plugins import get_plugins

log = logging.getLogger(__name__)
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_CACHE = "copractice_course_questions"


@dataclass(frozen=True)
class PluginQuestions:
    """One plugin's questions about a course, as its fieldset on the form and its list on the course page."""

    plugin: str
    heading: str
    fields: tuple[CourseField, ...]

    def key(self, field: SettingField) -> str:
        """The name of ``field``'s input on the course form and of its filter in the catalogue's address."""
        return form_name(self.plugin, field.name)


def form_name(plugin: str, name: str) -> str:
    return f"{plugin}__{name}"


def _heading(plugin: str, themes: Mapping[str, str]) -> str:
    """The name of the theme the plugin provides ("Living with Dementia"), else its name in words."""
    return themes.get(plugin) or plugin.replace("_", " ").capitalize()


def collect_questions(hook: str, what: str) -> list[PluginQuestions]:
    """Every enabled plugin's answer to a questions hook (``copractice_course_fields``, ``..._directory_fields``,
    ``..._organisation_fields``): a group per plugin in plugin order, headed by the plugin's theme.

    A question that is not a SettingField, has a kind settings do not know, a name that is not lower-case letters,
    digits and underscores, or is ``filterable`` without choices, is left out and logged as a ``what`` (the
    plugin's mistake); a second question of the same name from one plugin is left out too."""
    plugins = get_plugins()
    by_plugin: dict[str, list[Any]] = {}
    for plugin, field in plugins.collect_by_plugin(hook):
        problem = _problem(field)
        if problem:
            log.error("plugin %s: %s %r left out: %s", plugin, what, getattr(field, "name", field), problem)
            continue
        if all(known.name != field.name for known in by_plugin.get(plugin, ())):
            by_plugin.setdefault(plugin, []).append(field)
    themes: dict[str, str] = {}
    if by_plugin:
        for plugin, theme in plugins.collect_by_plugin("copractice_themes"):
            themes.setdefault(plugin, theme.name)
    return [PluginQuestions(plugin, _heading(plugin, themes), tuple(fields)) for plugin, fields in by_plugin.items()]


def course_questions() -> list[PluginQuestions]:
    """Every enabled plugin's course questions (``collect_questions``), kept for the request."""
    cache = g if has_app_context() else None
    if cache is not None and _CACHE in cache:
        return cache.get(_CACHE)
    groups = collect_questions("copractice_course_fields", "course question")
    if cache is not None:
        setattr(cache, _CACHE, groups)
    return groups


def _problem(field: Any) -> str | None:
    if not isinstance(field, SettingField):
        return "it is not a SettingField"
    if field.type not in KINDS:
        return f"kind must be one of {', '.join(KINDS)}"
    if not _NAME.match(field.name or ""):
        return "its name must be lower-case letters, digits and underscores"
    if getattr(field, "filterable", False) and field.type != "choice":
        return "only a choice (such as yes or no) can filter the catalogue"
    return None


def judge(field: SettingField, answer: Any) -> Any:
    """The typed answer to a course question, or SettingInvalid with the message shown beside it.

    ``check`` judges it, as on a settings page; only an unanswered optional choice is allowed here (a setting
    always has one of its choices; a course may not have been asked yet)."""
    if field.type == "choice" and not field.required and (answer is None or not str(answer).strip()):
        return None
    return check(field, answer)


def form_fields(questions: list[PluginQuestions], answers: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    """{input name: unbound WTForms field} for the course form, showing the saved ``answers`` (stored text)."""
    fields = {}
    for group in questions:
        for field in group.fields:
            stored = answers.get((group.plugin, field.name))
            value = None
            if stored is not None:
                try:
                    value = judge(field, stored)
                except SettingInvalid:  # saved under an older version of the plugin: shown as it was kept
                    value = stored
            fields[group.key(field)] = form_field(field, value, judge=judge)
    return fields


def answers_from(form: Any, questions: list[PluginQuestions]) -> dict[tuple[str, str], Any]:
    """{(plugin, name): what was entered} for every question on a submitted course form."""
    return {(group.plugin, field.name): form[group.key(field)].data for group in questions for field in group.fields}


def answers_of(course_id: int | None) -> dict[tuple[str, str], str]:
    """{(plugin, name): stored text} of every answer about a course, enabled plugins' or not (one statement)."""
    if course_id is None:
        return {}
    rows = db.session.execute(select(CourseExtra.plugin, CourseExtra.name, CourseExtra.value)
                              .where(CourseExtra.course_id == course_id))
    return {(plugin, name): value for plugin, name, value in rows}


def checked(answers: Mapping[tuple[str, str], Any] | None,
            questions: list[PluginQuestions] | None = None) -> dict[tuple[str, str], str]:
    """{(plugin, name): text to store ("" to remove)} for the questions ``answers`` answers, each judged;
    SettingsInvalid (``errors`` by input name) if any is wrong. Changes nothing: call it before writing."""
    if not answers:
        return {}
    questions = course_questions() if questions is None else questions
    texts, errors = {}, {}
    for group in questions:
        for field in group.fields:
            key = (group.plugin, field.name)
            if key not in answers:
                continue
            try:
                texts[key] = as_text(field, judge(field, answers[key]))
            except SettingInvalid as exc:
                errors[group.key(field)] = str(exc)
    if errors:
        raise SettingsInvalid(errors)
    return texts


def store(actor: Any, course: Course, texts: Mapping[tuple[str, str], str]) -> bool:
    """Write checked answers (``checked``) about ``course``: add, change, or remove ("") each; flushes, and when
    something changed marks the course changed (its page's ETag, the catalogue's kept order) and audits it.
    Answers of plugins not in ``texts`` (a disabled plugin's) are left as they are. True when something changed."""
    from copractice import pieces
    from copractice.audit import audit
    from copractice.courses.operations import touch

    if not texts:
        return False
    rows = {(row.plugin, row.name): row for row in db.session.scalars(
        select(CourseExtra).where(CourseExtra.course_id == course.id))}
    before, after = {}, {}
    for (plugin, name), text in texts.items():
        row, label = rows.get((plugin, name)), form_name(plugin, name)
        old = row.value if row is not None else ""
        if old == text:
            continue
        before[label], after[label] = old or None, text or None
        if not text:
            db.session.delete(row)
        elif row is None:
            db.session.add(CourseExtra(course_id=course.id, plugin=plugin, name=name, value=text))
        else:
            row.value = text
    if not after:
        return False
    touch(course)
    db.session.flush()
    pieces.changed("catalogue")  # a filter of the catalogue may now find it, or not
    audit(actor, "course.answers_changed", "course", course.id, course.title, before, after)
    return True


def shown(questions: list[PluginQuestions], answers: Mapping[tuple[str, str], str]) -> list[tuple[str, list]]:
    """[(heading, [(label, answer as shown)])] for the course page: enabled plugins' answered questions, in order.

    A choice shows its label; a list its entries joined by commas."""
    out = []
    for group in questions:
        items = []
        for field in group.fields:
            stored = answers.get((group.plugin, field.name))
            if not stored:
                continue
            try:
                value = judge(field, stored)
            except SettingInvalid:  # kept from an older version of the plugin's question: not shown
                continue
            if field.type == "choice":
                text = dict(field.choices).get(value, value)
            elif field.type == "list":
                text = ", ".join(value)
            else:
                text = str(value)
            items.append((_plain_label(field.label), text))
        if items:
            out.append((group.heading, items))
    return out


def _plain_label(label: str) -> str:
    """A question's label as a term on the course page: without "(optional)"."""
    return re.sub(r"\s*\(optional\)\s*$", "", label)


def catalogue_filters(questions: list[PluginQuestions]) -> list[tuple[str, str, CourseField, str]]:
    """[(plugin, input name, field, label)] of the filterable questions: a filter of the catalogue each."""
    return [(group.plugin, group.key(field), field, field.filter_label or _plain_label(field.label))
            for group in questions for field in group.fields if getattr(field, "filterable", False)]
