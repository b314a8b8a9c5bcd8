"""Living with Dementia: companion places, reading settings and a starter course."""
from pathlib import Path

import click
from flask import url_for
from flask.cli import with_appcontext
from sqlalchemy import delete, select

from copractice.extensions import db
from copractice.plugin_api import (NavItem, PageAssets, ProfileField, RegisterExtra, Theme, Widget, hookimpl)

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 1

HERE = Path(__file__).parent
THEME = Theme(slug="dementia", name="Living with Dementia",
              summary="Research and care co-produced with people living with dementia and those who support them.",
              colour="#7c2855")
CONNECTIONS = (("living_with", "I am living with dementia"), ("carer", "I care for someone living with dementia"),
               ("professional", "I work with people living with dementia"), ("other", "Another connection"))


def connection(member):
    """The member's answer to the plugin's profile question, or None."""
    from copractice.members.models import ProfileAnswer

    return db.session.scalar(select(ProfileAnswer.value).where(
        ProfileAnswer.member_id == member.id, ProfileAnswer.plugin == "dementia", ProfileAnswer.field == "connection"))


@hookimpl
def copractice_themes(app):
    return [THEME]


@hookimpl
def copractice_blueprints(app):
    from copractice_dementia.views import bp

    return [bp]


@hookimpl
def copractice_nav_items(app, member):
    if member.is_authenticated:
        return [NavItem("Reading settings", "dementia.reading", order=75)]
    return []


@hookimpl
def copractice_profile_fields(app):
    return [ProfileField(name="connection", label="What is your connection to dementia? (optional)",
                         choices=CONNECTIONS, hint="This helps us offer the right support, such as companion places.")]


@hookimpl
def copractice_migration_locations(app):
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def copractice_page_assets(app, member):
    from copractice_dementia.models import ReadingSettings

    if not member.is_authenticated:
        return []
    settings = db.session.get(ReadingSettings, member.id)
    if settings is None or not settings.body_classes():
        return []
    return [PageAssets(stylesheets=(url_for("dementia.static", filename="dementia.css"),),
                       body_classes=settings.body_classes())]


@hookimpl
def copractice_dashboard_widgets(app, member):
    widgets = [Widget("Easier reading", "Larger text, less movement and a simpler layout: switch on what helps you.",
                      "Choose reading settings", url_for("dementia.reading"))]
    if connection(member) == "living_with":
        widgets.append(Widget("Bringing someone with you?", "You can bring a companion to your courses. "
                              "They do not need a place of their own.", "Add a companion", url_for("dementia.companions")))
    return widgets


@hookimpl
def copractice_register_extras(app, session):
    from copractice.courses.models import ENROLLED, Enrolment
    from copractice_dementia.models import Companion

    rows = db.session.scalars(select(Companion).join(
        Enrolment, (Enrolment.course_id == Companion.course_id) & (Enrolment.member_id == Companion.member_id))
        .where(Companion.course_id == session.course_id, Enrolment.status == ENROLLED)
        .order_by(Companion.name)).all()
    return [RegisterExtra(c.name, f"companion of {c.member.name}") for c in rows]


@hookimpl
def copractice_member_data(app, member):
    from copractice_dementia.models import Companion, ReadingSettings

    settings = db.session.get(ReadingSettings, member.id)
    companions = db.session.scalars(select(Companion).where(Companion.member_id == member.id)).all()
    data = {}
    if settings:
        data["reading_settings"] = {"large_text": settings.large_text, "reduced_motion": settings.reduced_motion,
                                    "simple_layout": settings.simple_layout}
    if companions:
        data["companions"] = [{"course_id": c.course_id, "name": c.name, "relationship": c.relationship_to_member}
                              for c in companions]
    return data


@hookimpl
def copractice_member_erased(app, member):
    from copractice_dementia.models import Companion, ReadingSettings

    db.session.execute(delete(Companion).where(Companion.member_id == member.id))
    db.session.execute(delete(ReadingSettings).where(ReadingSettings.member_id == member.id))


@click.group("dementia")
def dementia_cli():
    """Living with Dementia plugin tasks."""


@dementia_cli.command("seed")
@with_appcontext
def seed():
    """Add the starter course and resources (safe to run again)."""
    from copractice.cli import site_request_context
    from copractice_dementia.starter import add_starter

    with site_request_context():
        made = add_starter()
        db.session.commit()
    click.echo(f"Living with Dementia starter content: {made} new item{'s' if made != 1 else ''}")


@hookimpl
def copractice_cli_commands(app):
    return [dementia_cli]
