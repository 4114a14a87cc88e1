"""Batches: many pictures varied unattended, by the window and the command line alike.

``items`` says what a batch is (its pictures, each with a snapshot of its settings and its
state), ``journal`` keeps it on disk after every change (a quit or ``kill -9`` loses nothing),
``pacing`` decides how many requests may be out at once, ``engine`` runs the batch and
``one_picture`` is what it runs for each picture: the one use case, ``core/run.py``.
"""
