"""Primary and Community Health and Social Care: care roles and a directory of partner organisations."""
from pathlib import Path

from copractice.plugin_api import NavItem, ProfileField, Theme, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 1

HERE = Path(__file__).parent
THEME = Theme(slug="social-care", name="Primary and Community Health and Social Care",
              summary="Co-production with people who use and provide care in GP practices, communities and homes.",
              colour="#330072")
CARE_ROLES = (("unpaid_carer", "Unpaid carer"), ("care_worker", "Care worker"), ("social_worker", "Social worker"),
              ("gp_practice", "GP practice staff"), ("commissioner", "Commissioner"), ("other", "Other"))


@hookimpl
def copractice_themes(app):
    return [THEME]


@hookimpl
def copractice_blueprints(app):
    from copractice_social_care.views import bp

    return [bp]


@hookimpl
def copractice_nav_items(app, member):
    return [NavItem("Partners", "social_care.partners", order=67)]


@hookimpl
def copractice_profile_fields(app):
    return [ProfileField(name="care_role", label="What is your role in care? (optional)", choices=CARE_ROLES)]


@hookimpl
def copractice_migration_locations(app):
    return [str(HERE / "migrations" / "versions")]
