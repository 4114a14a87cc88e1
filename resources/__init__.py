"""The packaging assets: the desktop entry, the AppStream metainfo and the app icon (its SVG source
and the PNGs scripts/render-icons draws from it).

This folder is their only home. setup.py installs it as the package ``desktop_app.resources``, so
a wheel, the editable install and the PyInstaller build (image-variations.spec) all carry it there,
and the app reads it with ``importlib.resources.files("desktop_app.resources")``. This file is what
makes it a package; the editable install finds no package without one.
"""
