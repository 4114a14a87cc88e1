"""A real library in a temp folder, filled with runs of small real pictures, for the history's
and the family tree's tests."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image, ImageDraw

from desktop_app.core.library import Library, Outcome, RunDraft, RunRecord

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def png(colour: str, size: tuple[int, int] = (96, 64), mark: str | None = None) -> bytes:
    """A small real PNG of one colour (with a white disc when ``mark`` is given)."""
    image = Image.new("RGB", size, colour)
    if mark is not None:
        draw = ImageDraw.Draw(image)
        draw.ellipse(
            (size[0] // 3, size[1] // 4, size[0] // 3 + size[1] // 2, size[1] * 3 // 4), fill=mark
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def add_run(
    library: Library,
    *,
    prompt: str = "A balanced variation",
    minute: int = 0,
    when: datetime | None = None,
    results: list[bytes] | None = None,
    source: bytes | None = None,
    source_name: str = "photo.png",
    model: str = "gpt-image-1",
    parent_result_id: str | None = None,
    outcome: Outcome = Outcome.SUCCEEDED,
    cost: float | None = 0.04,
) -> RunRecord:
    """Records a finished run created ``minute`` minutes after START (or at ``when``)."""
    draft = RunDraft(
        source_bytes=source if source is not None else png("#4a7bd0"),
        source_name=source_name,
        crop=None,
        mode="edit",
        model=model,
        parameters={"n": len(results or [])},
        prompt=prompt,
        parent_result_id=parent_result_id,
        estimated_cost=0.05,
    )
    run_id = library.begin_run(draft, now=when or START + timedelta(minutes=minute))
    for index, data in enumerate(results or []):
        library.add_result(run_id, index, data, "png")
    library.finish_run(run_id, outcome, cost=cost, request_id=f"req_{run_id[-6:]}")
    run = library.run(run_id)
    assert run is not None
    return run
