"""The one thing pyproject.toml cannot say: a package whose files live outside desktop_app/.

The packaging assets (desktop entry, AppStream metainfo, icons) live in the top-level resources/
folder and are installed as the package ``desktop_app.resources``: a ``package-dir`` mapping, which
setuptools applies to a wheel and maps in the editable install (``pip install -e``), so both find
them with ``importlib.resources``. No copy, no build hook. ``[tool.setuptools.packages.find]`` only
finds packages under desktop_app/, so the list is made here; everything else is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

setup(
    # find_namespace_packages: what [tool.setuptools.packages.find] found before (namespaces=true).
    packages=[*find_namespace_packages(include=["desktop_app*"]), "desktop_app.resources"],
    package_dir={"desktop_app.resources": "resources"},
)
