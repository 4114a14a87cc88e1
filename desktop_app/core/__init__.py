"""The app's engine. Pure Python: it never imports Qt (tests/test_architecture.py checks)."""
