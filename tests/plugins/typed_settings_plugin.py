"""A plugin with one setting of every kind, a command group made with AppGroup, and a nested group."""
import click
from flask.cli import AppGroup

from copractice.plugin_api import SettingField, hookimpl, plugin_setting

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

RAN = []


@hookimpl
def copractice_settings_form(app):
    return [
        SettingField("places", "Places on each course", kind="int", default=12, minimum=1, maximum=40),
        SettingField("contact", "Contact email address", kind="email", default="team@example.org", required=True),
        SettingField("tone", "How we write", default="plain", choices=(("plain", "Plain"), ("formal", "Formal"))),
        SettingField("topics", "Topics", kind="list", default=("Sleep", "Food"), maximum=3, max_length=20),
        SettingField("motto", "Motto", default="Together"),
    ]


typed = AppGroup("typed", help="The typed plugin's tasks.")  # no callback of its own


@typed.command("count")
def count():
    """Say how many places a course has."""
    RAN.append("count")
    click.echo(f"places: {plugin_setting('typed', 'places')}")


deeper = AppGroup("deeper")
typed.add_command(deeper)


@deeper.command("down")
def down():
    RAN.append("down")


@hookimpl
def copractice_cli_commands(app):
    return [typed]
