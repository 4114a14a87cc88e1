""" "What this server accepts": the parameters a server refused, as learnt from its answers.

The client learns them (desktop_app.core.adaptation); this box only shows them for the selected
profile's server and forgets them on request, so a server that was upgraded gets asked again.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.core.adaptation import ServerRules


class ServerRulesBox(QGroupBox):
    def __init__(self, rules: ServerRules, parent: QWidget | None = None) -> None:
        super().__init__("What this server accepts", parent)
        self._rules = rules
        self._server = ""
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("What this server accepts")
        self.forget_button = QPushButton("&Forget")
        self.forget_button.setAutoDefault(False)
        self.forget_button.setToolTip(
            "Forget what this server refused: the next run asks for everything again"
        )
        self.forget_button.clicked.connect(self.on_forget_clicked)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.forget_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)

    def show_server(self, base_url: str) -> None:
        self._server = base_url
        known = self._rules.known(base_url) if base_url else []
        if known:
            lines = "\n".join(rule.describe() for rule in known)
            self.summary.setText(f"Learnt from its answers, and sent accordingly:\n{lines}")
        else:
            self.summary.setText("Nothing refused so far: every setting is sent as chosen.")
        self.forget_button.setEnabled(bool(known))

    def on_forget_clicked(self) -> None:
        self._rules.forget(self._server)
        self.show_server(self._server)
