"""PySide6's check "does this module use PySide6?", answered from the file: the same answers as
PySide6's own, for modules with and without PySide6, built-in and without a source file."""

from __future__ import annotations

import importlib
import inspect
import sys
import types
from pathlib import Path

import pytest

from desktop_app.qt import feature_scan

MODULES = (
    "desktop_app.ui.banner",  # imports PySide6
    "desktop_app.qt.pool",
    "desktop_app.core.results",  # no Qt at all
    "desktop_app.core.preferences",
    "json",
    "sys",  # built in: no source
)


def _pyside_answer(module: types.ModuleType) -> bool:
    """What PySide6's own check (``inspect.getsource``) says."""
    try:
        return "PySide6" in inspect.getsource(module)
    except (TypeError, OSError):
        return False


@pytest.mark.parametrize("name", MODULES)
def test_the_same_answer_as_pyside_for_every_kind_of_module(name: str) -> None:
    module = importlib.import_module(name)
    assert feature_scan.uses_pyside(module) == _pyside_answer(module)


def test_answers_true_and_false_where_they_should(tmp_path: Path) -> None:
    assert feature_scan.uses_pyside(importlib.import_module("desktop_app.ui.banner"))
    assert not feature_scan.uses_pyside(importlib.import_module("desktop_app.core.results"))
    compiled = types.ModuleType("only_bytecode")
    compiled.__file__ = str(tmp_path / "only_bytecode.pyc")
    assert not feature_scan.uses_pyside(compiled)
    gone = types.ModuleType("gone")
    gone.__file__ = str(tmp_path / "gone.py")  # deleted since it was imported
    assert not feature_scan.uses_pyside(gone)


def test_installed_in_place_of_pysides_own_check(monkeypatch: pytest.MonkeyPatch) -> None:
    import PySide6.QtCore  # noqa: F401  (loads shibokensupport.feature)

    feature = sys.modules["shibokensupport.feature"]
    monkeypatch.setattr(feature, "_mod_uses_pyside", feature._mod_uses_pyside)
    assert feature_scan.install()
    assert feature._mod_uses_pyside is feature_scan.uses_pyside


def test_another_pyside_without_that_check_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "shibokensupport.feature", types.ModuleType("feature"))
    assert not feature_scan.install()
