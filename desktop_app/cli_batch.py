"""``vary`` with several pictures or folders: one batch (core/batch), printed as it goes.

Each saved path is printed on stdout as it lands, each picture's end and the summary on stderr.
The batch is kept on disk after every change: the same command run again after a quit, a
Ctrl+C or a crash goes on where it was, and never sends again a picture that may have been
billed unless ``--retry-billed`` says so.

Exit codes: 0 when every picture succeeded, else the most serious failure's, in this order:
130 (interrupted), 4 (the API refused; a batch stopped for quota or key), 5 (network or server;
a picture that may have been billed when the app stopped), 6 (images not saved into the
folder, kept in the library), 3 (a picture that could not be read).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TextIO

from desktop_app.cli import (
    EXIT_API_REFUSED,
    EXIT_IMAGE_REJECTED,
    EXIT_INTERRUPTED,
    EXIT_NETWORK,
    EXIT_NOT_SAVED,
    EXIT_OK,
    UsageError,
    _check_free_space,
    _check_out_folder,
    _close_library,
    _connection,
    _open_library,
    _require_key,
    _run_interruptibly,
    vary_settings,
)
from desktop_app.core.batch.engine import BatchEngine
from desktop_app.core.batch.inputs import pictures_in
from desktop_app.core.batch.items import MOST_JOBS, Batch, BatchItem, BatchState, ItemState
from desktop_app.core.batch.journal import COMMAND_LINE, BatchJournal, batches_folder
from desktop_app.core.batch.one_picture import BatchContext, vary_one
from desktop_app.core.batch.snapshot import settings_to_dict
from desktop_app.core.cost import PriceTable, format_usd
from desktop_app.core.dialects import dialect_for
from desktop_app.core.keystore import KeyStore
from desktop_app.core.paths import default_output_folder
from desktop_app.core.preferences import PreferencesStore
from desktop_app.core.run import connect
from desktop_app.core.variation import Mode, estimate_cost

# The most serious failure first: its exit code is the batch's.
SEVERITY = (
    ("cancelled", EXIT_INTERRUPTED),
    ("stopped", EXIT_API_REFUSED),
    ("api_refused", EXIT_API_REFUSED),
    ("invalid", EXIT_API_REFUSED),
    ("network", EXIT_NETWORK),
    ("interrupted", EXIT_NETWORK),
    ("error", EXIT_NETWORK),
    ("not_saved", EXIT_NOT_SAVED),
    ("image_rejected", EXIT_IMAGE_REJECTED),
)


def vary_batch(args: argparse.Namespace, store: KeyStore, out: TextIO, err: TextIO) -> int:
    if args.crop or args.mask or args.region:
        raise UsageError("--crop, --mask and --region name pixels of one picture: give one")
    if not 1 <= args.jobs <= MOST_JOBS:
        raise UsageError(f"--jobs is 1 to {MOST_JOBS}")
    settings = vary_settings(args)
    try:
        pictures = pictures_in(args.image)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    folder = (args.out or default_output_folder()).resolve()
    _check_out_folder(folder)
    if not args.ignore_free_space:
        _check_free_space(folder, settings.n * len(pictures))
    prefs = PreferencesStore().load()
    profile, config = _connection(prefs, args.profile, args.timeout, args.allow_insecure_http)
    if settings.mode is Mode.CLASSIC and not dialect_for(config).offers_classic:
        raise UsageError(f"profile {profile!r} has no classic variations; use --mode edit")
    key = _require_key(store, profile)

    prices = PriceTable.load()
    snapshot = settings_to_dict(settings)
    journal = BatchJournal(batches_folder(COMMAND_LINE))
    batch = _resumed(journal, pictures, snapshot, folder, err, retry_billed=args.retry_billed)
    if batch is None:
        estimate = estimate_cost(settings, settings.model or "", prices)
        items = [BatchItem(str(path), snapshot) for path in pictures]
        for item in items:
            item.estimate = estimate.usd if estimate is not None else None
        batch = Batch(items, folder=str(folder), jobs=args.jobs)
    batch.jobs = args.jobs
    _say_estimate(batch, err)

    library = _open_library(err)
    printer = _Printer(batch, out, err)
    keep_metadata = not args.no_metadata

    async def work() -> Batch:
        async with connect(config, key) as client:
            context = BatchContext(
                client=client,
                library=library,
                prices=prices,
                folder=folder,
                template=prefs.filename_template,
                keep_metadata=keep_metadata,
            )
            engine = BatchEngine(
                batch,
                lambda item, sink: vary_one(item, sink, context),
                journal=journal,
                on_change=printer.on_change,
            )
            return await engine.run()

    interrupted = False
    try:
        _run_interruptibly(work)
    except (KeyboardInterrupt, asyncio.CancelledError):
        interrupted = True
    finally:
        _close_library(library, err)
    if all(item.state is ItemState.DONE for item in batch.items):
        journal.forget(batch)  # nothing left to resume or retry
    return _summary(batch, err, interrupted=interrupted)


def _resumed(
    journal: BatchJournal,
    pictures: list[Path],
    snapshot: dict[str, object],
    folder: Path,
    err: TextIO,
    *,
    retry_billed: bool,
) -> Batch | None:
    """The unfinished batch of this very command (same pictures, settings and folder), if one
    was left by a quit or a crash; its failed pictures go again (billed ones when asked)."""
    wanted = [str(path) for path in pictures]
    for batch in journal.unfinished():
        same = [item.path for item in batch.items] == wanted and batch.folder == str(folder)
        if same and all(item.settings == snapshot for item in batch.items):
            batch.retry(item for item in batch.items if item.retryable(billed_too=retry_billed))
            left = len(batch.waiting())
            print(
                f"Going on with the batch left unfinished: {left} of {len(batch.items)} "
                "pictures to send.",
                file=err,
            )
            return batch
    return None


def _say_estimate(batch: Batch, err: TextIO) -> None:
    total = batch.total_estimate()
    if total is not None and batch.waiting():
        print(
            f"Estimated cost: ≈ {format_usd(total)} for {len(batch.waiting())} pictures.",
            file=err,
        )


class _Printer:
    """Each saved path on stdout as it lands; each picture's end on stderr."""

    def __init__(self, batch: Batch, out: TextIO, err: TextIO) -> None:
        self._out, self._err = out, err
        self._total = len(batch.items)
        self._ended = sum(item.state in (ItemState.DONE, ItemState.FAILED) for item in batch.items)

    def on_change(self, batch: Batch, item: BatchItem | None) -> None:
        if item is None:
            if batch.state is BatchState.STOPPED:
                print(f"Stopped: {batch.stop_reason}", file=self._err, flush=True)
            return
        if item.state not in (ItemState.DONE, ItemState.FAILED):
            return
        self._ended += 1
        for path in item.saved:
            print(path, file=self._out, flush=True)
        cost = f" · {format_usd(item.cost)}" if item.cost is not None else ""
        if item.state is ItemState.DONE:
            line = f"{len(item.saved)} saved{cost}"
            if item.reason:
                line += f" ({item.reason})"
        else:
            line = f"failed: {item.reason}{cost}"
        print(f"[{self._ended}/{self._total}] {item.name}: {line}", file=self._err, flush=True)


def _summary(batch: Batch, err: TextIO, *, interrupted: bool) -> int:
    counts = batch.counts()
    failed = [item for item in batch.items if item.state is ItemState.FAILED]
    waiting = counts[ItemState.WAITING]
    parts = [f"{counts[ItemState.DONE]} done", f"{len(failed)} failed"]
    if waiting:
        parts.append(f"{waiting} not sent")
    print(
        f"{len(batch.items)} pictures: {', '.join(parts)} · {format_usd(batch.total_cost())}",
        file=err,
    )
    for item in failed:
        billed = " (may have been billed: sent again only with --retry-billed)"
        print(f"  failed: {item.name}: {item.reason}{billed if item.billed else ''}", file=err)
    # A picture the app cannot read or the API cannot take fails the same way next time.
    again = [i for i in failed if not i.billed and i.failure not in ("image_rejected", "invalid")]
    if waiting or again:
        print("  Run the same command again to send the rest.", file=err)
    kinds = {item.failure for item in batch.items if item.failure}
    if batch.state is BatchState.STOPPED:
        kinds.add("stopped")
    if interrupted:
        kinds.add("cancelled")
    for kind, code in SEVERITY:
        if kind in kinds:
            return code
    return EXIT_OK
