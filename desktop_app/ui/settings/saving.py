"""The Saving page (folder, file names, format) and the Network page (timeouts)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.config import Timeouts
from desktop_app.core.naming import DEFAULT_TEMPLATE, FIELDS
from desktop_app.core.paths import default_output_folder
from desktop_app.core.preferences import (
    SAVE_FORMATS,
    TIMEOUT_LIMITS,
    Preferences,
    template_example,
)
from desktop_app.ui.settings.common import FolderChooser, InlineMessage, buddy_label

_FORMAT_LABELS = {"png": "PNG", "jpeg": "JPEG", "webp": "WebP"}


def _folder_problem(text: str) -> str | None:
    folder = text.strip()
    if folder and not Path(folder).expanduser().is_absolute():
        return "Give the whole folder path, or choose a folder."
    return None


class SavingPage(QWidget):
    """Where results are saved, under which names and in which format."""

    changed = Signal()

    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = QLineEdit(prefs.save_folder)
        self.folder.setPlaceholderText(str(default_output_folder()))
        self.folder.setAccessibleName("Save folder")
        self.folder.setToolTip("Where results are saved; leave empty for the folder shown")
        self.folder.setClearButtonEnabled(True)
        self.choose = QPushButton("C&hoose…")
        self.choose.setAutoDefault(False)
        self.choose.setToolTip("Pick the folder for saved results")
        self.folder_message = InlineMessage("Save folder problem")

        self.template = QLineEdit(prefs.filename_template)
        self.template.setPlaceholderText(DEFAULT_TEMPLATE)
        self.template.setAccessibleName("File name template")
        fields = ", ".join("{" + f + "}" for f in FIELDS)
        self.template.setToolTip(
            f"Fields: {fields}. Formats work too: {{index:03d}}, {{time:%H%M}}.\n"
            "A name already taken gets (2), (3)…; nothing is overwritten."
        )
        self.example = InlineMessage("File name example")

        self.save_format = QComboBox()
        for fmt in SAVE_FORMATS:
            self.save_format.addItem(_FORMAT_LABELS.get(fmt, fmt.upper()), fmt)
        self.save_format.setCurrentIndex(max(0, self.save_format.findData(prefs.save_format)))
        self.save_format.setAccessibleName("Save format")
        self.save_format.setToolTip("The format saved results are written in")
        self.save_format.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose)
        folder_column = QVBoxLayout()
        folder_column.addLayout(folder_row)
        folder_column.addWidget(self.folder_message)
        template_column = QVBoxLayout()
        template_column.addWidget(self.template)
        template_column.addWidget(self.example)
        form = QFormLayout(self)
        form.addRow(buddy_label("Save &folder:", self.folder), folder_column)
        form.addRow(buddy_label("File na&mes:", self.template), template_column)
        form.addRow("Save &as:", self.save_format)

        self.choose.clicked.connect(self.on_choose_clicked)
        self.folder.textChanged.connect(self.on_edited)
        self.template.textChanged.connect(self.on_edited)
        self.save_format.currentIndexChanged.connect(self.on_edited)
        self._show_checks()

    def values(self) -> tuple[str, str, str]:
        """(save folder, file name template, save format) as the preferences keep them."""
        template = self.template.text() or DEFAULT_TEMPLATE
        return self.folder.text().strip(), template, str(self.save_format.currentData())

    def problems(self) -> list[tuple[str, bool]]:
        found = [_folder_problem(self.folder.text()), self._template_problem()]
        return [(problem, True) for problem in found if problem is not None]

    def _template_problem(self) -> str | None:
        try:
            template_example(self.template.text(), str(self.save_format.currentData()))
        except ValueError as exc:
            return str(exc)
        return None

    def _show_checks(self) -> None:
        problem = _folder_problem(self.folder.text())
        if problem is None:
            self.folder_message.clear()
        else:
            self.folder_message.show_message(problem, "problem")
        _, template, fmt = self.values()
        try:
            example = template_example(template, fmt)
        except ValueError as exc:
            self.example.show_message(str(exc), "problem")
        else:
            self.example.show_message(f"For example: {example}", "info")

    def on_edited(self, *_args: object) -> None:
        self._show_checks()
        self.changed.emit()

    def on_choose_clicked(self) -> None:
        start = self.folder.text().strip() or str(default_output_folder())
        folder = FolderChooser.ask(self, "Save results in", start)
        if folder is not None:
            self.folder.setText(folder)


class NetworkPage(QWidget):
    """How long to wait for the server."""

    changed = Signal()

    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.connect_timeout = self._seconds(
            "connect_timeout",
            prefs.connect_timeout,
            "Connect timeout",
            "How long to wait for the server to answer the phone",
        )
        self.read_timeout = self._seconds(
            "read_timeout",
            prefs.read_timeout,
            "Read timeout",
            "How long the server may stay silent; it says nothing while it draws, and a "
            "high-quality picture can take minutes",
        )
        self.deadline = self._seconds(
            "deadline",
            prefs.deadline,
            "Overall deadline",
            "The most a whole run may take, retries and waits included",
        )
        # One width for all three, so the column of numbers lines up.
        width = max(b.sizeHint().width() for b in self._boxes())
        for box in self._boxes():
            box.setMinimumWidth(width)
        note = QLabel(
            "The server stays silent while it draws; high quality can take several minutes."
        )
        note.setWordWrap(True)
        form = QFormLayout(self)
        # A number of seconds needs no full-width field.
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("C&onnect:", self.connect_timeout)
        form.addRow("&Read:", self.read_timeout)
        form.addRow("Overall &deadline:", self.deadline)
        form.addRow(note)

    def _seconds(self, name: str, value: float, accessible: str, tip: str) -> QDoubleSpinBox:
        low, high = TIMEOUT_LIMITS[name]
        box = QDoubleSpinBox()
        box.setRange(low, high)
        box.setDecimals(0)
        box.setSingleStep(5.0 if low >= 10 else 1.0)
        box.setSuffix(" s")
        box.setValue(value)
        box.setAccessibleName(accessible)
        box.setToolTip(f"{tip} ({low:g} to {high:g} seconds)")
        box.valueChanged.connect(self.on_value_changed)
        return box

    def _boxes(self) -> tuple[QDoubleSpinBox, QDoubleSpinBox, QDoubleSpinBox]:
        return self.connect_timeout, self.read_timeout, self.deadline

    def values(self) -> tuple[float, float, float]:
        return (
            self.connect_timeout.value(),
            self.read_timeout.value(),
            self.deadline.value(),
        )

    def timeouts(self) -> Timeouts:
        connect, read, deadline = self.values()
        return Timeouts(connect=connect, read=read, deadline=deadline)

    def on_value_changed(self, _value: float) -> None:
        self.changed.emit()
