"""The status bar while a run goes: its phase in words, the retry countdown, how many images came.

A run reports itself as core events (``PhaseChanged``, ``RetryScheduled``, ``ImageArrived`` ...);
this bar turns them into one line a person can read, a progress bar and a Cancel button. It keeps
the only run counters the window needs (asked for, received), so the window does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar

if TYPE_CHECKING:
    from desktop_app.core.results import RunEvent
    from desktop_app.core.run import RunOutcome

PHASE_WORDS = {  # by Phase value
    "preparing": "Preparing the picture…",
    "connecting": "Connecting…",
    "uploading": "Uploading…",
    "waiting": "Waiting for the server to draw…",
    "receiving": "Receiving…",
    "downloading": "Downloading the results…",
}


def retry_cause(reason: str) -> str:
    """Why a run waits, in words: only a rate limit is the server asking us to wait; a server
    that cannot be reached at all is a different story for the person watching."""
    from desktop_app.core.results import CONNECTION_FAILED

    if reason == CONNECTION_FAILED:
        return "Could not connect"
    if reason == "rate limit":
        return "The server asked us to wait (rate limit)"
    return f"The server had a problem ({reason})"


class RunStatusBar(QStatusBar):
    """Made empty with the window's frame (it says "Getting ready…"); ``furnish`` adds the run's
    widgets once the panels exist, so the frame's first paint stays cheap."""

    phase_label: QLabel
    progress: QProgressBar
    cancel_button: QPushButton
    request_label: QLabel

    def __init__(self) -> None:
        super().__init__()
        self.requested = 0  # variations asked for by the current (or reopened) run
        self.received = 0
        self._countdown = 0
        self._retry_reason = ""

    def furnish(self) -> None:
        from PySide6.QtCore import Qt  # after the first paint: the namespace is slow to create

        self.clearMessage()
        self.phase_label = QLabel("Ready")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the request (Esc)")
        self.cancel_button.setVisible(False)
        self.request_label = QLabel()
        self.request_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.request_label.setToolTip("The server's request id: quote it when reporting a problem")
        self.addWidget(self.phase_label, 1)
        self.addWidget(self.progress)
        self.addWidget(self.cancel_button)
        self.addPermanentWidget(self.request_label)
        self._countdown_timer = QTimer(self)
        self._countdown_timer.setInterval(1000)
        self._countdown_timer.timeout.connect(self.on_countdown)

    def say(self, text: str) -> None:
        """The one status line: what just happened or what is going on."""
        self.phase_label.setText(text)

    def start_run(self, count: int) -> None:
        self.requested = count
        self.received = 0
        self.request_label.clear()
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.say(PHASE_WORDS["preparing"])

    def on_run_event(self, event: RunEvent) -> None:
        from desktop_app.core.results import (
            ImageArrived,
            ParameterAdjusted,
            Phase,
            PhaseChanged,
            RetryScheduled,
            UploadProgress,
        )

        if isinstance(event, ParameterAdjusted):
            # Until the next phase replaces it; the final line repeats it (result.adjustments).
            self.say(event.description)
        elif isinstance(event, PhaseChanged):
            self._countdown_timer.stop()
            if event.phase is Phase.RECEIVING and self.requested:
                self.say(
                    f"Receiving image {min(self.received + 1, self.requested)} of {self.requested}…"
                )
            else:
                self.say(PHASE_WORDS[event.phase.value])
            if event.phase is not Phase.UPLOADING:
                self.progress.setRange(0, 0)
        elif isinstance(event, UploadProgress) and event.total:
            self.progress.setRange(0, 100)
            self.progress.setValue(int(event.sent * 100 / event.total))
        elif isinstance(event, RetryScheduled):
            self._countdown = max(1, round(event.seconds))
            self._retry_reason = event.reason
            self.on_countdown(start=True)
        elif isinstance(event, ImageArrived):
            self.received += 1
            if self.received < self.requested:
                self.say(f"Receiving image {self.received + 1} of {self.requested}…")

    def on_countdown(self, start: bool = False) -> None:
        if not start:
            self._countdown -= 1
        if self._countdown <= 0:
            self._countdown_timer.stop()
            return
        self.say(f"{retry_cause(self._retry_reason)}; trying again in {self._countdown} s…")
        if start:
            self._countdown_timer.start()

    def show_success(self, outcome: RunOutcome) -> None:
        from desktop_app.core.cost import format_usd

        result = outcome.result
        count = len(result.images)
        paid = f" · {format_usd(outcome.cost)}" if outcome.cost is not None else ""
        adjusted = " ".join(result.adjustments)  # what this server needed changed, in passing
        self.say(
            f"Done: {count} variation{'s' if count != 1 else ''}{paid}. "
            "Select one to save it (Ctrl+S)." + (f" {adjusted}" if adjusted else "")
        )
        self.request_label.setText(result.request_id or "")

    def show_failure(self, request_id: str, kept: int) -> None:
        self.request_label.setText(request_id)
        self.say("The run failed." if not kept else f"The run failed; {kept} image(s) kept.")

    def show_reopened(self, count: int, request_id: str | None) -> None:
        self.requested = self.received = count
        self.request_label.setText(request_id or "")

    def missing(self, kept: set[int]) -> list[int]:
        """The places of the asked-for variations that did not come."""
        return [i for i in range(self.requested) if i not in kept]

    def finish_run(self) -> None:
        self._countdown_timer.stop()
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
