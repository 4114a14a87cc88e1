"""The window's view model: Qt objects without widgets.

It holds the picture queue, the prepared upload and the run's results as plain values, sends
everything slow through the bridges in ``desktop_app.qt`` and tells the widgets what changed
through signals. It may import ``desktop_app.qt`` and ``desktop_app.core``, never ``desktop_app.ui``
(tests/test_architecture.py).
"""
