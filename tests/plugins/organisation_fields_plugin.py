"""A plugin that adds fields to the partnership map's organisations and hears them saved (issue 15 point 7)."""
from copractice.plugin_api import YES_NO, OrganisationField, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

SAVED = []  # (name, created, old status, new status) of each save the plugin heard


@hookimpl
def copractice_organisation_fields(app):
    if app.config.get("ORGANISATION_FIELDS_PLUGIN_RAISES"):
        raise RuntimeError("the organisation fields plugin broke")
    return [
        OrganisationField("charity_number", "Charity number (optional)", max_length=8),
        OrganisationField("faith_based", "Faith-based (optional)", choices=YES_NO),
        OrganisationField("reaches", "Who they reach (optional)", kind="list",
                          choices=(("carers", "Carers"), ("young", "Young people"))),
        OrganisationField("Bad Name", "A field with a name that is not allowed"),  # left out
    ]


@hookimpl
def copractice_organisation_saved(app, organisation, created, old_status):
    if app.config.get("ORGANISATION_SAVED_PLUGIN_RAISES"):
        raise RuntimeError("the organisation saved hook broke")
    SAVED.append((organisation.name, created, old_status, organisation.status))
