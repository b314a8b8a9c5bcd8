"""A plugin using the platform hooks: a widget, settings, a command, page assets, a facilitator rule, register extras."""
from pathlib import Path

import click
from flask import Blueprint, url_for

from copractice.plugin_api import PageAssets, RegisterExtra, SettingField, Widget, hookimpl, plugin_setting

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

bp = Blueprint("platform", __name__, url_prefix="/platform", static_folder=str(Path(__file__).parent / "platform_static"),
               static_url_path="/static")


@hookimpl
def copractice_blueprints(app):
    return [bp]


@hookimpl
def copractice_dashboard_widgets(app, member):
    return [Widget("Your reading settings", f"Greeting: {plugin_setting('platform', 'greeting', 'Hello')}",
                   "Change them", "/account")]


@hookimpl
def copractice_settings_form(app):
    return [SettingField("greeting", "Greeting shown to members", default="Hello", hint="A short word"),
            SettingField("size", "Text size", default="normal", choices=(("normal", "Normal"), ("large", "Large")))]


@click.command("platform-hello")
def hello():
    """Say hello from the plugin."""
    click.echo("hello from the platform plugin")


@hookimpl
def copractice_cli_commands(app):
    return [hello]


@hookimpl
def copractice_page_assets(app, member):
    classes = ("reading-large",) if plugin_setting("platform", "size") == "large" else ()
    return [PageAssets(stylesheets=(url_for("platform.static", filename="platform.css"),), body_classes=classes)]


@hookimpl
def copractice_facilitator_check(app, member, course):
    if "Unchecked" in member.name:
        return ["they have no safeguarding check recorded"]
    return []


@hookimpl
def copractice_register_extras(app, session):
    return [RegisterExtra("Pat Companion", "companion of Person 0")]


ERASED = []


@hookimpl
def copractice_member_data(app, member):
    return {"favourite_colour": "green"} if member.email else {}


@hookimpl
def copractice_member_erased(app, member):
    ERASED.append(member.id)
