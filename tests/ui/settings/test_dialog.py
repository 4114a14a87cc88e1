"""The Settings dialog: profiles, the key (kept only in the key store), saving and timeouts.

Keys live in an in-memory keyring backend; Test key talks to the real local API server.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop_app.core.config import DEFAULT_BASE_URL
from desktop_app.core.keystore import SERVICE, KeyStore
from desktop_app.core.paths import default_output_folder
from desktop_app.core.preferences import Preferences, PreferencesStore, Profile
from desktop_app.qt.tasks import TaskRunner
from desktop_app.ui.settings import common as settings_common
from desktop_app.ui.settings.common import Confirm, FolderChooser, ProfileNameDialog
from desktop_app.ui.settings.dialog import SettingsDialog
from desktop_app.ui.settings.drafts import ProfileDraft, carry_keys
from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI
from tests.keyring_backends import MemoryBackend

OTHER_KEY = "sk-proj-0123456789abcdefWXYZ"


# The offscreen platform used in CI cannot pass size hints to a window manager and says so when a
# shown dialog's layout sets its minimum size; it is not a problem of the dialog.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")


class BrokenKeyring(KeyringBackend):
    """A keyring that cannot be reached, like a Secret Service that is not running."""

    priority = 1
    name = "Broken keyring"

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.InitError("no D-Bus")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.InitError("no D-Bus")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.InitError("no D-Bus")


@pytest.fixture
def backend() -> MemoryBackend:
    return MemoryBackend()


@pytest.fixture
def keystore(backend: MemoryBackend) -> KeyStore:
    return KeyStore(backend=backend, environ={})


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    assert runner.shutdown(3000)  # no test thread may outlive its test


@pytest.fixture
def prefs() -> Preferences:
    return Preferences(
        profiles=[
            Profile("OpenAI"),
            Profile("Company gateway", "https://gateway.example.com/openai/v1", "org-42"),
        ]
    )


@pytest.fixture
def make_dialog(
    qtbot: QtBot, prefs: Preferences, keystore: KeyStore, runner: TaskRunner
) -> Callable[..., SettingsDialog]:
    def make(**kwargs: Any) -> SettingsDialog:
        options: dict[str, Any] = {"keystore": keystore, "prefs": prefs, **kwargs}
        dialog = SettingsDialog(
            options.pop("prefs"), options.pop("keystore"), runner, environ={}, **options
        )
        qtbot.addWidget(dialog)
        return dialog

    return make


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("IMAGE_VARIATIONS_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _shot(dialog: QWidget, path: Path) -> None:
    """Grabs the dialog as a person would see it: after pending layout work is done."""
    for _ in range(3):  # a wrapped message may take two rounds of layout
        QApplication.processEvents()
    assert dialog.grab().save(str(path))


def _answer(monkeypatch: pytest.MonkeyPatch, factory: type, value: object) -> list[tuple[Any, ...]]:
    """Replaces ``factory.ask`` with one that records its questions and gives ``value``."""
    asked: list[tuple[Any, ...]] = []

    def ask(*args: Any) -> object:
        asked.append(args)
        return value

    monkeypatch.setattr(factory, "ask", staticmethod(ask))
    return asked


def _texts(dialog: SettingsDialog) -> list[str]:
    """Every text a person (or a screen reader) can get from the dialog, but the key field."""
    key_field = dialog.connection.key_box.key_field
    texts = [dialog.windowTitle()]
    for widget in dialog.findChildren(QWidget):
        texts += [widget.toolTip(), widget.accessibleName()]
        if isinstance(widget, QLabel):
            texts.append(widget.text())
        elif isinstance(widget, QLineEdit) and widget is not key_field:
            texts += [widget.text(), widget.placeholderText()]
        elif isinstance(widget, QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        elif isinstance(widget, QListWidget):
            texts += [widget.item(i).text() for i in range(widget.count())]
    return texts


def _assert_no_secret(dialog: SettingsDialog, *secrets: str) -> None:
    for text in _texts(dialog):
        for secret in secrets:
            assert secret not in text
            assert secret[8:] not in text  # not even most of it


# --- opening -------------------------------------------------------------------------------------


def test_opens_on_the_active_profile_with_an_empty_password_field(
    make_dialog: Callable[..., SettingsDialog], shots: Path
) -> None:
    dialog = make_dialog()
    page = dialog.connection
    assert dialog.windowTitle() == "Settings"
    assert page.profiles.currentItem().text() == "OpenAI"
    assert page.active.currentText() == "OpenAI"
    assert page.base_url.text() == DEFAULT_BASE_URL
    assert page.organization.placeholderText() == "optional"
    assert page.project.placeholderText() == "optional"
    box = page.key_box
    assert box.key_field.text() == ""
    assert box.key_field.echoMode() is QLineEdit.EchoMode.Password
    assert box.status.text() == "No key stored"
    assert not box.save_button.isEnabled()
    assert not box.remove_button.isEnabled()
    assert dialog.ok_button.isEnabled()
    dialog.show()
    _shot(dialog, shots / "settings-connection.png")


def test_a_stored_key_is_shown_masked_and_never_prefilled(
    make_dialog: Callable[..., SettingsDialog], backend: MemoryBackend
) -> None:
    backend.store[(SERVICE, "OpenAI")] = CANARY_KEY
    dialog = make_dialog()
    box = dialog.connection.key_box
    assert box.status.text() == "Stored in Test keyring: sk-…5e11"
    assert box.key_field.text() == ""
    assert box.remove_button.isEnabled()
    _assert_no_secret(dialog, CANARY_KEY)


def test_the_environment_key_is_announced(
    make_dialog: Callable[..., SettingsDialog], backend: MemoryBackend
) -> None:
    store = KeyStore(backend=backend, environ={"OPENAI_API_KEY": CANARY_KEY})
    dialog = make_dialog(keystore=store)
    assert dialog.connection.key_box.status.text() == (
        "Using OPENAI_API_KEY from the environment (it overrides the stored key)"
    )
    _assert_no_secret(dialog, CANARY_KEY)


def test_focus_key_puts_the_cursor_in_the_key_field(
    make_dialog: Callable[..., SettingsDialog], qtbot: QtBot
) -> None:
    dialog = make_dialog(focus_key=True)
    dialog.tabs.setCurrentIndex(1)  # it must switch back to Connection by itself
    dialog = make_dialog(focus_key=True)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.tabs.currentWidget() is dialog.connection
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.connection.key_box.key_field)


# --- saving, removing and the session-only fallback ----------------------------------------------


def test_save_key_stores_it_in_the_keyring_only(
    make_dialog: Callable[..., SettingsDialog],
    backend: MemoryBackend,
    qtbot: QtBot,
    tmp_path: Path,
    isolated_user_folders: Path,
    shots: Path,
) -> None:
    dialog = make_dialog()
    box = dialog.connection.key_box
    qtbot.keyClicks(box.key_field, CANARY_KEY)
    assert box.save_button.isEnabled()
    box.show_key.click()
    assert box.key_field.echoMode() is QLineEdit.EchoMode.Normal
    box.show_key.click()
    box.save_button.click()
    assert backend.store == {(SERVICE, "OpenAI"): CANARY_KEY}
    assert box.key_field.text() == ""
    assert box.status.text() == "Stored in Test keyring: sk-…5e11"
    assert box.feedback.message() == "Saved in Test keyring."
    _assert_no_secret(dialog, CANARY_KEY)
    dialog.show()
    _shot(dialog, shots / "settings-key-saved.png")

    # The preferences the dialog hands back, saved as the window would: no key in them.
    store = PreferencesStore(tmp_path / "settings.json")
    store.save(dialog.result_preferences())
    assert CANARY_KEY not in store.path.read_text(encoding="utf-8")
    for folder in (tmp_path, isolated_user_folders):
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix != ".png":
                assert CANARY_KEY.encode() not in path.read_bytes(), path


def test_an_unreachable_keyring_offers_the_session_only(
    make_dialog: Callable[..., SettingsDialog], qtbot: QtBot, tmp_path: Path, shots: Path
) -> None:
    store = KeyStore(backend=BrokenKeyring(), environ={})
    dialog = make_dialog(keystore=store)
    box = dialog.connection.key_box
    assert box.status.text().startswith("The system keyring could not be reached to read")
    qtbot.keyClicks(box.key_field, CANARY_KEY)
    box.save_button.click()
    assert box.feedback.message() == (
        "The system keyring could not be reached to save the API key; make sure it is running "
        "and try again or enter the key for this session only."
    )
    assert box.session_button.isVisibleTo(dialog)
    _assert_no_secret(dialog, CANARY_KEY)
    dialog.show()
    _shot(dialog, shots / "settings-keyring-unavailable.png")

    box.session_button.click()
    key = store.get("OpenAI")
    assert key is not None and key.source == "session" and key.reveal() == CANARY_KEY
    assert box.status.text() == "Kept for this session only: sk-…5e11"
    assert box.key_field.text() == ""
    assert not box.session_button.isVisibleTo(dialog)
    assert not list(tmp_path.rglob("*.json"))


def test_remove_key_asks_first(
    make_dialog: Callable[..., SettingsDialog],
    backend: MemoryBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend.store[(SERVICE, "OpenAI")] = CANARY_KEY
    dialog = make_dialog()
    box = dialog.connection.key_box

    asked = _answer(monkeypatch, Confirm, False)
    box.remove_button.click()
    assert len(asked) == 1 and "OpenAI" in asked[0][2] and CANARY_KEY not in asked[0][2]
    assert (SERVICE, "OpenAI") in backend.store

    _answer(monkeypatch, Confirm, True)
    box.remove_button.click()
    assert backend.store == {}
    assert box.status.text() == "No key stored"
    assert not box.remove_button.isEnabled()


def test_ok_keeps_a_typed_key_that_was_not_saved(
    make_dialog: Callable[..., SettingsDialog], backend: MemoryBackend, qtbot: QtBot
) -> None:
    dialog = make_dialog()
    dialog.show()
    qtbot.waitExposed(dialog)
    box = dialog.connection.key_box
    qtbot.keyClicks(box.key_field, CANARY_KEY)
    qtbot.keyClick(box.key_field, Qt.Key.Key_Return)  # Enter presses OK, the default button
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert backend.store == {(SERVICE, "OpenAI"): CANARY_KEY}
    assert box.key_field.text() == ""


def test_ok_stays_open_when_the_typed_key_cannot_be_kept(
    make_dialog: Callable[..., SettingsDialog],
) -> None:
    dialog = make_dialog(keystore=KeyStore(backend=BrokenKeyring(), environ={}))
    box = dialog.connection.key_box
    dialog.tabs.setCurrentWidget(dialog.network)
    box.key_field.setText(CANARY_KEY)
    dialog.ok_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.tabs.currentWidget() is dialog.connection
    assert box.feedback.level == "problem"
    assert box.session_button.isVisibleTo(dialog)


# --- testing the key against the local API server ------------------------------------------------


def _point_at(dialog: SettingsDialog, server: FakeOpenAI, qtbot: QtBot) -> None:
    dialog.connection.base_url.clear()
    qtbot.keyClicks(dialog.connection.base_url, server.base_url)


def test_test_key_with_the_right_key(
    make_dialog: Callable[..., SettingsDialog],
    api_server: FakeOpenAI,
    qtbot: QtBot,
    shots: Path,
) -> None:
    dialog = make_dialog()
    box = dialog.connection.key_box
    _point_at(dialog, api_server, qtbot)
    qtbot.keyClicks(box.key_field, CANARY_KEY)
    box.test_button.click()
    assert box.feedback.message() == "Testing…"
    assert not box.test_button.isEnabled()
    qtbot.waitUntil(lambda: box.feedback.message().startswith("The key works"), timeout=10_000)
    assert box.feedback.message() == "The key works: 11 image models available."
    qtbot.waitUntil(box.test_button.isEnabled, timeout=30_000)
    assert api_server.count("/v1/models") == 1
    _assert_no_secret(dialog, CANARY_KEY)
    dialog.show()
    _shot(dialog, shots / "settings-test-ok.png")


def test_test_key_with_a_wrong_key_says_it_was_rejected(
    make_dialog: Callable[..., SettingsDialog],
    api_server: FakeOpenAI,
    qtbot: QtBot,
    shots: Path,
) -> None:
    dialog = make_dialog()
    box = dialog.connection.key_box
    _point_at(dialog, api_server, qtbot)
    qtbot.keyClicks(box.key_field, OTHER_KEY)
    box.test_button.click()
    qtbot.waitUntil(lambda: box.feedback.level == "problem", timeout=10_000)
    assert box.feedback.message() == "The API key was rejected. Check or replace it in Settings."
    qtbot.waitUntil(box.test_button.isEnabled, timeout=30_000)
    _assert_no_secret(dialog, OTHER_KEY, CANARY_KEY)
    dialog.show()
    _shot(dialog, shots / "settings-test-rejected.png")


def test_test_key_uses_the_stored_key_when_none_is_typed(
    make_dialog: Callable[..., SettingsDialog],
    backend: MemoryBackend,
    api_server: FakeOpenAI,
    qtbot: QtBot,
) -> None:
    backend.store[(SERVICE, "OpenAI")] = CANARY_KEY
    dialog = make_dialog()
    box = dialog.connection.key_box
    _point_at(dialog, api_server, qtbot)
    box.test_button.click()
    qtbot.waitUntil(lambda: box.feedback.message().startswith("The key works"), timeout=10_000)


def test_test_key_without_any_key_says_so(make_dialog: Callable[..., SettingsDialog]) -> None:
    dialog = make_dialog()
    box = dialog.connection.key_box
    box.test_button.click()
    assert box.feedback.message() == "There is no key to test: paste one above."


def test_test_key_goes_through_the_organization_and_timeouts(
    make_dialog: Callable[..., SettingsDialog], api_server: FakeOpenAI, qtbot: QtBot
) -> None:
    dialog = make_dialog()
    _point_at(dialog, api_server, qtbot)
    qtbot.keyClicks(dialog.connection.organization, "org-test")
    dialog.network.connect_timeout.setValue(3)
    config = dialog.connection.selected_config()
    assert config.organization == "org-test"
    assert config.timeouts.connect == 3.0
    assert config.base_url == api_server.base_url


def test_switching_profile_or_closing_drops_a_running_test(
    make_dialog: Callable[..., SettingsDialog],
    api_server: FakeOpenAI,
    qtbot: QtBot,
    runner: TaskRunner,
) -> None:
    from tests.fake_openai import Fault

    api_server.inject(Fault("stall_before_headers", seconds=30), path="/v1/models")
    dialog = make_dialog()
    box = dialog.connection.key_box
    _point_at(dialog, api_server, qtbot)
    qtbot.keyClicks(box.key_field, CANARY_KEY)
    box.test_button.click()
    qtbot.waitUntil(lambda: api_server.count("/v1/models") == 1, timeout=10_000)
    dialog.connection.profiles.setCurrentRow(1)
    assert box.feedback.message() == ""
    assert box.key_field.text() == ""  # a typed key belongs to the profile it was typed for
    qtbot.waitUntil(lambda: runner.active == 0, timeout=30_000)
    assert box.feedback.message() == ""  # the cancelled test says nothing afterwards
    assert box.test_button.isEnabled()

    dialog.connection.profiles.setCurrentRow(0)
    qtbot.keyClicks(box.key_field, CANARY_KEY)
    box.test_button.click()
    qtbot.waitUntil(lambda: api_server.count("/v1/models") == 2, timeout=10_000)
    dialog.reject()
    qtbot.waitUntil(lambda: runner.active == 0, timeout=30_000)
    assert box.key_field.text() == ""


# --- profiles ------------------------------------------------------------------------------------


def test_add_rename_and_remove_profiles(
    make_dialog: Callable[..., SettingsDialog], monkeypatch: pytest.MonkeyPatch, shots: Path
) -> None:
    dialog = make_dialog()
    page = dialog.connection

    asked = _answer(monkeypatch, ProfileNameDialog, "Local server")
    page.add_button.click()
    assert asked[0][2] == "Profile 3"  # a free name is offered
    assert [page.profiles.item(i).text() for i in range(3)] == [
        "OpenAI",
        "Company gateway",
        "Local server",
    ]
    assert page.profiles.currentItem().text() == "Local server"
    assert page.details.title() == "Server of “Local server”"
    page.base_url.setText("http://127.0.0.1:8000/v1")

    _answer(monkeypatch, ProfileNameDialog, "Laptop server")
    page.rename_button.click()
    assert page.profiles.currentItem().text() == "Laptop server"
    page.active.setCurrentText("Laptop server")
    dialog.show()
    _shot(dialog, shots / "settings-profiles.png")

    page.profiles.setCurrentRow(1)
    _answer(monkeypatch, Confirm, True)
    page.remove_button.click()
    result = dialog.result_preferences()
    assert result.profiles == [
        Profile("OpenAI"),
        Profile("Laptop server", "http://127.0.0.1:8000/v1"),
    ]
    assert result.active_profile == "Laptop server"


def test_the_last_profile_cannot_be_removed(
    make_dialog: Callable[..., SettingsDialog], monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = make_dialog(prefs=Preferences())
    assert not dialog.connection.remove_button.isEnabled()
    _answer(monkeypatch, Confirm, True)
    dialog.connection.on_remove_clicked()
    assert len(dialog.result_preferences().profiles) == 1


def test_removing_the_active_profile_makes_another_active(
    make_dialog: Callable[..., SettingsDialog], monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = make_dialog()
    _answer(monkeypatch, Confirm, True)
    dialog.connection.remove_button.click()  # OpenAI, the active one
    assert dialog.result_preferences().active_profile == "Company gateway"
    assert dialog.connection.base_url.text() == "https://gateway.example.com/openai/v1"


def test_a_declined_removal_keeps_the_profile(
    make_dialog: Callable[..., SettingsDialog], monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = make_dialog()
    _answer(monkeypatch, Confirm, False)
    dialog.connection.remove_button.click()
    assert len(dialog.result_preferences().profiles) == 2


def test_the_name_dialog_refuses_empty_and_taken_names(qtbot: QtBot) -> None:
    dialog = ProfileNameDialog("Add profile", "Profile 3", ["OpenAI", "Gateway"])
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert ok.isEnabled()
    dialog.name.setText("openai")
    assert not ok.isEnabled()
    assert dialog.problem.message() == "There is already a profile called “openai”."
    dialog.name.setText("  ")
    assert not ok.isEnabled() and dialog.problem.message() == ""
    dialog.name.setText(" Home ")
    assert ok.isEnabled()
    QTimer.singleShot(0, dialog.accept)
    assert dialog.exec() == QDialog.DialogCode.Accepted


def test_rename_and_remove_carry_the_keys_on_ok(
    make_dialog: Callable[..., SettingsDialog],
    backend: MemoryBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend.store[(SERVICE, "OpenAI")] = CANARY_KEY
    backend.store[(SERVICE, "Company gateway")] = OTHER_KEY
    dialog = make_dialog()
    page = dialog.connection
    _answer(monkeypatch, ProfileNameDialog, "OpenAI direct")
    page.rename_button.click()
    # Until OK, the key stays where it is (Cancel must leave the keyring alone).
    assert (SERVICE, "OpenAI") in backend.store
    assert page.key_box.status.text().endswith("sk-…5e11")
    page.profiles.setCurrentRow(1)
    _answer(monkeypatch, Confirm, True)
    page.remove_button.click()
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert backend.store == {(SERVICE, "OpenAI direct"): CANARY_KEY}


def test_cancel_forgets_keys_of_profiles_added_in_the_dialog(
    make_dialog: Callable[..., SettingsDialog],
    backend: MemoryBackend,
    monkeypatch: pytest.MonkeyPatch,
    qtbot: QtBot,
) -> None:
    backend.store[(SERVICE, "OpenAI")] = CANARY_KEY
    dialog = make_dialog()
    _answer(monkeypatch, ProfileNameDialog, "Scratch")
    dialog.connection.add_button.click()
    qtbot.keyClicks(dialog.connection.key_box.key_field, OTHER_KEY)
    dialog.connection.key_box.save_button.click()
    assert backend.store[(SERVICE, "Scratch")] == OTHER_KEY
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert backend.store == {(SERVICE, "OpenAI"): CANARY_KEY}


def test_keys_swap_between_two_renamed_profiles(backend: MemoryBackend, keystore: KeyStore) -> None:
    backend.store[(SERVICE, "A")] = CANARY_KEY
    backend.store[(SERVICE, "B")] = OTHER_KEY
    a = ProfileDraft(Profile("B"), key_name="A")
    b = ProfileDraft(Profile("A"), key_name="B")
    carry_keys(keystore, [a, b], [])
    assert backend.store == {(SERVICE, "B"): CANARY_KEY, (SERVICE, "A"): OTHER_KEY}


def test_moving_keys_leaves_the_environment_key_out(backend: MemoryBackend) -> None:
    backend.store[(SERVICE, "A")] = OTHER_KEY
    store = KeyStore(backend=backend, environ={"OPENAI_API_KEY": CANARY_KEY})
    carry_keys(store, [ProfileDraft(Profile("B"), key_name="A")], [])
    # The stored key cannot be read past the override: it stays, and the variable's key is
    # never copied into the keyring.
    assert backend.store == {(SERVICE, "A"): OTHER_KEY}


def test_a_new_profile_removed_again_needs_no_keyring() -> None:
    store = KeyStore(backend=BrokenKeyring(), environ={})
    carry_keys(store, [ProfileDraft(Profile("A"), "A")], [ProfileDraft(Profile("X"), "X", True)])


# --- validation ----------------------------------------------------------------------------------


def test_an_invalid_base_url_disables_ok(
    make_dialog: Callable[..., SettingsDialog], qtbot: QtBot, shots: Path
) -> None:
    dialog = make_dialog()
    page = dialog.connection
    page.base_url.clear()
    qtbot.keyClicks(page.base_url, "api.example.com/v1")
    assert not dialog.ok_button.isEnabled()
    assert page.base_url_message.message() == (
        "The base URL must start with https:// (or http:// for a server on this computer)."
    )
    assert not page.key_box.test_button.isEnabled()
    assert dialog.problem.message() == ""  # the reason is in sight already
    dialog.show()
    _shot(dialog, shots / "settings-invalid-url.png")

    page.profiles.setCurrentRow(1)  # out of sight: the dialog says why OK is unavailable
    assert dialog.problem.message().startswith("Before saving: Profile “OpenAI”: The base URL")
    _shot(dialog, shots / "settings-problem-elsewhere.png")
    assert page.profiles.item(0).toolTip() != ""
    page.profiles.setCurrentRow(0)
    page.base_url.setText("https://api.example.com/v1")
    assert dialog.ok_button.isEnabled()
    assert page.base_url_message.message() == ""
    assert dialog.problem.message() == ""


def test_plain_http_to_another_computer_needs_the_explicit_yes(
    make_dialog: Callable[..., SettingsDialog],
) -> None:
    dialog = make_dialog()
    page = dialog.connection
    assert page.allow_http.isHidden()  # https: nothing to allow
    page.base_url.setText("http://gateway.example.com/v1")
    assert dialog.ok_button.isEnabled()  # saved as typed; runs are refused until allowed
    assert not page.allow_http.isHidden() and not page.allow_http.isChecked()

    def level() -> str | None:  # read afresh each time (the message changes under the checkbox)
        return page.base_url_message.level

    assert level() == "problem"
    assert "unencrypted" in page.base_url_message.message()
    with pytest.raises(ValueError, match="unencrypted"):
        page.selected_config()
    page.allow_http.setChecked(True)
    assert level() == "caution"
    assert page.selected_config().allow_insecure_http
    assert page.profiles_result()[0].allow_insecure_http
    page.base_url.setText("http://127.0.0.1:8000/v1")
    assert level() != "problem"


def test_a_key_pasted_as_organization_is_refused(
    make_dialog: Callable[..., SettingsDialog], qtbot: QtBot
) -> None:
    dialog = make_dialog()
    qtbot.keyClicks(dialog.connection.organization, CANARY_KEY)
    assert not dialog.ok_button.isEnabled()
    assert "looks like an API key" in dialog.connection.ids_message.message()


def test_the_openai_base_url_variable_is_explained(
    qtbot: QtBot, prefs: Preferences, keystore: KeyStore, runner: TaskRunner
) -> None:
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9000/v1"}
    dialog = SettingsDialog(prefs, keystore, runner, environ=env)
    qtbot.addWidget(dialog)
    page = dialog.connection
    assert page.env_note.message() == (
        "OPENAI_BASE_URL is set, so this profile connects to http://127.0.0.1:9000/v1 for as "
        "long as the variable is set."
    )
    assert page.selected_config().base_url == "http://127.0.0.1:9000/v1"
    assert dialog.result_preferences().profile("OpenAI").base_url == DEFAULT_BASE_URL
    page.profiles.setCurrentRow(1)
    assert page.env_note.message() == ""


def test_the_template_shows_an_example_or_its_problem(
    make_dialog: Callable[..., SettingsDialog], qtbot: QtBot, shots: Path
) -> None:
    dialog = make_dialog()
    saving = dialog.saving
    dialog.tabs.setCurrentWidget(saving)
    assert saving.example.message() == "For example: photo-01-20261123-101500.png"
    saving.save_format.setCurrentIndex(saving.save_format.findData("webp"))
    assert saving.example.message() == "For example: photo-01-20261123-101500.webp"
    dialog.show()
    _shot(dialog, shots / "settings-saving.png")
    saving.template.clear()
    qtbot.keyClicks(saving.template, "{source}-{number}")
    assert saving.example.level == "problem"
    assert saving.example.message().startswith("The file name template uses the unknown field")
    assert not dialog.ok_button.isEnabled()
    assert dialog.problem.message() == ""
    _shot(dialog, shots / "settings-template-error.png")
    dialog.tabs.setCurrentWidget(dialog.connection)
    assert dialog.problem.message().startswith("Before saving: The file name template")


def test_saving_folder_and_format(
    make_dialog: Callable[..., SettingsDialog], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dialog = make_dialog()
    saving = dialog.saving
    assert saving.folder.placeholderText() == str(default_output_folder())
    asked = _answer(monkeypatch, FolderChooser, str(tmp_path))
    saving.choose.click()
    assert asked[0][2] == str(default_output_folder())
    assert saving.folder.text() == str(tmp_path)
    saving.save_format.setCurrentIndex(saving.save_format.findData("jpeg"))
    saving.template.clear()  # empty means the default
    result = dialog.result_preferences()
    assert (result.save_folder, result.save_format) == (str(tmp_path), "jpeg")
    assert result.filename_template == Preferences().filename_template
    saving.folder.setText("relative/folder")
    assert not dialog.ok_button.isEnabled()
    _answer(monkeypatch, FolderChooser, None)  # cancelled: nothing changes
    saving.choose.click()
    assert saving.folder.text() == "relative/folder"


def test_timeouts(make_dialog: Callable[..., SettingsDialog], shots: Path) -> None:
    dialog = make_dialog()
    network = dialog.network
    assert network.values() == (10.0, 360.0, 600.0)
    network.read_timeout.setValue(99_999)  # clamped to the range
    network.connect_timeout.setValue(0)
    result = dialog.result_preferences()
    assert (result.connect_timeout, result.read_timeout) == (1.0, 3600.0)
    dialog.tabs.setCurrentWidget(network)
    dialog.show()
    _shot(dialog, shots / "settings-network.png")


def test_the_window_choices_survive_the_dialog(
    make_dialog: Callable[..., SettingsDialog],
) -> None:
    prefs = Preferences(model="gpt-image-2", n=7, prompt="Make it autumn.", mode="classic")
    dialog = make_dialog(prefs=prefs)
    result = dialog.result_preferences()
    assert (result.model, result.n, result.prompt, result.mode) == (
        "gpt-image-2",
        7,
        "Make it autumn.",
        "classic",
    )
    assert result is not prefs and result.profiles is not prefs.profiles


def _next_tab_stop(widget: QWidget) -> QWidget:
    candidate = widget.nextInFocusChain()
    while candidate is not None and not candidate.focusPolicy() & Qt.FocusPolicy.TabFocus:
        candidate = candidate.nextInFocusChain()
    assert candidate is not None  # Qt's focus chain is a ring: it never runs out
    return candidate


def test_tab_order_follows_the_page(make_dialog: Callable[..., SettingsDialog]) -> None:
    dialog = make_dialog()
    page = dialog.connection
    box = page.key_box
    expected = [
        page.profiles,
        page.add_button,
        page.rename_button,
        page.remove_button,
        page.active,
        page.kind,
        page.base_url,
        page.allow_http,  # shown only for plain http to another computer; in the chain always
        page.deployment,
        page.api_version,
        page.organization,
        page.project,
        box.key_field,
        box.show_key,
        box.save_button,
        box.test_button,
        box.remove_button,
    ]
    for first, second in itertools.pairwise(expected):
        assert _next_tab_stop(first) is second, (first.accessibleName(), second.accessibleName())


def test_fields_have_accessible_names(make_dialog: Callable[..., SettingsDialog]) -> None:
    dialog = make_dialog()
    for field in dialog.findChildren(QLineEdit) + dialog.findChildren(QComboBox):
        if field.parent() is not None and isinstance(field.parent(), QComboBox | QAbstractButton):
            continue  # the line edit inside a spin box or combo box
        if type(field.parent()).__name__ in {"QAbstractSpinBox", "QDoubleSpinBox", "QSpinBox"}:
            continue
        assert field.accessibleName(), field


# --- the factory ---------------------------------------------------------------------------------


def _answer_modal(qtbot: QtBot, action: Callable[[QDialog], None]) -> None:
    def act() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SettingsDialog)
        action(dialog)

    QTimer.singleShot(0, act)


def test_ask_returns_none_on_escape(
    qtbot: QtBot, prefs: Preferences, keystore: KeyStore, runner: TaskRunner
) -> None:
    _answer_modal(qtbot, lambda d: qtbot.keyClick(d, Qt.Key.Key_Escape))
    assert SettingsDialog.ask(None, prefs, keystore, runner) is None


def test_ask_returns_the_edited_preferences_on_ok(
    qtbot: QtBot, prefs: Preferences, keystore: KeyStore, runner: TaskRunner
) -> None:
    def edit(dialog: QDialog) -> None:
        assert isinstance(dialog, SettingsDialog)
        dialog.network.deadline.setValue(1200)
        dialog.connection.active.setCurrentText("Company gateway")
        dialog.ok_button.click()

    _answer_modal(qtbot, edit)
    result = SettingsDialog.ask(None, prefs, keystore, runner)
    assert result is not None
    assert (result.deadline, result.active_profile) == (1200.0, "Company gateway")
    assert prefs.deadline == 600.0  # the caller's copy is untouched


def test_the_common_confirm_defaults_to_cancel(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)

    def press_enter() -> None:
        box = QApplication.activeModalWidget()
        assert box is not None
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(0, press_enter)
    assert settings_common.Confirm.ask(parent, "Remove", "Remove it?", "Remove") is False


def test_library_page_edits_metadata_budget_and_retention(
    make_dialog: Callable[..., SettingsDialog], shots: Path
) -> None:
    dialog = make_dialog()
    page = dialog.library
    dialog.tabs.setCurrentWidget(page)
    assert page.story.isChecked() and page.budget.text() == "No cap"
    assert page.keep_days.text() == "Keep every run"
    page.story.setChecked(False)
    page.budget.setValue(25)
    page.keep_days.setValue(90)
    page.keep_gb.setValue(2.5)
    _shot(dialog, shots / "settings-library.png")
    edited = dialog.result_preferences()
    assert edited.strip_metadata is True
    assert (edited.monthly_budget, edited.keep_days, edited.keep_gb) == (25.0, 90, 2.5)


# --- kinds of server -----------------------------------------------------------------------------


def _visible_rows(page: Any) -> set[str]:
    fields = {
        "deployment": page.deployment,
        "api_version": page.api_version,
        "organization": page.organization,
        "project": page.project,
    }
    return {name for name, field in fields.items() if field.isVisibleTo(page)}


def test_the_kind_choice_shows_the_fields_that_kind_needs(
    make_dialog: Callable[..., SettingsDialog], qtbot: QtBot, shots: Path
) -> None:
    dialog = make_dialog()
    page = dialog.connection
    page.profiles.setCurrentRow(1)  # the company gateway
    assert page.kind.currentData() == "openai"
    assert _visible_rows(page) == {"organization", "project"}

    page.kind.setCurrentIndex(page.kind.findData("azure"))
    assert _visible_rows(page) == {"deployment", "api_version"}
    assert page.base_url_label.text() == "&Resource URL:"
    assert page.deployment_message.message().startswith("Enter the name")
    assert not dialog.ok_button.isEnabled()
    # What the Azure portal shows, pasted whole, becomes the three plain fields.
    page.base_url.setText(
        "https://res.openai.azure.com/openai/deployments/pics/images/edits"
        "?api-version=2025-04-01-preview"
    )
    assert page.base_url.text() == "https://res.openai.azure.com"
    assert (page.deployment.text(), page.api_version.text()) == ("pics", "2025-04-01-preview")
    assert page.deployment_message.message() == "" and page.base_url_message.message() == ""
    assert dialog.ok_button.isEnabled()
    page.api_version.setText("2024-02-01")
    assert "2025-04-01" in page.api_version_message.message()
    assert not dialog.ok_button.isEnabled()
    page.api_version.clear()  # "preview", the v1 API
    dialog.show()
    _shot(dialog, shots / "settings-azure-profile.png")

    page.kind.setCurrentIndex(page.kind.findData("openrouter"))
    assert _visible_rows(page) == set()
    page.base_url.clear()
    page.kind.setCurrentIndex(page.kind.findData("openai"))
    page.kind.setCurrentIndex(page.kind.findData("openrouter"))
    assert page.base_url.text() == "https://openrouter.ai/api/v1"  # prefilled
    assert dialog.ok_button.isEnabled()

    page.kind.setCurrentIndex(page.kind.findData("azure"))
    page.base_url.setText("https://res.openai.azure.com")
    result = dialog.result_preferences().profile("Company gateway")
    assert (result.kind, result.base_url, result.deployment) == (
        "azure",
        "https://res.openai.azure.com",
        "pics",
    )
    config = page.selected_config()
    assert config.kind.value == "azure" and config.deployment == "pics"
