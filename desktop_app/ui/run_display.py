"""How a run shows itself: its cells in the results grid as images arrive, its line in the
status bar, and its end in the banner, with the one action that helps when it failed (open the
key settings, switch mode or model, try again).

The session says what happened (its ``run*`` signals); this reads it and shows it. Nothing here
starts, stops or records a run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_app.core.errors import Remedy
    from desktop_app.core.library import RunRecord
    from desktop_app.core.results import GeneratedImage, RunEvent
    from desktop_app.core.run import RunOutcome
    from desktop_app.session.session import Session
    from desktop_app.ui.banner import MessageBanner
    from desktop_app.ui.parameters import ParametersPanel
    from desktop_app.ui.results.grid import ResultsGrid
    from desktop_app.ui.run_status import RunStatusBar


class RunDisplay:
    """Shows the session's runs in the window's grid, status bar and banner.

    ``try_again`` starts the run again, ``open_key_settings`` opens Settings at the key,
    ``changed`` is called whenever what can be done (generate, save all) may have changed, and
    ``aspect`` tells the shape of the pictures a run starting now asks for (width / height).
    """

    def __init__(
        self,
        session: Session,
        grid: ResultsGrid,
        status: RunStatusBar,
        banner: Callable[[], MessageBanner],
        parameters: ParametersPanel,
        *,
        try_again: Callable[[], None],
        open_key_settings: Callable[[], None],
        changed: Callable[[], None],
        aspect: Callable[[], float] = lambda: 1.0,
    ) -> None:
        self._session = session
        self._grid = grid
        self._status = status
        self._banner = banner  # the window's, built when first needed
        self._parameters = parameters
        self._try_again = try_again
        self._open_key_settings = open_key_settings
        self._changed = changed
        self._aspect = aspect
        session.runStarted.connect(self.on_started)
        session.runEvent.connect(status.on_run_event)
        session.runEvent.connect(self.on_event)
        session.runSucceeded.connect(self.on_succeeded)
        session.runFailed.connect(self.on_failed)
        session.runCancelled.connect(self.on_cancelled)
        session.runFinished.connect(self.on_finished)
        session.runReopened.connect(self.on_reopened)

    def on_started(self, count: int) -> None:
        self._grid.start_run(count, self._aspect())
        self._status.start_run(count)
        self._changed()

    def on_event(self, event: RunEvent) -> None:
        """The images, to the grid; the status bar reads the same events for its line."""
        from desktop_app.core.results import ImageArrived, PartialArrived

        if isinstance(event, PartialArrived):
            self._grid.set_partial(event.image.index, event.image.data)
        elif isinstance(event, ImageArrived):
            # Kept on disk by now: read off the GUI thread, where its thumbnail is decoded.
            self._grid.set_result(event.image.index, _reader(event.image))

    def on_succeeded(self, outcome: RunOutcome) -> None:
        result = outcome.result
        count = len(result.images)
        self._status.show_success(outcome)
        if count < self._status.requested:
            self._grid.mark_failed(list(range(count, self._status.requested)), "Not made")
        others = [note for note in outcome.notes if note not in result.adjustments]
        if others:
            self._banner().show_message(" ".join(others), level="info", topic="run")
        if count:
            self._grid.select(0)
            self._grid.setFocus()

    def on_failed(self, error: Exception) -> None:
        from desktop_app.core.errors import VariationError, remedy_for
        from desktop_app.core.variation import Mode

        kept = set(self._session.results)
        self._grid.mark_failed(self._status.missing(kept), "Not made")
        details = error.details() if isinstance(error, VariationError) else {}
        classic = self._parameters.current_mode() is Mode.CLASSIC
        remedy = remedy_for(error, classic_mode=classic)
        action = self._action_for(remedy, error) if remedy is not None else None
        self._banner().show_message(str(error), details=details, action=action, topic="run")
        self._status.show_failure(details.get("request id", ""), len(kept))

    def _action_for(
        self, remedy: Remedy, error: Exception
    ) -> tuple[str, Callable[[], None]] | None:
        from desktop_app.core.errors import Remedy

        if remedy is Remedy.OPEN_KEY_SETTINGS:
            return ("Open key settings", self._open_key_settings)
        if remedy is Remedy.USE_EDIT_MODE:
            return ("Use GPT Image variation", self._switch_to_edit_mode)
        model = getattr(error, "suggested_model", None)
        if remedy is Remedy.USE_SUGGESTED_MODEL and model:
            return (f"Use {model}", lambda: self._use_model(model))
        if remedy is Remedy.TRY_AGAIN:
            return ("Try again", self._try_again)
        return None

    def on_cancelled(self, outcome: Exception) -> None:
        self._grid.mark_failed(self._status.missing(set(self._session.results)), "Cancelled")
        self._banner().show_message(str(outcome), level="info", topic="run")
        self._status.say("Cancelled.")

    def on_reopened(self, record: RunRecord) -> None:
        from desktop_app.core.cost import format_usd

        results = self._session.results
        self._status.show_reopened(len(results), record.request_id)
        self._grid.start_run(len(results))
        for index, image in sorted(results.items()):
            self._grid.set_result(index, _reader(image))
        when = record.created.astimezone().strftime("%d %b %Y, %H:%M")
        cost = f" · {format_usd(record.cost)}" if record.cost is not None else ""
        # In the banner: the status line is about to say the picture is opening.
        self._banner().show_message(
            f"Reopened the run of {when}: {len(results)} variation(s){cost}.",
            level="info",
            topic="reopened",  # stays while the source picture opens
        )
        self._changed()

    def on_finished(self) -> None:
        self._status.finish_run()
        self._changed()

    def _switch_to_edit_mode(self) -> None:
        from dataclasses import replace

        from desktop_app.core.variation import Mode

        settings = self._parameters.settings()
        self._parameters.set_settings(replace(settings, mode=Mode.EDIT, model=None, size=None))
        self._banner().on_dismiss()

    def _use_model(self, model: str) -> None:
        from dataclasses import replace

        self._parameters.set_settings(replace(self._parameters.settings(), model=model))
        self._banner().on_dismiss()


def _reader(image: GeneratedImage) -> Callable[[], bytes]:
    """The image's bytes when asked for (from the library, on the thumbnails' thread)."""
    return lambda: image.data
