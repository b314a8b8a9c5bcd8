"""Reading settings: text size, spacing, contrast and movement, chosen by each member for every page.

Part of the core (not of a theme plugin), so switching a plugin off never takes them away. They are
kept in ``member.reading_settings`` and applied as classes on ``<html>`` (see ``html_classes``),
which copractice.css styles: no inline style or script, so the Content Security Policy holds.
"""
from copractice.kept_pages import own_row

TEXT_SIZES = {"standard": "Standard size", "large": "Larger text", "largest": "Largest text"}
SPACINGS = {"standard": "Standard spacing", "wide": "More space between lines, words and letters"}
CONTRASTS = {"standard": "Standard colours", "high": "Higher contrast: black on white, with bolder lines"}
DEFAULTS = {"text_size": "standard", "spacing": "standard", "contrast": "standard", "reduced_motion": False}
_CHOICES = {"text_size": TEXT_SIZES, "spacing": SPACINGS, "contrast": CONTRASTS}


def reading_settings(member):
    """The member's reading settings, every key present (the defaults where they chose nothing)."""
    stored = getattr(member, "reading_settings", None) or {}
    settings = dict(DEFAULTS)
    for key, choices in _CHOICES.items():
        if stored.get(key) in choices:
            settings[key] = stored[key]
    settings["reduced_motion"] = bool(stored.get("reduced_motion"))
    return settings


def html_classes(member):
    """Classes for the page's <html> element that apply ``member``'s reading settings ("" for the defaults)."""
    if not getattr(member, "is_authenticated", False):
        return ""
    settings = reading_settings(member)
    classes = [f"reading-{key.replace('_size', '')}-{settings[key]}" for key in _CHOICES if settings[key] != "standard"]
    if settings["reduced_motion"]:
        classes.append("reading-reduced-motion")
    return " ".join(classes)


def save_reading_settings(member, *, text_size, spacing, contrast, reduced_motion):
    """Keep the member's choices (the caller commits)."""
    chosen = {"text_size": text_size, "spacing": spacing, "contrast": contrast, "reduced_motion": bool(reduced_motion)}
    for key, choices in _CHOICES.items():
        if chosen[key] not in choices:
            raise ValueError(f"{key} must be one of {', '.join(choices)}")
    with own_row(member.id):  # only the member's own pages change
        member.reading_settings = chosen
