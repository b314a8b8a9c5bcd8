"""The dementia plugin's rules that read its settings: which courses offer companion places, and the
reading settings it suggests (both set on its settings page, /admin/plugins/dementia/settings)."""
from copractice.plugin_api import member_courses, plugin_setting, reading_settings, save_reading_settings

NAME = "dementia"
THEME_SLUG = "dementia"


def companion_places():
    """Which courses offer companion places: "all", "theme" (Living with Dementia courses) or "none"."""
    return plugin_setting(NAME, "companion_places")


def companion_courses(member):
    """The courses ``member`` has a place on that offer companion places, by title."""
    offered = companion_places()
    if offered == "none":
        return []
    return member_courses(member, theme=THEME_SLUG if offered == "theme" else None)


def suggested_reading():
    """The text size and spacing the theme suggests (its "reading defaults")."""
    return {"text_size": plugin_setting(NAME, "reading_text_size"), "spacing": plugin_setting(NAME, "reading_spacing")}


def use_suggested_reading(member):
    """Give ``member`` the suggested text size and spacing, keeping their colours and movement choices."""
    current = reading_settings(member)
    save_reading_settings(member, **suggested_reading(), contrast=current["contrast"],
                          reduced_motion=current["reduced_motion"])
