"""Widgets only: they display the session's state and forward the user's intent to it.

By feature: ``picture/`` (drop, frame, upload preview), ``results/`` (grid, cell, viewer),
``history/`` (the dock of past runs) and ``settings/`` (the dialog). The feature packages do not
import each other; ``main_window.py`` and its parts at this level compose them
(tests/test_architecture.py enforces both).
"""
