"""The core stays Qt-free: it must run headless, from the command line, and in tests."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import desktop_app.core

CORE = Path(desktop_app.core.__file__).parent
FORBIDDEN = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "desktop_app.ui")


def _imported_names(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


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
        f"bad = sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r}))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""


def test_the_checker_would_notice_a_qt_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from PySide6.QtGui import QImage\nimport os\n", encoding="utf-8")
    assert [n for n in _imported_names(sample) if n.startswith(FORBIDDEN)] == ["PySide6.QtGui"]
