"""The plugin manager's tables: whether each installed plugin is switched on, and plugins' saved settings.

They sit beside the plugin manager (``copractice.plugins``) and the settings code
(``copractice.plugin_settings``) that read them, not in the admin area that only shows them.
Slow page hooks are recorded by ``copractice.slow_hooks`` in a table of its own.
"""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from copractice.extensions import db
from copractice.timeutil import utcnow


class PluginState(db.Model):
    """Whether an installed plugin is switched on for this site (installed is not enabled)."""

    __tablename__ = "plugin_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    # The last error one of its hooks raised while the site was running (shown on the Plugins page).
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    # An admin lets the leads of the themes it provides or extends switch it and edit its settings.
    theme_leads_may_manage: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Switched on or off for some themes alone, by those themes' leads: {theme slug: true or false}. For hooks
    # about something of such a theme (a course, its sessions, places, marks) this wins over ``enabled``; a
    # theme not named follows ``enabled``. None: no theme has its own switch.
    theme_switches: Mapped[dict | None] = mapped_column(JSON)


class PluginSetting(db.Model):
    """One setting of one plugin, as saved on its settings page."""

    __tablename__ = "plugin_setting"
    __table_args__ = (UniqueConstraint("plugin", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
