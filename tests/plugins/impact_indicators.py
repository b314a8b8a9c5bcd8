"""A plugin for tests/test_measurement_impact.py: adds impact indicators from raw numbers (the core suppresses)."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

ASKED = []  # (theme_slug, year) of every call


@hookimpl
def copractice_impact_indicators(app, theme_slug, year):
    ASKED.append((theme_slug, year))
    return [{"key": "memory_cafes", "label": "People at memory cafes", "unit": "people",
             "counts": {"Kent": 12, "Medway": 2}},
            {"key": "confidence", "label": "Average confidence", "value": 7.5, "people": 3},
            {"label": "No key: left out"}]
