"""Qt plumbing without widgets: the two thread bridges, QImage conversion, thumbnails made off the
GUI thread, what a drop or a paste brings, and the single-instance socket.

Which bridge to use (the one rule):

- :class:`~desktop_app.qt.tasks.TaskRunner` (``tasks.py``) for work that talks to the network or
  runs async code, for a paid run, and for any job whose failure the user must be told as a
  typed error (saving, opening a picture, preparing the upload). Each task has its own thread and
  asyncio loop, so a cancel is prompt, and its handle always ends with ``finished``.
- :class:`~desktop_app.qt.pool.Courier` (``pool.py``) for short CPU or disk jobs whose result may
  be dropped when a newer request supersedes it and whose failure is only logged (thumbnails,
  history pages, writing the queue): a shared thread pool, no event loop, ``None`` on failure.

Both hand back only plain values or ``QImage``; widgets make their pixmaps on the GUI thread.
Nothing here imports ``desktop_app.session`` or ``desktop_app.ui`` (tests/test_architecture.py).
"""
