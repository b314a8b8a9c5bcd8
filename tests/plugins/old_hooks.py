"""A plugin written against an older hook specification."""
COPRACTICE_REQUIRES = ">=0.1"
COPRACTICE_HOOKSPEC_VERSION = 0
