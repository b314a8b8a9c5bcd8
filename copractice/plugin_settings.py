"""Plugins' settings: the typed fields a plugin declares, checking answers, reading and saving them.

A plugin lists its fields (``SettingField``) in ``copractice_settings_form``. Values are stored as text
in ``plugin_setting`` rows and read back typed through ``get_setting`` (``plugin_api.plugin_setting``),
which answers the field's default until someone saves the page. ``check`` is the one place an answer
is judged: the settings form shows its message beside the field, and ``save_settings`` refuses what
it refuses, so nothing else can store a value the plugin cannot use.
"""
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import g, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from copractice.extensions import db

if TYPE_CHECKING:
    from copractice.plugin_types import SettingField

KINDS = ("text", "int", "email", "choice", "list")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_CACHE = "copractice_plugin_settings"  # {plugin: {name: stored text}} for the rest of the app context


class SettingInvalid(ValueError):
    """An answer the setting cannot take; the message is shown beside the field."""


class SettingsInvalid(ValueError):
    """Some answers could not be saved: ``errors`` maps each field's name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


def setting_fields(plugin: str) -> list["SettingField"]:
    """The ``SettingField`` list ``plugin`` declares (empty when it has no settings)."""
    from copractice.plugins import get_plugins

    fields = get_plugins().collect_from(plugin, "copractice_settings_form")
    for field in fields:
        if field.type not in KINDS:
            raise ValueError(f"setting {plugin}.{field.name}: kind must be one of {', '.join(KINDS)}")
    return fields


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:]


def check(field: "SettingField", answer: Any) -> Any:
    """The typed value of ``answer`` (text from a form, or a value) for ``field``; SettingInvalid if it cannot be."""
    kind = field.type
    if kind == "list":
        items = answer.splitlines() if isinstance(answer, str) else list(answer or ())
        items = [str(item).strip() for item in items if str(item).strip()]
        if field.required and not items:
            raise SettingInvalid(field.message or f"Enter at least one, one on each line: {_lower_first(field.label)}.")
        if field.maximum is not None and len(items) > field.maximum:
            raise SettingInvalid(f"Enter no more than {field.maximum}, one on each line.")
        seen = set()
        for item in items:
            if len(item) > field.max_length:
                raise SettingInvalid(f"“{item[:40]}” is too long: use {field.max_length} characters or fewer.")
            if item.lower() in seen:
                raise SettingInvalid(f"“{item}” is listed twice. List each one once.")
            seen.add(item.lower())
        return tuple(items)
    text = "" if answer is None else str(answer).strip()
    if not text:
        if kind == "choice":
            raise SettingInvalid(field.message or "Choose one of the options.")
        if field.required and kind == "int" and field.minimum is not None and field.maximum is not None:
            raise SettingInvalid(field.message or f"Enter a number from {field.minimum} to {field.maximum}.")
        if field.required:
            raise SettingInvalid(field.message or f"Enter {_lower_first(field.label)}.")
        return None if kind == "int" else ""
    if kind == "int":
        if not re.fullmatch(r"-?\d{1,9}", text):
            example = field.default if field.default not in (None, "") else (field.minimum or 10)
            raise SettingInvalid(field.message or f"Enter a whole number, like {example}.")
        number = int(text)
        low, high = field.minimum, field.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            if low is not None and high is not None:
                raise SettingInvalid(field.message or f"Enter a number from {low} to {high}.")
            raise SettingInvalid(field.message or (f"Enter {low} or more." if low is not None else f"Enter {high} or less."))
        return number
    if kind == "choice":
        if text not in {value for value, _label in field.choices}:
            raise SettingInvalid(field.message or "Choose one of the options.")
        return text
    if "\n" in text or "\r" in text:
        raise SettingInvalid("Enter this on one line.")
    if len(text) > (254 if kind == "email" else field.max_length):
        raise SettingInvalid(f"Use {254 if kind == 'email' else field.max_length} characters or fewer.")
    if kind == "email" and not _EMAIL.match(text):
        raise SettingInvalid(field.message or "Enter an email address in the right form, like name@example.org.")
    return text


def as_text(field: "SettingField", value: Any) -> str:
    """How ``value`` is stored (and shown in the form): lists one entry per line."""
    if value is None:
        return ""
    if field.type == "list":
        return "\n".join(value)
    return str(value)


def _stored(plugin: str) -> dict[str, str | None]:
    """{name: stored text} of ``plugin``, read once per app context (a request, a command, a job)."""
    from copractice.plugin_models import PluginSetting

    cache = g.setdefault(_CACHE, {}) if has_app_context() else {}
    if plugin not in cache:
        try:
            cache[plugin] = dict(db.session.execute(select(PluginSetting.name, PluginSetting.value)
                                                    .where(PluginSetting.plugin == plugin)).all())
        except SQLAlchemyError:  # before the first `db upgrade`: the defaults stand
            db.session.rollback()
            return {}
    return cache[plugin]


def _value(field: "SettingField", stored: Mapping[str, str | None]) -> Any:
    if field.name not in stored:
        return field.default
    try:
        value = check(field, stored[field.name])
    except SettingInvalid:  # saved under an older version of the plugin: the default stands
        return field.default
    if value is None or (value == "" and field.required):
        return field.default
    return value


def settings_of(plugin: str) -> dict[str, Any]:
    """{name: typed value} of every setting ``plugin`` declares."""
    stored = _stored(plugin)
    return {field.name: _value(field, stored) for field in setting_fields(plugin)}


def get_setting(plugin: str, name: str, default: Any = None) -> Any:
    """One of ``plugin``'s settings, typed; its declared default until saved (``default`` for undeclared names)."""
    stored = _stored(plugin)
    for field in setting_fields(plugin):
        if field.name == name:
            return _value(field, stored)
    return stored.get(name, default)


def save_settings(actor, plugin: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Check every answer, store them and record the change in the audit log; SettingsInvalid if any is wrong."""
    from copractice.audit import audit
    from copractice.plugin_models import PluginSetting

    fields = setting_fields(plugin)
    values, errors = {}, {}
    for field in fields:
        try:
            values[field.name] = as_text(field, check(field, answers.get(field.name)))
        except SettingInvalid as exc:
            errors[field.name] = str(exc)
    if errors:
        raise SettingsInvalid(errors)
    rows = {row.name: row for row in db.session.scalars(select(PluginSetting).where(PluginSetting.plugin == plugin))}
    before = {name: row.value for name, row in rows.items()}
    for name, text in values.items():
        if name in rows:
            rows[name].value = text
        else:
            db.session.add(PluginSetting(plugin=plugin, name=name, value=text))
    db.session.flush()
    after = {**before, **values}
    if has_app_context():
        g.pop(_CACHE, None)
    if before != after:
        audit(actor, "plugin.settings_changed", "plugin", plugin, plugin,
              {k: v for k, v in before.items() if after.get(k) != v}, {k: v for k, v in after.items() if before.get(k) != v})
    return settings_of(plugin)


def settings_form(fields: list["SettingField"], values: Mapping[str, Any], formdata=None):
    """A WTForms form for ``fields``, filled with ``values`` (typed); each answer is judged by ``check``."""
    from flask_wtf import FlaskForm

    attrs = {field.name: form_field(field, values.get(field.name, field.default)) for field in fields}
    return type("PluginSettingsForm", (FlaskForm,), attrs)(formdata)


def form_field(field: "SettingField", value: Any, judge=None):
    """The (unbound) WTForms field that asks ``field``, showing ``value`` (typed), its answer judged by ``judge``
    (default ``check``), whose SettingInvalid message is shown beside it. The settings form and the plugins'
    course questions (copractice/courses/extras.py) are made of these."""
    from wtforms import EmailField, RadioField, StringField, TextAreaField
    from wtforms.validators import ValidationError

    judge = judge or check

    def validate(form, form_field):
        try:
            judge(field, form_field.data)
        except SettingInvalid as exc:
            raise ValidationError(str(exc)) from None

    options = {"description": field.hint, "validators": [validate], "default": as_text(field, value)}
    kind = field.type
    if kind == "choice":
        return RadioField(field.label, choices=list(field.choices), validate_choice=False, **options)
    if kind == "list":
        return TextAreaField(field.label, **options)
    if kind == "email":
        return EmailField(field.label, **options)
    return StringField(field.label, **options)
