"""A plugin that adds fields to members' directory entries (copractice_directory_fields), one of them wrong."""
from copractice.plugin_api import YES_NO, DirectoryField, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_directory_fields(app):
    if app.config.get("DIRECTORY_FIELDS_PLUGIN_RAISES"):
        raise RuntimeError("the directory fields plugin broke")
    return [
        DirectoryField("buddy_trained", "Trained as a co-production buddy (optional)", choices=YES_NO),
        DirectoryField("languages", "Languages you speak (optional)", kind="list", maximum=3, max_length=30),
        DirectoryField("Bad Name", "A field with a name that is not allowed"),  # left out
    ]
