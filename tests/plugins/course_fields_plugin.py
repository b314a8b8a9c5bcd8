"""A plugin that adds questions of each kind to the course form, and one it gets wrong (left out)."""
from copractice.plugin_api import YES_NO, CourseField, SettingField, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_course_fields(app):
    return [
        CourseField("hearing_loop", "Hearing loop (optional)", choices=YES_NO, filterable=True),
        CourseField("room", "Room name (optional)", max_length=40),
        SettingField("languages", "Languages spoken (optional)", kind="list", maximum=3, max_length=30),
        CourseField("colour", "Room colour", filterable=True),  # filterable text: left out, logged
    ]
