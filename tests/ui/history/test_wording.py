"""What a history row says: titled by source and time, the strength in words unless the prompt
was edited, whole statuses; and the names second-generation sources go by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop_app.core.library import Outcome
from desktop_app.core.naming import next_generation_name
from desktop_app.core.prompts import Strength, variation_prompt
from desktop_app.ui.history import wording
from desktop_app.ui.history.model import RunRow

NOW = datetime(2025, 12, 3, 15, 0, tzinfo=UTC)


def row(
    *,
    prompt: str | None = None,
    created: datetime = NOW,
    source_name: str = "photo.jpg",
    mode: str = "edit",
    outcome: Outcome = Outcome.SUCCEEDED,
    cost: float | None = 0.04,
) -> RunRow:
    return RunRow(
        id="r1",
        created=created,
        prompt=prompt,
        model="gpt-image-1",
        mode=mode,
        source_name=source_name,
        source_path="/tmp/source.jpg",
        result_paths=("/tmp/00.png",),
        cost=cost,
        estimated_cost=0.05,
        outcome=outcome,
        favourite=False,
    )


def test_the_title_is_the_source_and_the_time_with_the_date_when_not_today() -> None:
    local = NOW.astimezone()
    clock = f"{local:%H:%M}"
    assert wording.title(row(), now=NOW) == f"photo.jpg · {clock}"
    yesterday = row(created=NOW - timedelta(days=1))
    assert wording.title(yesterday, now=NOW) == f"photo.jpg · Yesterday {clock}"
    earlier = (NOW - timedelta(days=30)).astimezone()
    assert wording.title(row(created=NOW - timedelta(days=30)), now=NOW) == (
        f"photo.jpg · {earlier.day} {earlier:%b} {earlier:%H:%M}"
    )
    assert wording.title(row(source_name=""), now=NOW).startswith("Pasted picture · ")


@pytest.mark.parametrize("strength", list(Strength))
def test_an_unedited_prompt_is_named_by_its_strength(strength: Strength) -> None:
    assert wording.how(row(prompt=variation_prompt(strength))) == f"{strength.value} variation"


def test_an_edited_prompt_is_shown_and_a_classic_run_says_so() -> None:
    assert wording.how(row(prompt="A lighthouse\nat dusk")) == "“A lighthouse at dusk”"
    assert wording.how(row(prompt=None, mode="classic")) == "classic variation"


@pytest.mark.parametrize(
    ("outcome", "words"),
    [
        (Outcome.SUCCEEDED, "Done"),
        (Outcome.CANCELLED, "Cancelled"),
        (Outcome.FAILED, "Failed"),
        (Outcome.PARTIAL, "Partly received"),
        (Outcome.INTERRUPTED, "Interrupted"),
    ],
)
def test_every_outcome_has_a_status_in_words(outcome: Outcome, words: str) -> None:
    assert wording.status(row(outcome=outcome)) == words


def test_the_tooltip_puts_one_fact_on_a_line() -> None:
    lines = wording.describe_run(row(prompt=variation_prompt(Strength.SUBTLE)), "\n").split("\n")
    assert lines[1:] == ["subtle variation", "gpt-image-1", "Done, 1 picture", "$0.04"]


@pytest.mark.parametrize(
    ("parent", "fmt", "name"),
    [
        ("photo.jpg", "png", "photo-v2.png"),
        ("photo-v2.png", "png", "photo-v3.png"),
        ("photo-v9.png", "webp", "photo-v10.webp"),
        ("holiday-v2-final.jpeg", "png", "holiday-v2-final-v2.png"),
        ("", "png", "image-v2.png"),
    ],
)
def test_a_varied_result_is_named_after_its_parent(parent: str, fmt: str, name: str) -> None:
    assert next_generation_name(parent, fmt) == name
