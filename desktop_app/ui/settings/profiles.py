"""The Connection page: profiles (list, add, rename, remove, active), their server and their key.

The page edits :class:`ProfileDraft` copies; what a rename or removal means for the keyring is
decided in :mod:`desktop_app.ui.settings.drafts` when the dialog is accepted.
"""

from __future__ import annotations

import copy
import itertools
import os
from collections.abc import Mapping

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.adaptation import ServerRules
from desktop_app.core.config import DEFAULT_BASE_URL, ClientConfig, Timeouts
from desktop_app.core.dialects import (
    AZURE_DEFAULT_API_VERSION,
    KIND_LABELS,
    OPENROUTER_BASE_URL,
    ServerKind,
    api_version_problem,
    deployment_problem,
    split_azure_url,
)
from desktop_app.core.keystore import KeyStore
from desktop_app.core.preferences import (
    BASE_URL_ENV_VAR,
    DEFAULT_PROFILE,
    Preferences,
    Profile,
    base_url_caution,
    base_url_problem,
    effective_base_url,
)
from desktop_app.qt.tasks import TaskRunner
from desktop_app.ui.settings.common import (
    Confirm,
    InlineMessage,
    ProfileNameDialog,
    buddy_label,
)
from desktop_app.ui.settings.drafts import ID_IS_KEY, ProfileDraft
from desktop_app.ui.settings.key import ApiKeyBox
from desktop_app.ui.settings.server_rules import ServerRulesBox


class ConnectionPage(QWidget):
    """Profiles on the left; the selected profile's server and key on the right."""

    changed = Signal()  # anything that may change whether the dialog can be accepted

    def __init__(
        self,
        prefs: Preferences,
        keystore: KeyStore,
        runner: TaskRunner,
        timeouts: Timeouts,
        environ: Mapping[str, str] | None = None,
        parent: QWidget | None = None,
        server_rules: ServerRules | None = None,
    ) -> None:
        super().__init__(parent)
        self._environ: Mapping[str, str] = os.environ if environ is None else environ
        self._timeouts = timeouts
        self.drafts = [ProfileDraft(copy.copy(p), p.name) for p in prefs.profiles]
        self.removed: list[ProfileDraft] = []
        self._loading = False

        self.active = QComboBox()
        self.active.setAccessibleName("Active profile")
        self.active.setToolTip("The profile new runs use")
        self.profiles = QListWidget()
        self.profiles.setAccessibleName("Connection profiles")
        self.profiles.setToolTip("Each profile is a server with its own key")
        small = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.profiles.setIconSize(QSize(small, small))  # a flagged row as tall as the others
        self.add_button = QPushButton("&Add…")
        self.rename_button = QPushButton("Rena&me…")
        self.remove_button = QPushButton("Remo&ve…")
        self.add_button.setToolTip("Add a profile for another server or gateway")
        self.rename_button.setToolTip("Rename the selected profile; its key moves with it")
        self.remove_button.setToolTip("Remove the selected profile and its stored key")

        self.details = QGroupBox("Server")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of server")
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind.value)
        self.kind.setToolTip(
            "How this server is spoken to: each kind has its own address and fields"
        )
        self.deployment = QLineEdit()
        self.deployment.setAccessibleName("Deployment")
        self.deployment.setPlaceholderText("the image model's deployment name")
        self.deployment.setToolTip("Azure: the deployment of the image model; sent as the model")
        self.deployment_message = InlineMessage("Deployment problem")
        self.api_version = QLineEdit()
        self.api_version.setAccessibleName("API version")
        self.api_version.setPlaceholderText(AZURE_DEFAULT_API_VERSION)
        self.api_version.setToolTip(
            "Azure: “preview” for the v1 API, or a dated version such as 2025-04-01-preview"
        )
        self.api_version_message = InlineMessage("API version problem")
        self.base_url = QLineEdit()
        self.base_url.setAccessibleName("Base URL")
        self.base_url.setPlaceholderText("https://api.openai.com/v1")
        self.base_url.setToolTip("Where the API lives: OpenAI, a company gateway or a local server")
        self.base_url_message = InlineMessage("Base URL problem")
        self.env_note = InlineMessage("Environment note")
        self.allow_http = QCheckBox(
            "Allow plain &http to this server (the key is sent unencrypted)"
        )
        self.allow_http.setAccessibleName("Allow plain http")
        self.allow_http.setToolTip(
            "Only for a test server on a network you trust: anyone on the way can read the key"
        )
        self.organization = QLineEdit()
        self.organization.setAccessibleName("Organization ID")
        self.organization.setPlaceholderText("optional")
        self.organization.setToolTip("Sent as OpenAI-Organization when your key has several")
        self.project = QLineEdit()
        self.project.setAccessibleName("Project ID")
        self.project.setPlaceholderText("optional")
        self.project.setToolTip("Sent as OpenAI-Project to bill a particular project")
        self.ids_message = InlineMessage("ID problem")
        self.key_box = ApiKeyBox(keystore, runner, self.selected_config)
        self.rules_box = ServerRulesBox(server_rules or ServerRules.default())

        self._build_layout()
        for draft in self.drafts:
            self._add_item(draft)
        self._fill_active_combo(prefs.profile().name)
        self.profiles.currentItemChanged.connect(self.on_selection_changed)
        self.add_button.clicked.connect(self.on_add_clicked)
        self.rename_button.clicked.connect(self.on_rename_clicked)
        self.remove_button.clicked.connect(self.on_remove_clicked)
        self.active.currentIndexChanged.connect(self.on_active_changed)
        self.kind.currentIndexChanged.connect(self.on_kind_changed)
        self.base_url.textChanged.connect(self.on_server_edited)
        self.organization.textChanged.connect(self.on_server_edited)
        self.project.textChanged.connect(self.on_server_edited)
        self.deployment.textChanged.connect(self.on_server_edited)
        self.api_version.textChanged.connect(self.on_server_edited)
        self.allow_http.toggled.connect(self.on_allow_http_toggled)
        self.key_box.keySaved.connect(self.on_key_saved)
        self.profiles.setCurrentRow(self._index_of(prefs.profile().name))
        chain: list[QWidget] = [
            self.profiles,
            self.add_button,
            self.rename_button,
            self.remove_button,
            self.active,
            self.kind,
            self.base_url,
            self.allow_http,
            self.deployment,
            self.api_version,
            self.organization,
            self.project,
            *self.key_box.tab_chain(),
            self.rules_box.forget_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _build_layout(self) -> None:
        list_buttons = QHBoxLayout()
        for button in (self.add_button, self.rename_button, self.remove_button):
            button.setAutoDefault(False)
            list_buttons.addWidget(button)
        left = QVBoxLayout()
        profiles_label = QLabel("&Profiles:")
        profiles_label.setBuddy(self.profiles)
        left.addWidget(profiles_label)
        left.addWidget(self.profiles, 1)
        left.addLayout(list_buttons)
        active_row = QFormLayout()
        active_row.addRow("&Use for new runs:", self.active)
        left.addLayout(active_row)

        base_url_column = QVBoxLayout()
        base_url_column.addWidget(self.base_url)
        base_url_column.addWidget(self.base_url_message)
        base_url_column.addWidget(self.allow_http)
        base_url_column.addWidget(self.env_note)
        project_column = QVBoxLayout()
        project_column.addWidget(self.project)
        project_column.addWidget(self.ids_message)
        deployment_column = QVBoxLayout()
        deployment_column.addWidget(self.deployment)
        deployment_column.addWidget(self.deployment_message)
        version_column = QVBoxLayout()
        version_column.addWidget(self.api_version)
        version_column.addWidget(self.api_version_message)
        form = QFormLayout(self.details)
        self._form = form
        form.addRow(buddy_label("&Kind:", self.kind), self.kind)
        self.base_url_label = buddy_label("&Base URL:", self.base_url)
        form.addRow(self.base_url_label, base_url_column)
        form.addRow(buddy_label("&Deployment:", self.deployment), deployment_column)
        form.addRow(buddy_label("API &version:", self.api_version), version_column)
        form.addRow("&Organization ID:", self.organization)
        form.addRow(buddy_label("Pro&ject ID:", self.project), project_column)
        right = QVBoxLayout()
        right.addWidget(self.details)
        right.addWidget(self.key_box)
        right.addWidget(self.rules_box)
        right.addStretch(1)

        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 5)

    # -- reading the page --

    def selected(self) -> ProfileDraft:
        item = self.profiles.currentItem()
        draft = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return draft if isinstance(draft, ProfileDraft) else self.drafts[0]

    def selected_config(self) -> ClientConfig:
        """The selected profile as the client would use it (for Test key)."""
        return self.selected().profile.client_config(self._timeouts, self._environ)

    def set_timeouts(self, timeouts: Timeouts) -> None:
        self._timeouts = timeouts

    def profiles_result(self) -> list[Profile]:
        return [copy.copy(d.profile) for d in self.drafts]

    def active_name(self) -> str:
        name = self.active.currentText()
        return name if name else self.drafts[0].profile.name

    def problems(self) -> list[tuple[str, bool]]:
        """Each problem, and whether it is already shown next to its field."""
        selected = self.selected()
        return [
            (f"Profile “{d.profile.name}”: {problem}", d is selected)
            for d in self.drafts
            if (problem := d.problem()) is not None
        ]

    def focus_key(self) -> None:
        self.key_box.key_field.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- slots --

    def on_selection_changed(self, current: QListWidgetItem | None, _old: object) -> None:
        if current is None:
            return
        draft = self.selected()
        self._loading = True  # filling the fields is not an edit
        self.kind.setCurrentIndex(max(0, self.kind.findData(draft.profile.kind)))
        self.base_url.setText(draft.profile.base_url)
        self.organization.setText(draft.profile.organization)
        self.project.setText(draft.profile.project)
        self.deployment.setText(draft.profile.deployment)
        self.api_version.setText(draft.profile.api_version)
        self.allow_http.setChecked(draft.profile.allow_insecure_http)
        self._loading = False
        self._show_kind_fields(draft.profile.kind)
        self.details.setTitle(f"Server of “{draft.profile.name}”")
        self.remove_button.setEnabled(len(self.drafts) > 1)
        self.key_box.set_profile(draft.key_name, draft.profile.name)
        self._show_checks(draft)
        self._show_rules(draft)
        self.changed.emit()

    def on_server_edited(self, _text: str) -> None:
        if self._loading:
            return
        draft = self.selected()
        if draft.profile.kind == ServerKind.AZURE and self._split_pasted_azure_address():
            return  # the fields were refilled, and that edit did the rest
        draft.profile.base_url = self.base_url.text().strip()
        draft.profile.organization = self.organization.text().strip()
        draft.profile.project = self.project.text().strip()
        draft.profile.deployment = self.deployment.text().strip()
        draft.profile.api_version = self.api_version.text().strip()
        self._show_checks(draft)
        self._show_rules(draft)
        self.changed.emit()

    def on_allow_http_toggled(self, checked: bool) -> None:
        if self._loading:
            return
        draft = self.selected()
        draft.profile.allow_insecure_http = checked
        self._show_checks(draft)
        self.changed.emit()

    def on_kind_changed(self, _index: int) -> None:
        if self._loading:
            return
        draft = self.selected()
        kind = ServerKind(self.kind.currentData())
        draft.profile.kind = kind.value
        # Another kind's address is never right for this one; OpenRouter's own is known.
        url = self.base_url.text().strip()
        if url in ("", DEFAULT_BASE_URL, OPENROUTER_BASE_URL):
            wanted = {ServerKind.OPENROUTER: OPENROUTER_BASE_URL, ServerKind.AZURE: ""}
            self.base_url.setText(wanted.get(kind, DEFAULT_BASE_URL))
        self._show_kind_fields(kind.value)
        self.on_server_edited("")

    def on_add_clicked(self) -> None:
        name = ProfileNameDialog.ask(self, "Add profile", self._free_name(), self._taken(None))
        if name is None:
            return
        draft = ProfileDraft(Profile(name), name, is_new=True)
        self.drafts.append(draft)
        item = self._add_item(draft)
        self._fill_active_combo(self.active_name())
        self.profiles.setCurrentItem(item)
        self.base_url.setFocus(Qt.FocusReason.OtherFocusReason)
        self.base_url.selectAll()

    def on_rename_clicked(self) -> None:
        draft = self.selected()
        old = draft.profile.name
        name = ProfileNameDialog.ask(self, "Rename profile", old, self._taken(draft))
        if name is None or name == old:
            return
        was_active = self.active_name() == old
        draft.profile.name = name
        self.profiles.currentItem().setText(name)
        self._fill_active_combo(name if was_active else self.active_name())
        self.on_selection_changed(self.profiles.currentItem(), None)

    def on_remove_clicked(self) -> None:
        if len(self.drafts) < 2:
            return
        draft = self.selected()
        question = (
            f"Remove the profile “{draft.profile.name}”? Its stored API key is deleted from the "
            "keyring when you press OK."
        )
        if not Confirm.ask(self, "Remove profile", question, "Remove profile"):
            return
        row = self.drafts.index(draft)
        self.drafts.remove(draft)
        self.removed.append(draft)
        active = self.active_name()
        self.profiles.takeItem(row)
        self._fill_active_combo(active if active != draft.profile.name else "")
        self.profiles.setCurrentRow(min(row, len(self.drafts) - 1))
        self.changed.emit()

    def on_active_changed(self, _index: int) -> None:
        self._mark_active()

    def on_key_saved(self, key_name: str) -> None:
        for draft in self.drafts:
            if draft.key_name == key_name:
                draft.key_saved_here = True

    # -- helpers --

    def _split_pasted_azure_address(self) -> bool:
        """An address pasted from the Azure portal becomes the resource URL, deployment and
        api-version fields, so nobody has to edit a query string by hand."""
        text = self.base_url.text().strip()
        if "?" not in text and "/openai" not in text:
            return False
        address = split_azure_url(text)
        self._loading = True
        self.base_url.setText(address.resource)
        if address.deployment:
            self.deployment.setText(address.deployment)
        if address.api_version:
            self.api_version.setText(address.api_version)
        self._loading = False
        self.on_server_edited("")
        return True

    def _show_kind_fields(self, kind: str) -> None:
        azure = kind == ServerKind.AZURE
        openai = kind == ServerKind.OPENAI
        self.base_url_label.setText("&Resource URL:" if azure else "&Base URL:")
        self.base_url.setPlaceholderText(
            "https://<resource>.openai.azure.com"
            if azure
            else OPENROUTER_BASE_URL
            if kind == ServerKind.OPENROUTER
            else DEFAULT_BASE_URL
        )
        for widget in (self.deployment, self.api_version):
            self._form.setRowVisible(_row_of(self._form, widget), azure)
        for widget in (self.organization, self.project):
            self._form.setRowVisible(_row_of(self._form, widget), openai)

    def _show_rules(self, draft: ProfileDraft) -> None:
        self.rules_box.show_server(effective_base_url(draft.profile, self._environ))

    def _show_checks(self, draft: ProfileDraft) -> None:
        url = draft.profile.base_url
        problem = base_url_problem(url)
        azure = draft.profile.kind == ServerKind.AZURE
        if problem is not None:
            shown = problem.replace("base URL", "resource URL") if azure else problem
            self.base_url_message.show_message(shown, "problem")
        elif (caution := base_url_caution(url)) is not None:
            if draft.profile.allow_insecure_http:
                self.base_url_message.show_message(caution, "caution")
            else:
                self.base_url_message.show_message(
                    "Plain http would send the API key unencrypted, so nothing is sent to this "
                    "server until you allow it below. Use https unless this is a test server.",
                    "problem",
                )
        else:
            self.base_url_message.clear()
        # Offered only where it means something (or to take back a yes given earlier).
        self.allow_http.setVisible(
            base_url_caution(url) is not None or draft.profile.allow_insecure_http
        )
        override = self._environ.get(BASE_URL_ENV_VAR, "").strip()
        if override and draft.profile.name == DEFAULT_PROFILE:
            used = effective_base_url(draft.profile, self._environ)
            self.env_note.show_message(
                f"{BASE_URL_ENV_VAR} is set, so this profile connects to {used} for as long as "
                "the variable is set.",
                "info",
            )
        else:
            self.env_note.clear()
        if draft.ids_look_like_key():
            self.ids_message.show_message(ID_IS_KEY, "problem")
        else:
            self.ids_message.clear()
        for message, check, text in (
            (self.deployment_message, deployment_problem, draft.profile.deployment),
            (self.api_version_message, api_version_problem, draft.profile.api_version),
        ):
            problem = check(text) if azure else None
            if problem is None:
                message.clear()
            else:
                message.show_message(problem, "problem")
        self._mark_problem(draft)
        self.key_box.set_testable(draft.problem() is None)

    def _add_item(self, draft: ProfileDraft) -> QListWidgetItem:
        item = QListWidgetItem(draft.profile.name)
        item.setData(Qt.ItemDataRole.UserRole, draft)
        self.profiles.addItem(item)
        self._mark_problem(draft)
        return item

    def _item_of(self, draft: ProfileDraft) -> QListWidgetItem | None:
        for row in range(self.profiles.count()):
            item = self.profiles.item(row)
            if item.data(Qt.ItemDataRole.UserRole) is draft:
                return item
        return None

    def _mark_problem(self, draft: ProfileDraft) -> None:
        item = self._item_of(draft)
        if item is None:
            return
        problem = draft.problem()
        icon = QStyle.StandardPixmap.SP_MessageBoxWarning
        item.setIcon(self.style().standardIcon(icon) if problem else QIcon())
        item.setToolTip(problem or "")

    def _mark_active(self) -> None:
        active = self.active_name()
        for row in range(self.profiles.count()):
            item = self.profiles.item(row)
            font = QFont(self.profiles.font())
            font.setBold(item.text() == active)
            item.setFont(font)

    def _fill_active_combo(self, active: str) -> None:
        names = [d.profile.name for d in self.drafts]
        self.active.blockSignals(True)  # refilling is not a choice
        self.active.clear()
        self.active.addItems(names)
        self.active.setCurrentIndex(names.index(active) if active in names else 0)
        self.active.blockSignals(False)
        self._mark_active()

    def _index_of(self, name: str) -> int:
        names = [d.profile.name for d in self.drafts]
        return names.index(name) if name in names else 0

    def _taken(self, renaming: ProfileDraft | None) -> list[str]:
        # Keyring names still in use count as taken, so two profiles never share a key.
        taken: list[str] = []
        for draft in self.drafts:
            if draft is renaming:
                continue
            taken += [draft.profile.name, draft.key_name]
        return taken

    def _free_name(self) -> str:
        taken = {t.casefold() for t in self._taken(None)}
        n = len(self.drafts) + 1
        while f"profile {n}" in taken:
            n += 1
        return f"Profile {n}"


def _row_of(form: QFormLayout, field: QWidget) -> int:
    """The form row holding ``field`` (directly, or inside the row's column layout)."""
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if item is None:
            continue
        if item.widget() is field:
            return row
        layout = item.layout()
        if layout is not None and layout.indexOf(field) >= 0:
            return row
    raise LookupError("the widget is not in this form")
