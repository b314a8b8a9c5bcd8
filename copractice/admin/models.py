"""The site's plugin switches and settings (the audit log is in copractice/audit.py)."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
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


class PluginSetting(db.Model):
    """One setting of one plugin, as saved on its admin page."""

    __tablename__ = "plugin_setting"
    __table_args__ = (UniqueConstraint("plugin", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
