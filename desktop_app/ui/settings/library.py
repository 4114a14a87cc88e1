"""Settings page "Library": what saved files tell about themselves, the monthly budget and how
long runs are kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QLabel, QSpinBox, QWidget

if TYPE_CHECKING:
    from desktop_app.core.preferences import Preferences


class LibraryPage(QWidget):
    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.story = QCheckBox("Write how each picture was made into saved files")
        self.story.setChecked(not prefs.strip_metadata)
        self.story.setToolTip(
            "Model, prompt, parameters, request id, time and the source's fingerprint, in the "
            "file's text, EXIF or XMP fields. Turn off to share files without them."
        )
        self.story.setAccessibleName("Write metadata into saved files")

        self.budget = QDoubleSpinBox()
        self.budget.setRange(0, 100_000)
        self.budget.setDecimals(2)
        self.budget.setPrefix("$ ")
        self.budget.setSingleStep(5)
        self.budget.setSpecialValueText("No cap")
        self.budget.setValue(prefs.monthly_budget)
        self.budget.setAccessibleName("Monthly budget")
        self.budget.setToolTip("A run that would take this month's spending above it asks first")

        self.keep_days = QSpinBox()
        self.keep_days.setRange(0, 36_500)
        self.keep_days.setSuffix(" days")
        self.keep_days.setSpecialValueText("Keep every run")
        self.keep_days.setValue(prefs.keep_days)
        self.keep_days.setAccessibleName("Keep runs for")
        self.keep_days.setToolTip("Older runs without a star are removed at start-up")

        self.keep_gb = QDoubleSpinBox()
        self.keep_gb.setRange(0, 100_000)
        self.keep_gb.setDecimals(1)
        self.keep_gb.setSuffix(" GB")
        self.keep_gb.setSpecialValueText("No limit")
        self.keep_gb.setValue(prefs.keep_gb)
        self.keep_gb.setAccessibleName("Library size limit")
        self.keep_gb.setToolTip("Above it, the oldest runs without a star are removed at start-up")

        note = QLabel(
            "Every result is kept in the library as it arrives; starred runs are never removed."
        )
        note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Saved files:", self.story)
        form.addRow("Monthly &budget:", self.budget)
        form.addRow("&Keep runs:", self.keep_days)
        form.addRow("Library &size:", self.keep_gb)
        form.addRow(note)

    def apply_to(self, prefs: Preferences) -> None:
        prefs.strip_metadata = not self.story.isChecked()
        prefs.monthly_budget = float(self.budget.value())
        prefs.keep_days = int(self.keep_days.value())
        prefs.keep_gb = float(self.keep_gb.value())
