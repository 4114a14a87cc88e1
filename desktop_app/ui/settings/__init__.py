"""The settings dialog and its pages: connection profiles, API keys, saving, the library."""
