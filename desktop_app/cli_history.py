"""``image-variations history``: the library's runs, newest first, with their files and costs."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from desktop_app.core.library import Library, RunRecord


def add_parser(commands: Any) -> None:
    history = commands.add_parser("history", help="list the runs kept in the library")
    history.add_argument("--json", action="store_true", help="one JSON document, for scripts")
    history.add_argument(
        "--limit", type=_positive, default=20, metavar="N", help="newest N runs (default 20)"
    )
    history.add_argument("--search", default="", help="only runs whose prompt, model or file match")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("use a whole number, e.g. 20") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def run(args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    from desktop_app.core.cost import format_usd
    from desktop_app.core.library.trouble import LIBRARY_ERRORS, plain_reason

    err = err or sys.stderr
    try:
        library = _open(err)
        try:
            runs = library.runs(search=args.search, limit=args.limit)
            total = library.count_runs(search=args.search)
            month = library.month_total()
            unreadable = library.unreadable_sidecars
        finally:
            library.close()
    except LIBRARY_ERRORS as exc:
        print(f"image-variations: the library cannot be read: {plain_reason(exc)}", file=err)
        return 1
    for path in unreadable:
        print(
            f"warning: the run record {path} is damaged; its images are listed without their"
            " settings",
            file=err,
        )
    if args.json:
        document = {"runs": [_as_json(run) for run in runs], "total_runs": total}
        document["month_total_usd"] = round(month, 6)
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    if not runs:
        print("No runs yet." if not args.search else "No run matches.", file=out)
        return 0
    for record in runs:
        when = record.created.astimezone().strftime("%Y-%m-%d %H:%M")
        cost = _cost(record)
        model = record.model or record.mode
        print(
            f"{when}  {record.outcome.value:<11} {model}  {len(record.results)} image(s)  "
            f"{cost}  {record.source_name or 'pasted picture'}",
            file=out,
        )
        for result in record.results:
            print(f"    {result.path}", file=out)
    print(f"{len(runs)} of {total} run(s); this month {format_usd(month)}", file=out)
    return 0


def _open(err: TextIO) -> Library:
    """The library as the other commands open it (tidying up after a crash); when it cannot be
    written (read-only, full disk), read-only: a list is worth showing either way."""
    from desktop_app.core.library import Library
    from desktop_app.core.library.trouble import DamagedIndex, LibraryError, plain_reason

    try:
        return Library.open()
    except (OSError, LibraryError) as exc:
        if isinstance(exc, DamagedIndex):
            raise
        library = Library.open(read_only=True)
        print(f"note: the library is read as it is ({plain_reason(exc)})", file=err)
        return library


def _cost(record: RunRecord) -> str:
    from desktop_app.core.cost import format_usd
    from desktop_app.core.library import Outcome

    if record.cost is None:
        return "cost unknown"
    if record.usage is None and record.outcome is not Outcome.SUCCEEDED:
        return f"about {format_usd(record.cost)} (estimated)"
    return format_usd(record.cost)


def _as_json(record: RunRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "created": record.created.isoformat(),
        "outcome": record.outcome.value,
        "mode": record.mode,
        "model": record.model,
        "prompt": record.prompt,
        "parameters": dict(record.parameters),
        "source": {"name": record.source_name, "sha256": record.source_hash},
        "crop": list(record.crop) if record.crop else None,
        "request_id": record.request_id,
        "usage": record.usage,
        "estimated_cost_usd": record.estimated_cost,
        "cost_usd": record.cost,
        "cost_estimated": record.cost is not None
        and record.usage is None
        and record.outcome.value != "succeeded",
        "error": record.error,
        "favourite": record.favourite,
        "parent_result_id": record.parent_result_id,
        "results": [
            {"id": r.id, "index": r.index, "path": str(r.path), "format": r.format}
            for r in record.results
        ],
    }
