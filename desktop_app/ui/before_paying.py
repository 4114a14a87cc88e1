"""The questions asked before a run is paid for: over the monthly budget, or too little room on
the library's disk to keep what arrives. Policy lives in core (``cost_line.budget_question``,
``core/space.py``); this module only asks, with No as the default answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

if TYPE_CHECKING:
    from desktop_app.core.cost_line import CostLine
    from desktop_app.session.session import Session


def reason_not_to_start(
    parent: QWidget, session: Session, line: CostLine, monthly_budget: float
) -> str | None:
    """None when the run may start (nothing to ask, or the person said Yes to each question);
    otherwise the status line's words for why it did not."""
    from desktop_app.core.cost_line import budget_question

    question = budget_question(session.month_spent, line, monthly_budget)
    if question is not None and not _yes(parent, "Over the monthly budget", question):
        return "Not started: over the monthly budget."
    problem = session.room_problem()
    if problem is not None:
        text = f"{problem[0].upper()}{problem[1:]}. Free some space first, or send anyway?"
        if not _yes(parent, "The disk is nearly full", text):
            return "Not started: the disk is nearly full."
    return None


def _yes(parent: QWidget, title: str, text: str) -> bool:
    buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
    answer = QMessageBox.question(parent, title, text, buttons, QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes
