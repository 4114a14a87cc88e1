"""The Settings dialog: connection profiles and keys, saving, timeouts.

It edits a copy of the preferences and hands it back from :meth:`SettingsDialog.ask`; the caller
saves it. Key changes are the exception: Save key and Remove key act on the keyring at once (that
is what the buttons say), and renamed or removed profiles carry their keys along on OK.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.adaptation import ServerRules
from desktop_app.core.keystore import KeyStore, KeyStoreError
from desktop_app.core.preferences import Preferences
from desktop_app.qt.tasks import TaskRunner
from desktop_app.ui.settings.common import InlineMessage
from desktop_app.ui.settings.drafts import carry_keys, forget_new_keys
from desktop_app.ui.settings.library import LibraryPage
from desktop_app.ui.settings.profiles import ConnectionPage
from desktop_app.ui.settings.saving import NetworkPage, SavingPage


class SettingsDialog(QDialog):
    def __init__(
        self,
        prefs: Preferences,
        keystore: KeyStore,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        focus_key: bool = False,
        environ: Mapping[str, str] | None = None,
        server_rules: ServerRules | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setSizeGripEnabled(True)
        self._prefs = copy.deepcopy(prefs)
        self._keystore = keystore

        self.network = NetworkPage(self._prefs)
        self.connection = ConnectionPage(
            self._prefs,
            keystore,
            runner,
            self.network.timeouts(),
            environ,
            server_rules=server_rules,
        )
        self.saving = SavingPage(self._prefs)
        self.library = LibraryPage(self._prefs)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.connection, "&Connection")
        self.tabs.addTab(self.saving, "&Saving")
        self.tabs.addTab(self.library, "&Library")
        self.tabs.addTab(self.network, "&Network")
        self.problem = InlineMessage("Why OK is unavailable")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.connection.changed.connect(self.on_changed)
        self.saving.changed.connect(self.on_changed)
        self.network.changed.connect(self.on_network_changed)
        self.tabs.currentChanged.connect(self.on_changed)
        self.on_changed()
        # Room for the longest sentences (keyring errors) without clipping wrapped lines.
        self.resize(self.sizeHint().expandedTo(QSize(780, 520)))
        if focus_key:
            # A rejected key leads straight here: the cursor waits in the key field.
            self.tabs.setCurrentWidget(self.connection)
            self.connection.focus_key()

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def result_preferences(self) -> Preferences:
        """The edited copy: the window's last choices stay as they were."""
        prefs = copy.deepcopy(self._prefs)
        prefs.profiles = self.connection.profiles_result()
        prefs.active_profile = self.connection.active_name()
        prefs.save_folder, prefs.filename_template, prefs.save_format = self.saving.values()
        prefs.connect_timeout, prefs.read_timeout, prefs.deadline = self.network.values()
        self.library.apply_to(prefs)
        return prefs

    def _problems(self) -> list[tuple[QWidget, str, bool]]:
        return [(self.connection, text, shown) for text, shown in self.connection.problems()] + [
            (self.saving, text, shown) for text, shown in self.saving.problems()
        ]

    # -- slots --

    def on_changed(self, *_args: object) -> None:
        problems = self._problems()
        self.ok_button.setEnabled(not problems)
        self.ok_button.setToolTip(problems[0][1] if problems else "")
        # Say why OK is unavailable when the reason is out of sight (another tab or profile).
        hidden = [
            text
            for page, text, shown in problems
            if not shown or page is not self.tabs.currentWidget()
        ]
        if hidden:
            self.problem.show_message(f"Before saving: {hidden[0]}", "problem")
        else:
            self.problem.clear()

    def on_network_changed(self) -> None:
        self.connection.set_timeouts(self.network.timeouts())

    def accept(self) -> None:
        if self._problems():
            return
        # A key typed and then OK (or Enter) pressed is meant to be kept, not dropped.
        if not self.connection.key_box.commit_typed_key():
            self.tabs.setCurrentWidget(self.connection)
            return
        try:
            carry_keys(self._keystore, self.connection.drafts, self.connection.removed)
        except KeyStoreError as exc:
            self.problem.show_message(
                f"The keys of renamed or removed profiles could not be updated. {exc}", "problem"
            )
            return
        super().accept()

    def reject(self) -> None:
        forget_new_keys(self._keystore, self.connection.drafts + self.connection.removed)
        super().reject()

    def done(self, result: int) -> None:
        # However the dialog closes: no test left running, no secret left in a widget.
        self.connection.key_box.cancel_test()
        self.connection.key_box.forget_typed_key()
        super().done(result)

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        prefs: Preferences,
        keystore: KeyStore,
        runner: TaskRunner,
        *,
        focus_key: bool = False,
    ) -> Preferences | None:
        """Shows the dialog; the edited preferences, or ``None`` when cancelled."""
        dialog = cls(prefs, keystore, runner, parent, focus_key=focus_key)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.result_preferences()
        finally:
            dialog.deleteLater()
