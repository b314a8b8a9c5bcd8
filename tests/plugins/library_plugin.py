"""A plugin that adds a resource type with an extra field."""
from copractice.plugin_api import ProfileField, ResourceType, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_resource_types(app):
    return [ResourceType("memory_toolkit", "Memory-friendly toolkit",
                         fields=(ProfileField("reading_age", "Reading age", hint="For example: 9 years"),))]
