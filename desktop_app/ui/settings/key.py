"""The API key of one connection profile: its status, saving, removing and testing it.

The key goes from the password field straight to the key store (the system keyring, or memory
for this session only) or into a test request; it is never written to a file, and the only
form of it this box shows is :meth:`ApiKey.masked`. The field starts empty every time.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from desktop_app.core.client import ImagesClient
from desktop_app.core.config import ClientConfig
from desktop_app.core.errors import VariationError
from desktop_app.core.keystore import ENV_VAR, ApiKey, KeyStore, KeyStoreError
from desktop_app.core.results import EventSink
from desktop_app.qt.tasks import TaskHandle, TaskRunner
from desktop_app.ui.settings.common import Confirm, InlineMessage, buddy_label

ConfigProvider = Callable[[], ClientConfig]


async def count_image_models(config: ClientConfig, key: ApiKey, _sink: EventSink) -> int:
    """Lists the server's models with ``key``: the cheapest call that proves a key works."""
    async with ImagesClient(config, key) as client:
        return len(await client.list_models())


def _works_sentence(count: int) -> str:
    if count == 0:
        return "The key works, but this server lists no image models."
    noun = "image model" if count == 1 else "image models"
    return f"The key works: {count} {noun} available."


class ApiKeyBox(QGroupBox):
    """Shows and changes the key kept under one keyring name (see :meth:`set_profile`)."""

    keySaved = Signal(str)  # the keyring name a key was just saved under (keyring or session)

    def __init__(
        self,
        keystore: KeyStore,
        runner: TaskRunner,
        config_provider: ConfigProvider,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("API key", parent)
        self._keystore = keystore
        self._runner = runner
        self._config_provider = config_provider
        self._key_name = ""
        self._shown_name = ""
        self._stored: ApiKey | None = None
        self._status_failed = False
        self._backend_name: str | None = None
        self._test: TaskHandle | None = None
        self._testable = True

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Stored key")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.key_field = QLineEdit()
        self.key_field.setEchoMode(QLineEdit.EchoMode.Password)
        # No predictions, no suggestions, no keyboard history of the secret.
        self.key_field.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText
            | Qt.InputMethodHint.ImhSensitiveData
            | Qt.InputMethodHint.ImhNoPredictiveText
            | Qt.InputMethodHint.ImhNoAutoUppercase
        )
        self.key_field.setPlaceholderText("Paste a new key (sk-…)")
        self.key_field.setAccessibleName("New API key")
        self.key_field.setToolTip(
            "The key is kept in the system keyring, never in a file. Leave this empty to keep "
            "the stored key."
        )
        self.show_key = QToolButton()
        self.show_key.setText("Show")
        self.show_key.setCheckable(True)
        self.show_key.setToolTip("Show the key you typed, to check it")
        self.show_key.setAccessibleName("Show the typed key")

        self.save_button = QPushButton("Save key")
        self.save_button.setToolTip("Keep the typed key in the system keyring")
        self.test_button = QPushButton("Test key")
        self.test_button.setToolTip(
            "Ask the server for its models with the typed key, or with the stored one"
        )
        self.remove_button = QPushButton("Remove key…")
        self.remove_button.setToolTip("Delete this profile's key from the system keyring")
        self.session_button = QPushButton("Use for this session only")
        self.session_button.setToolTip(
            "Keep the typed key in memory until Image Variations quits; nothing is stored"
        )
        self.session_button.setVisible(False)
        # At its own width: a full-width button would look like the box's main action.
        self.session_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.feedback = InlineMessage("Key result")
        for button in (self.save_button, self.test_button, self.remove_button):
            button.setAutoDefault(False)  # Enter in the field must not press one of these
        self.session_button.setAutoDefault(False)

        field_row = QHBoxLayout()
        field_row.addWidget(self.key_field, 1)
        field_row.addWidget(self.show_key)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        form = QFormLayout(self)
        form.addRow("Status:", self.status)
        form.addRow(buddy_label("New &key:", self.key_field), field_row)
        form.addRow("", buttons)
        form.addRow("", self.feedback)
        form.addRow("", self.session_button)

        self.key_field.textChanged.connect(self.on_key_text_changed)
        self.show_key.toggled.connect(self.on_show_toggled)
        self.save_button.clicked.connect(self.on_save_clicked)
        self.session_button.clicked.connect(self.on_session_clicked)
        self.remove_button.clicked.connect(self.on_remove_clicked)
        self.test_button.clicked.connect(self.on_test_clicked)
        self._update_buttons()

    # -- what the box is about --

    def set_profile(self, key_name: str, shown_name: str) -> None:
        """Points the box at the key kept under ``key_name`` (the profile as last saved)."""
        self.cancel_test()
        self._key_name = key_name
        self._shown_name = shown_name
        self.setTitle(f"API key of “{shown_name}”")
        self.key_field.clear()  # a typed key belongs to the profile it was typed for
        self.show_key.setChecked(False)
        self.feedback.clear()
        self.session_button.setVisible(False)
        self.refresh_status()

    def set_testable(self, testable: bool) -> None:
        """Test needs a valid base URL; the dialog says when there is none."""
        self._testable = testable
        self._update_buttons()

    def refresh_status(self) -> None:
        self._stored = None
        self._status_failed = False
        if not self._key_name:
            self.status.setText("")
            return
        try:
            self._stored = self._keystore.get(self._key_name)
        except KeyStoreError as exc:
            self._status_failed = True
            self.status.setText(str(exc))
        else:
            self.status.setText(self._status_text(self._stored))
        self._update_buttons()

    def _status_text(self, key: ApiKey | None) -> str:
        if key is None:
            return "No key stored"
        if key.source == "environment":
            return f"Using {ENV_VAR} from the environment (it overrides the stored key)"
        if key.source == "session":
            return f"Kept for this session only: {key.masked()}"
        return f"Stored in {self._backend()}: {key.masked()}"

    def _backend(self) -> str:
        if self._backend_name is None:
            self._backend_name = self._keystore.describe_backend()
        return self._backend_name

    def _update_buttons(self) -> None:
        typed = bool(self.key_field.text().strip())
        self.save_button.setEnabled(typed)
        self.session_button.setEnabled(typed)
        # Removing is offered unless the box knows for sure there is nothing to remove.
        known_empty = self._stored is None and not self._status_failed
        self.remove_button.setEnabled(not known_empty or self._keystore.environment_override())
        self.test_button.setEnabled(self._test is None and self._testable)

    # -- slots --

    def on_key_text_changed(self, _text: str) -> None:
        self._update_buttons()

    def on_show_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.key_field.setEchoMode(mode)
        self.show_key.setText("Hide" if shown else "Show")

    def on_save_clicked(self) -> None:
        typed = self.key_field.text().strip()
        if not typed:
            return
        try:
            self._keystore.set(self._key_name, typed)
        except ValueError as exc:  # not text a key can be: said, nothing stored
            self.feedback.show_message(str(exc), "problem")
            return
        except KeyStoreError as exc:
            # The keyring said no: offer the one thing that still works, without a file.
            self.feedback.show_message(str(exc), "problem")
            self.session_button.setVisible(True)
            return
        self.key_field.clear()
        self.session_button.setVisible(False)
        self.refresh_status()
        self.feedback.show_message(f"Saved in {self._backend()}.", "success")
        self.keySaved.emit(self._key_name)

    def commit_typed_key(self) -> bool:
        """Saves a key that was typed but not saved yet (OK was pressed); False when it could
        not be saved, so the dialog stays open with the reason and the session-only offer."""
        if not self.key_field.text().strip():
            return True
        self.on_save_clicked()
        return not self.key_field.text().strip()

    def tab_chain(self) -> list[QWidget]:
        return [
            self.key_field,
            self.show_key,
            self.save_button,
            self.test_button,
            self.remove_button,
            self.session_button,
        ]

    def on_session_clicked(self) -> None:
        typed = self.key_field.text().strip()
        if not typed:
            return
        try:
            self._keystore.set_for_session(self._key_name, typed)
        except ValueError as exc:
            self.feedback.show_message(str(exc), "problem")
            return
        self.key_field.clear()
        self.session_button.setVisible(False)
        self.refresh_status()
        self.feedback.show_message(
            "The key is kept in memory and forgotten when Image Variations quits.", "info"
        )
        self.keySaved.emit(self._key_name)

    def on_remove_clicked(self) -> None:
        question = (
            f"Remove the API key of “{self._shown_name}” from {self._backend()}? "
            "You will need to paste it again to use this profile."
        )
        if not Confirm.ask(self, "Remove API key", question, "Remove key"):
            return
        try:
            self._keystore.delete(self._key_name)
        except KeyStoreError as exc:
            self.feedback.show_message(str(exc), "problem")
            return
        self.refresh_status()
        self.feedback.show_message("The key was removed.", "info")

    def on_test_clicked(self) -> None:
        key = self._key_to_test()
        if key is None:
            return
        try:
            config = self._config_provider()
        except ValueError as exc:
            self.feedback.show_message(str(exc), "problem")
            return
        self.feedback.show_message("Testing…", "info")
        handle = self._runner.submit("test key", lambda sink: count_image_models(config, key, sink))
        self._test = handle
        handle.succeeded.connect(self.on_test_succeeded)
        handle.failed.connect(self.on_test_failed)
        handle.finished.connect(self.on_test_finished)
        self._update_buttons()

    def _key_to_test(self) -> ApiKey | None:
        typed = self.key_field.text().strip()
        if typed:
            try:
                return ApiKey(typed)
            except ValueError as exc:
                self.feedback.show_message(str(exc), "problem")
                return None
        try:
            stored = self._keystore.get(self._key_name)
        except KeyStoreError as exc:
            self.feedback.show_message(str(exc), "problem")
            return None
        if stored is None:
            self.feedback.show_message("There is no key to test: paste one above.", "problem")
        return stored

    def on_test_succeeded(self, count: object) -> None:
        if self.sender() is self._test and isinstance(count, int):
            self.feedback.show_message(_works_sentence(count), "success")

    def on_test_failed(self, exc: object) -> None:
        if self.sender() is not self._test:
            return
        if isinstance(exc, VariationError | KeyStoreError):
            sentence = str(exc)
        else:  # not one of ours: its text is not meant for people (and could quote anything)
            sentence = f"The test failed unexpectedly ({type(exc).__name__})."
        self.feedback.show_message(sentence, "problem")

    def on_test_finished(self) -> None:
        if self.sender() is self._test:
            self._test = None
            self._update_buttons()

    def cancel_test(self) -> None:
        """Stops a running test; its late answers are ignored."""
        if self._test is not None:
            self._test.cancel()
            self._test = None
            self.feedback.clear()
            self._update_buttons()

    def forget_typed_key(self) -> None:
        """Clears the field, so the secret does not outlive the dialog in a widget."""
        self.key_field.clear()
