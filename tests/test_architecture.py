"""The layers hold: entry > ui > session > qt > core, and the core stays Qt-free.

The core must run headless, from the command line, and in tests; the view model must not know
the widgets that show it; the thread bridges must not know the view model. Each ui feature
package (picture, results, history, settings) stands alone, so that a change to one cannot
break another: only the main window and its parts, at the top of ``desktop_app.ui``, compose
them. The imports are read from the source (every ``import``, also inside functions and under
``TYPE_CHECKING``), so a lazy import cannot hide an edge; and each rule is shown to fail on a
forbidden import before it is trusted to pass.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import desktop_app
import desktop_app.core

PACKAGE = Path(desktop_app.__file__).parent
CORE = Path(desktop_app.core.__file__).parent
QT_BINDINGS = ("PySide6", "shiboken6", "PyQt5", "PyQt6")
FORBIDDEN = (
    *QT_BINDINGS,
    "desktop_app.ui",
    "desktop_app.session",
    "desktop_app.qt",
    "desktop_app.app",
    "desktop_app.cli",
)

# Top first; a module may import its own layer and the ones below it. ``desktop_app`` itself
# (the app's name and version) belongs to no layer and is open to all.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "desktop_app.__main__",
        "desktop_app.app",
        "desktop_app.cli",
        "desktop_app.cli_history",
        "desktop_app.desktop_entry",
    ),
    ("desktop_app.ui",),
    ("desktop_app.session",),
    ("desktop_app.qt",),
    ("desktop_app.core",),
)
UI = "desktop_app.ui"
UI_FEATURES = ("picture", "results", "history", "settings")
# The command line runs where no display exists: it and what it imports stay Qt-free as well.
QT_FREE = (
    "desktop_app.core",
    "desktop_app.cli",
    "desktop_app.cli_history",
    "desktop_app.desktop_entry",
    "desktop_app.__main__",
)


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _imported_names(path: Path, module: str = "") -> list[str]:
    """Every module ``path`` imports; ``from a import b`` counts as ``a.b`` (b may be a module).
    Relative imports are resolved against ``module``, the file's own dotted name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            names.append(base)
            names.extend(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def import_graph(root: Path) -> dict[str, list[str]]:
    """Module name -> what it imports, for every module of the package at ``root``."""
    graph: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        graph[module] = _imported_names(path, module)
    return graph


def _layer(name: str) -> int | None:
    for index, prefixes in enumerate(LAYERS):
        if any(_within(name, prefix) for prefix in prefixes):
            return index
    return None


def _feature(name: str) -> str | None:
    parts = name.split(".")
    if len(parts) >= 3 and _within(name, UI) and parts[2] in UI_FEATURES:
        return parts[2]
    return None


def layer_violations(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """One line per import that breaks a rule, e.g. ``desktop_app.qt.x -> desktop_app.ui.y``."""
    found: list[str] = []
    for module, names in graph.items():
        own_layer, own_feature = _layer(module), _feature(module)
        broken: dict[str, str] = {}  # imported name -> the rule it breaks
        for name in names:
            if any(_within(module, p) for p in QT_FREE) and name.startswith(QT_BINDINGS):
                broken[name] = "Qt in a Qt-free module"
            layer = _layer(name)
            if own_layer is not None and layer is not None and layer < own_layer:
                broken[name] = "a lower layer imports a higher one"
            if (
                own_feature is not None
                and _within(name, UI)
                and name != UI
                and _feature(name) != own_feature
            ):
                broken[name] = "a ui feature imports another ui part"
        # ``from a.b import c`` yields a.b and a.b.c: report the import once, by its module.
        found.extend(
            f"{module} -> {name} ({rule})"
            for name, rule in broken.items()
            if not any(_within(name, other) and name != other for other in broken)
        )
    return sorted(found)


def test_every_import_follows_the_layers() -> None:
    graph = import_graph(PACKAGE)
    # The walk saw the package: known edges of each layer are there.
    assert "desktop_app.session.session" in graph["desktop_app.ui.main_window"]
    assert "desktop_app.qt.tasks" in graph["desktop_app.session.session"]
    assert any(_within(n, "desktop_app.ui.results") for n in graph["desktop_app.ui.main_window"])
    assert set(UI_FEATURES) <= {_feature(m) for m in graph}
    assert layer_violations(graph) == []


def test_the_layer_check_notices_forbidden_imports(tmp_path: Path) -> None:
    """A copy of the package with three bad modules: each one is reported, the rest is not."""
    import shutil

    root = tmp_path / "desktop_app"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__", "resources"))
    (root / "qt" / "bad_bridge.py").write_text(
        "def later():\n    from desktop_app.session.session import Session\n", encoding="utf-8"
    )
    (root / "ui" / "history" / "bad_feature.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from desktop_app.ui.results import grid\n",
        encoding="utf-8",
    )
    (root / "core" / "bad_core.py").write_text("from ..ui import banner\n", encoding="utf-8")
    (root / "ui" / "history" / "fine.py").write_text(  # its own feature and lower layers
        "from desktop_app.qt.pool import Courier\nfrom desktop_app.ui.history import model\n",
        encoding="utf-8",
    )
    assert layer_violations(import_graph(root)) == [
        "desktop_app.core.bad_core -> desktop_app.ui (a lower layer imports a higher one)",
        "desktop_app.qt.bad_bridge -> desktop_app.session.session"
        " (a lower layer imports a higher one)",
        "desktop_app.ui.history.bad_feature -> desktop_app.ui.results"
        " (a ui feature imports another ui part)",
    ]


def test_the_layer_check_notices_qt_in_the_command_line() -> None:
    graph = {"desktop_app.cli": ["desktop_app.core.run", "PySide6.QtGui"]}
    assert layer_violations(graph) == ["desktop_app.cli -> PySide6.QtGui (Qt in a Qt-free module)"]


def test_no_core_module_imports_qt() -> None:
    offenders = {
        str(path.relative_to(CORE)): name
        for path in CORE.rglob("*.py")
        for name in _imported_names(path)
        if name.startswith(FORBIDDEN)
    }
    assert offenders == {}


def test_importing_every_core_module_loads_no_qt() -> None:
    modules = [info.name for info in pkgutil.walk_packages([str(CORE)], prefix="desktop_app.core.")]
    assert "desktop_app.core.client" in modules  # the walk found the package
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({QT_BINDINGS!r}))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""


def test_the_checker_would_notice_a_qt_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from PySide6.QtGui import QImage\nimport os\n", encoding="utf-8")
    assert [n for n in _imported_names(sample) if n.startswith(FORBIDDEN)] == [
        "PySide6.QtGui",
        "PySide6.QtGui.QImage",
    ]
