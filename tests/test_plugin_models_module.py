"""The plugin manager's tables live beside it (issue 13, point 9): copractice.plugin_models, not the admin area."""
import importlib.util

import copractice.plugin_models as plugin_models
from copractice.extensions import db


def test_plugin_state_and_settings_are_plugin_models_with_no_copy_left_in_admin():
    assert plugin_models.PluginState.__tablename__ == "plugin_state"
    assert plugin_models.PluginSetting.__tablename__ == "plugin_setting"
    # The admin area keeps no models at all: the audit log is copractice.audit, the plugins' tables are here.
    assert importlib.util.find_spec("copractice.admin.models") is None
    assert db.metadata.tables["plugin_state"] is plugin_models.PluginState.__table__
