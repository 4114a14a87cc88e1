"""The run's parameters: mode, model, count, size, quality, format, transparency, strength and
prompt.

The panel only edits a ``VariationSettings``; which values a model accepts comes from the core's
capability table, and the model list from the server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.capabilities import (
    CLASSIC_MODEL,
    CLASSIC_SIZES,
    MAX_VARIATIONS,
    OUTPUT_FORMATS,
    STANDARD_SIZES,
    capabilities_for,
)
from desktop_app.core.imaging.shape import Shape
from desktop_app.core.models import ModelInfo, choose_default_model, suggest_replacement
from desktop_app.core.prompts import Strength, variation_prompt
from desktop_app.core.transparency import (
    TransparencyOffer,
    transparency_notes,
    transparency_offer,
)
from desktop_app.core.variation import Mode, VariationSettings

_MODE_LABELS = {Mode.EDIT: "GPT Image variation", Mode.CLASSIC: "Classic variations endpoint"}
_STRENGTHS = (Strength.SUBTLE, Strength.BALANCED, Strength.STRONG)
_FORMAT_LABELS = {"png": "PNG", "jpeg": "JPEG", "webp": "WebP"}


class ParametersPanel(QWidget):
    """Edits the settings of the next run; emits ``settingsChanged`` on every change."""

    settingsChanged = Signal(object)  # VariationSettings
    switchModelRequested = Signal(str)  # the suggested replacement for a retiring model

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._models: list[ModelInfo] = []
        self._today = dt.date.today()
        self._updating = False
        self._shape: Shape = Shape.SQUARE  # the framing tool's wish: set_framing
        self._zoom_out: float | None = None

        self.mode = QComboBox()
        for mode, label in _MODE_LABELS.items():
            self.mode.addItem(label, mode)
        self.mode.setToolTip(
            "GPT Image variation sends the picture with a variation prompt (OpenAI today).\n"
            "Classic variations uses the retired /images/variations endpoint of servers that "
            "still serve it."
        )
        self.model = QComboBox()
        self.model.setMinimumContentsLength(18)
        self.model.setToolTip("Image models this server offers")
        self.model_warning = QLabel()
        self.model_warning.setWordWrap(True)
        self.model_warning.setVisible(False)
        self.switch_model = QPushButton("Switch")
        self.switch_model.setVisible(False)
        self.count = QSpinBox()
        self.count.setRange(1, MAX_VARIATIONS)
        self.count.setValue(4)
        self.count.setToolTip(f"How many variations to make (1 to {MAX_VARIATIONS})")
        self.size_choice = QComboBox()
        self.quality = QComboBox()
        self.output_format = QComboBox()
        for fmt in OUTPUT_FORMATS:
            self.output_format.addItem(_FORMAT_LABELS[fmt], fmt)
        self.keep_transparency = QCheckBox("&Keep transparency")
        self.transparency_note = QLabel()
        self.transparency_note.setWordWrap(True)
        self._source_transparent = False  # the loaded picture has transparent areas
        self._keep_wish = True  # the user's choice, kept while a model cannot honour it
        self.response_format = QComboBox()
        self.response_format.addItem("Image data (b64_json)", "b64_json")
        self.response_format.addItem("Links (url)", "url")
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setRange(0, len(_STRENGTHS) - 1)
        self.strength.setPageStep(1)
        self.strength.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.strength.setValue(1)
        self.strength.setToolTip("How far a variation may move away from the picture")
        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText("The variation prompt")
        self.prompt.setTabChangesFocus(True)
        self.prompt.setFixedHeight(self.prompt.fontMetrics().lineSpacing() * 5 + 12)
        self.reset_prompt = QPushButton("Reset prompt")
        self.reset_prompt.setToolTip("Go back to the wording for the chosen strength")
        self.previews = QCheckBox("Live previews")
        self.previews.setChecked(True)
        self.previews.setToolTip(
            "Show partial images while they are drawn (streamed; costs a few tokens more)"
        )
        self._prompt_edited = False

        self._name_parts()
        self._lay_out()
        self._connect()
        self._refresh_for_mode()
        self._apply_strength_wording()

    # -- layout -----------------------------------------------------------------------------

    def _name_parts(self) -> None:
        for widget, name in (
            (self.mode, "Mode"),
            (self.model, "Model"),
            (self.count, "Number of variations"),
            (self.size_choice, "Size"),
            (self.quality, "Quality"),
            (self.output_format, "Output format"),
            (self.keep_transparency, "Keep transparency"),
            (self.response_format, "Response format"),
            (self.strength, "Variation strength"),
            (self.prompt, "Variation prompt"),
            (self.reset_prompt, "Reset prompt"),
            (self.previews, "Show previews while generating"),
            (self.switch_model, "Switch to the suggested model"),
        ):
            widget.setAccessibleName(name)

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Mode:", self.mode)
        form.addRow("Mo&del:", self.model)
        warning_row = QHBoxLayout()
        warning_row.addWidget(self.model_warning, 1)
        warning_row.addWidget(self.switch_model)
        form.addRow("", warning_row)
        form.addRow("&Variations:", self.count)
        form.addRow("&Size:", self.size_choice)
        form.addRow("&Quality:", self.quality)
        form.addRow("&Format:", self.output_format)
        form.addRow("", self.keep_transparency)
        form.addRow("", self.transparency_note)
        form.addRow("&Response:", self.response_format)
        strength_row = QHBoxLayout()
        strength_row.addWidget(QLabel("subtle"))
        strength_row.addWidget(self.strength, 1)
        strength_row.addWidget(QLabel("strong"))
        # A row holding a layout gets no buddy from addRow(str, ...): link the label by hand.
        strength_label = QLabel("S&trength:")
        strength_label.setBuddy(self.strength)
        form.addRow(strength_label, strength_row)
        form.addRow("&Prompt:", self.prompt)
        prompt_tools = QHBoxLayout()
        prompt_tools.addWidget(self.previews)
        prompt_tools.addStretch(1)
        prompt_tools.addWidget(self.reset_prompt)
        form.addRow("", prompt_tools)
        self._form = form
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(form)

    def _connect(self) -> None:
        self.mode.currentIndexChanged.connect(self.on_mode_changed)
        self.model.currentIndexChanged.connect(self.on_model_changed)
        for combo in (self.size_choice, self.quality, self.output_format, self.response_format):
            combo.currentIndexChanged.connect(self._emit)
        self.count.valueChanged.connect(self._emit)
        self.previews.toggled.connect(self._emit)
        self.output_format.currentIndexChanged.connect(self._refresh_transparency)
        self.keep_transparency.clicked.connect(self.on_keep_transparency_clicked)
        self.strength.valueChanged.connect(self.on_strength_changed)
        self.prompt.textChanged.connect(self.on_prompt_edited)
        self.reset_prompt.clicked.connect(self.on_reset_prompt)
        self.switch_model.clicked.connect(self.on_switch_model)

    # -- public ---------------------------------------------------------------------------------

    def set_models(self, models: Sequence[ModelInfo], today: dt.date | None = None) -> None:
        """Fills the model list from the server; keeps the current choice when it is listed."""
        self._models = list(models)
        self._today = today or dt.date.today()
        self._refresh_models()
        self._emit()

    def set_source_transparent(self, transparent: bool) -> None:
        """A new picture: offer to keep its transparency, on by default (core decides where)."""
        self._source_transparent = transparent
        self._keep_wish = True
        self._refresh_transparency()
        self._emit()

    def settings(self) -> VariationSettings:
        mode = self.current_mode()
        strength = _STRENGTHS[self.strength.value()]
        prompt = self.prompt.toPlainText()
        return VariationSettings(
            mode=mode,
            model=self.model.currentData() or None,
            n=self.count.value(),
            size=self.size_choice.currentData() or None,
            quality=self.quality.currentData() or "auto",
            output_format=self.output_format.currentData() or "png",
            strength=strength,
            prompt=prompt if self._prompt_edited and prompt.strip() else None,
            response_format=self.response_format.currentData() or "b64_json",
            stream=mode is Mode.EDIT and self.previews.isChecked(),
            keep_transparency=self._keeps_transparency(),
            # The framing tool's wish (set_framing); classic variations are square, whole.
            shape=self._shape if mode is Mode.EDIT else Shape.SQUARE,
            zoom_out=self._zoom_out if mode is Mode.EDIT else None,
        )

    def set_framing(self, shape: Shape, zoom_out: float | None) -> None:
        """The shape and zoom out chosen under the picture, part of every run's settings."""
        if (shape, zoom_out) != (self._shape, self._zoom_out):
            self._shape, self._zoom_out = shape, zoom_out
            self._emit()

    def set_settings(self, settings: VariationSettings) -> None:
        self._updating = True
        try:
            self.mode.setCurrentIndex(max(0, self.mode.findData(settings.mode)))
            self._refresh_for_mode()
            if settings.model:
                self._select_model(settings.model)
            self.count.setValue(settings.n)
            _select(self.size_choice, settings.effective_size)
            _select(self.quality, settings.quality)
            _select(self.output_format, settings.output_format)
            _select(self.response_format, settings.response_format)
            self.strength.setValue(_STRENGTHS.index(settings.strength))
            self.previews.setChecked(settings.stream or settings.mode is Mode.CLASSIC)
            self._prompt_edited = settings.prompt is not None
            self.prompt.blockSignals(True)
            self.prompt.setPlainText(settings.effective_prompt)
            self.prompt.blockSignals(False)
            if settings.mode is Mode.EDIT:  # a classic run's square is no wish to keep
                self._shape, self._zoom_out = settings.shape, settings.zoom_out
            if settings.keep_transparency:
                # False may only mean "not offered there" (classic mode, another model): it
                # never clears the user's choice for this picture.
                self._keep_wish = True
            self._refresh_transparency()
        finally:
            self._updating = False
        self._refresh_model_warning()
        self._emit()

    def set_classic_offered(self, offered: bool) -> None:
        """Azure and OpenRouter have no classic variations: their profiles do not offer it."""
        index = self.mode.findData(Mode.CLASSIC)
        if offered and index < 0:
            self.mode.addItem(_MODE_LABELS[Mode.CLASSIC], Mode.CLASSIC)
        elif not offered and index >= 0:
            self.mode.removeItem(index)  # a selected classic mode falls back to edit

    def current_mode(self) -> Mode:
        data = self.mode.currentData()
        return data if isinstance(data, Mode) else Mode.EDIT

    # -- slots ----------------------------------------------------------------------------------

    def on_mode_changed(self, _index: int) -> None:
        self._refresh_for_mode()
        self._emit()

    def on_model_changed(self, _index: int) -> None:
        self._refresh_capabilities()
        self._refresh_model_warning()
        self._emit()

    def on_strength_changed(self, _value: int) -> None:
        if not self._prompt_edited:
            self._apply_strength_wording()
        self._emit()

    def on_prompt_edited(self) -> None:
        self._prompt_edited = True
        self._emit()

    def on_reset_prompt(self) -> None:
        self._prompt_edited = False
        self._apply_strength_wording()
        self._emit()

    def on_keep_transparency_clicked(self, checked: bool) -> None:
        self._keep_wish = checked
        self._refresh_transparency()
        self._emit()

    def on_switch_model(self) -> None:
        target = self.switch_model.property("target")
        if isinstance(target, str):
            self._select_model(target)
            self.switchModelRequested.emit(target)

    # -- internals ------------------------------------------------------------------------------

    def _emit(self, *_args: object) -> None:
        if not self._updating:
            self.settingsChanged.emit(self.settings())

    def _apply_strength_wording(self) -> None:
        self.prompt.blockSignals(True)
        self.prompt.setPlainText(variation_prompt(_STRENGTHS[self.strength.value()]))
        self.prompt.blockSignals(False)

    def _refresh_for_mode(self) -> None:
        classic = self.current_mode() is Mode.CLASSIC
        was = self._updating
        self._updating = True
        try:
            _refill(
                self.size_choice,
                CLASSIC_SIZES if classic else STANDARD_SIZES,
                "1024x1024" if classic else "auto",
            )
            self._refresh_models()
        finally:
            self._updating = was
        for widget in (
            self.quality,
            self.output_format,
            self.strength,
            self.prompt,
            self.reset_prompt,
            self.previews,
        ):
            widget.setEnabled(not classic)
            _set_row_visible(self._form, widget, not classic)
        _set_row_visible(self._form, self.response_format, classic)
        self._refresh_transparency()

    def _refresh_models(self) -> None:
        classic = self.current_mode() is Mode.CLASSIC
        current = self.model.currentData()
        self.model.blockSignals(True)
        self.model.clear()
        if classic:
            self.model.addItem(CLASSIC_MODEL, CLASSIC_MODEL)
        else:
            ids = [m.id for m in self._models if not m.id.startswith("dall-e-")]
            if not ids:
                self.model.addItem("Newest available (from the server)", "")
            for model_id in ids:
                self.model.addItem(_model_label(model_id, self._models, self._today), model_id)
            preferred = current or choose_default_model(self._models, self._today)
            if preferred:
                _select(self.model, preferred)
        self.model.blockSignals(False)
        self._refresh_capabilities()
        self._refresh_model_warning()

    def _select_model(self, model_id: str) -> None:
        if self.model.findData(model_id) < 0 and self.current_mode() is Mode.EDIT:
            self.model.addItem(model_id, model_id)
        _select(self.model, model_id)

    def _refresh_capabilities(self) -> None:
        model_id = self.model.currentData() or ""
        caps = capabilities_for(model_id)
        was = self._updating
        self._updating = True
        try:
            _refill(self.quality, caps.qualities, "auto")
        finally:
            self._updating = was
        self._refresh_transparency()

    def _transparency_offer(self) -> TransparencyOffer:
        classic = self.current_mode() is Mode.CLASSIC
        model = self.model.currentData() or ""
        return transparency_offer(self._source_transparent, model, classic=classic)

    def _keeps_transparency(self) -> bool:
        return self._transparency_offer().default and self._keep_wish

    def _refresh_transparency(self, *_args: object) -> None:
        """Shown for transparent pictures; disabled, with the reason, when the model can't."""
        offer = self._transparency_offer()
        box = self.keep_transparency
        keep = offer.default and self._keep_wish
        box.setEnabled(offer.possible)
        box.setChecked(keep)
        box.setToolTip(offer.explanation)
        _set_row_visible(self._form, box, offer.shown)
        fmt = self.output_format.currentData() or "png"
        notes = transparency_notes(keep, fmt, self.model.currentData() or "")
        self.transparency_note.setText(" ".join(notes))
        _set_row_visible(self._form, self.transparency_note, bool(notes))

    def _refresh_model_warning(self) -> None:
        model_id = self.model.currentData() or ""
        info = next((m for m in self._models if m.id == model_id), None)
        show = info is not None and info.shutting_down(self._today)
        if show and info is not None:
            replacement = suggest_replacement(self._models, model_id, self._today)
            days = info.days_left(self._today) or 0
            when = "has shut down" if days < 0 else f"shuts down on {info.shutdown_date}"
            self.model_warning.setText(f"⚠ {model_id} {when}.")
            self.switch_model.setVisible(replacement is not None)
            self.switch_model.setText(f"Use {replacement}" if replacement else "")
            self.switch_model.setAccessibleName(f"Use {replacement} instead" if replacement else "")
            self.switch_model.setProperty("target", replacement)
        else:
            self.switch_model.setVisible(False)
        self.model_warning.setVisible(show)
        _set_row_visible(self._form, self.model_warning, show)  # no empty gap under Model


def _model_label(model_id: str, models: Sequence[ModelInfo], today: dt.date) -> str:
    info = next((m for m in models if m.id == model_id), None)
    if info is not None and info.shutting_down(today):
        return f"{model_id} (retiring)"
    return model_id


def _refill(combo: QComboBox, values: Sequence[str], default: str) -> None:
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for value in values:
        combo.addItem(value.replace("x", " × ") if "x" in value else value, value)
    combo.blockSignals(False)
    _select(combo, current if current in values else default)


def _select(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


def _set_row_visible(form: QFormLayout, field: QWidget, visible: bool) -> None:
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if item is None:
            continue
        nested = item.layout()
        if item.widget() is field or (nested is not None and _contains(nested, field)):
            form.setRowVisible(row, visible)
            return


def _contains(layout: QLayout, widget: QWidget) -> bool:
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item is not None and item.widget() is widget:
            return True
    return False
