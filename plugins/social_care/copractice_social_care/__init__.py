"""Primary and Community Health and Social Care: care roles, and the groups partner organisations serve (a field of
the core's partnership map, where the plugin's own partner list moved)."""
from pathlib import Path

from copractice.plugin_api import (
    OrganisationField,
    ProfileField,
    SettingField,
    SpaceSpec,
    Theme,
    hookimpl,
    plugin_setting,
    slugify,
)

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

HERE = Path(__file__).parent
THEME = Theme(slug="social-care", name="Primary and Community Health and Social Care",
              summary="Co-production with people who use and provide care in GP practices, communities and homes.",
              colour="#330072")
CARE_ROLES = (("unpaid_carer", "Unpaid carer"), ("care_worker", "Care worker"), ("social_worker", "Social worker"),
              ("gp_practice", "GP practice staff"), ("commissioner", "Commissioner"), ("other", "Other"))


def partner_categories():
    """{key: label} of the groups partners serve, in the order set on the plugin's settings page.

    A key is what partners' rows store: the bundled categories keep their original keys, a new one's
    key is made from its words. Renaming a category starts a new one; partners keep the old key.
    """
    from copractice_social_care.models import GROUPS

    bundled = {label.lower(): key for key, label in GROUPS.items()}
    categories = {}
    for label in plugin_setting("social_care", "partner_categories"):
        key = bundled.get(label.lower()) or slugify(label).replace("-", "_")[:32]
        categories.setdefault(key, label)
    return categories


@hookimpl
def copractice_spaces(app):
    return [SpaceSpec(slug="social-care", name="Health and social care", theme_slug=THEME.slug,
                      description="For people who use and provide care in GP practices, communities and homes.",
                      guidelines="- Be kind: people here give and receive care.\n"
                                 "- Don't name people you care for or work with, or share their details.\n"
                                 "- Keep to what you may share from your workplace.\n"
                                 "- Worried about someone's safety? Use \"Report\" on the post.\n")]


@hookimpl
def copractice_settings_form(app):
    from copractice_social_care.models import GROUPS

    return [SettingField("partner_categories", "Groups partners serve", kind="list", default=tuple(GROUPS.values()),
                         required=True, maximum=30, max_length=60,
                         hint="One on each line. These are the choices of \"Groups they serve\" on the partnership "
                              "map's organisation form.")]


@hookimpl
def copractice_themes(app):
    return [THEME]


@hookimpl
def copractice_blueprints(app):
    from copractice_social_care.views import bp

    return [bp]


@hookimpl
def copractice_organisation_fields(app):
    return [OrganisationField("groups_served", "Groups they serve (optional)", kind="list",
                              choices=tuple(partner_categories().items()),
                              hint="Social care: the groups this organisation works with. The choices are set on "
                                   "the plugin's settings page.")]


@hookimpl
def copractice_profile_fields(app):
    return [ProfileField(name="care_role", label="What is your role in care? (optional)", choices=CARE_ROLES)]


@hookimpl
def copractice_migration_locations(app):
    return [str(HERE / "migrations" / "versions")]
