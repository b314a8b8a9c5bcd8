"""The plugin manager's tables live beside it (issue 13, point 9): copractice.plugin_models, not the admin area."""
import copractice.admin.models as admin_models
import copractice.plugin_models as plugin_models
from copractice.extensions import db


def test_plugin_state_and_settings_are_plugin_models_with_no_copy_left_in_admin():
    assert plugin_models.PluginState.__tablename__ == "plugin_state"
    assert plugin_models.PluginSetting.__tablename__ == "plugin_setting"
    assert not hasattr(admin_models, "PluginState") and not hasattr(admin_models, "PluginSetting")
    assert db.metadata.tables["plugin_state"] is plugin_models.PluginState.__table__
