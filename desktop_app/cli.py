"""The command line: ``vary`` makes variations headless; ``key`` and ``models`` help set up."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import getpass
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from desktop_app import APP_NAME, __version__, cli_history
from desktop_app.core import metadata
from desktop_app.core.adaptation import ServerRules, fewer_than_asked
from desktop_app.core.capabilities import CLASSIC_MODEL, MAX_VARIATIONS
from desktop_app.core.client import ImagesClient
from desktop_app.core.config import ClientConfig, Timeouts
from desktop_app.core.cost import PriceTable, format_usd
from desktop_app.core.dialects import ServerKind, dialect_for
from desktop_app.core.errors import ApiError, RunCancelled, VariationError
from desktop_app.core.imaging import ImageRejected, SourceImage, Square, open_image
from desktop_app.core.keystore import ApiKey, KeyStore, KeyStoreError
from desktop_app.core.library import Library
from desktop_app.core.models import ModelInfo, suggest_replacement
from desktop_app.core.naming import DEFAULT_TEMPLATE, render_filename, save_new_file
from desktop_app.core.paths import default_output_folder
from desktop_app.core.preferences import PreferencesStore
from desktop_app.core.recording import RunLog, draft_for, story_of
from desktop_app.core.requests import InvalidRequest
from desktop_app.core.results import (
    GeneratedImage,
    ImageArrived,
    ParameterAdjusted,
    Phase,
    PhaseChanged,
    RetryScheduled,
    RunEvent,
    RunResult,
)
from desktop_app.core.runner import CancellableRun, RunRecorder
from desktop_app.core.transparency import resolve_keep, transparency_notes
from desktop_app.core.variation import Mode, VariationSettings, build_request, prepare_upload, send

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_IMAGE_REJECTED = 3
EXIT_API_REFUSED = 4
EXIT_NETWORK = 5
EXIT_INTERRUPTED = 130
DEFAULT_PROFILE = "OpenAI"


class UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="image-variations",
        description=f"{APP_NAME}: AI variations of the square of a picture that matters.",
        epilog="Without a command, the window opens. The API key comes from OPENAI_API_KEY or "
        "the system keyring ('image-variations key set'); OPENAI_BASE_URL points the app at a "
        "compatible server. --install-desktop-entry (and --uninstall-desktop-entry) add the app "
        "to the desktop's menu and to 'Open with' for pictures (Linux).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    vary = commands.add_parser("vary", help="make variations of a picture and save them")
    vary.add_argument("image", type=Path, metavar="IMAGE")
    vary.add_argument(
        "--mode",
        choices=[m.value for m in Mode],
        default=Mode.EDIT.value,
        help="edit: GPT Image with a variation prompt (default); classic: the "
        "/images/variations endpoint of servers that still serve it",
    )
    vary.add_argument("--model", help="model id (default: the newest live GPT Image model)")
    vary.add_argument("-n", type=int, default=1, help=f"how many variations, 1-{MAX_VARIATIONS}")
    vary.add_argument(
        "--size", help="output size: auto, 1024x1024, ... (classic: 256x256, 512x512, 1024x1024)"
    )
    vary.add_argument("--quality", default="auto", help="low, medium, high, auto (edit mode)")
    vary.add_argument(
        "--format",
        dest="output_format",
        default="png",
        choices=["png", "jpeg", "webp"],
        help="output format (edit mode)",
    )
    vary.add_argument(
        "--keep-transparency",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="ask for a transparent background, as PNG or WebP (edit mode; default: keep it "
        "when the picture has transparent areas and the model can make them)",
    )
    vary.add_argument("--prompt", help="the variation prompt (default: a balanced variation)")
    vary.add_argument(
        "--response-format",
        choices=["url", "b64_json"],
        default="b64_json",
        help="classic mode: how results come back",
    )
    vary.add_argument(
        "--crop",
        type=_parse_crop,
        metavar="X,Y,SIDE",
        help="the square to vary, in pixels of the upright picture (default: the "
        "largest centred square)",
    )
    vary.add_argument("--stream", action="store_true", help="stream partial images (edit mode)")
    vary.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="give up after this long (default 600)"
    )
    vary.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="folder for the results (default: Pictures/Image Variations)",
    )
    vary.add_argument(
        "--no-metadata",
        action="store_true",
        help="save files without the model, prompt and parameters written into them",
    )
    vary.add_argument("--profile", help=argparse.SUPPRESS)  # default: the active profile

    models = commands.add_parser("models", help="list the server's image models")
    models.add_argument("--profile", help=argparse.SUPPRESS)

    cli_history.add_parser(commands)

    key = commands.add_parser("key", help="store or remove the API key in the system keyring")
    key.add_argument("action", choices=["set", "delete", "status"])
    key.add_argument("--profile", default=DEFAULT_PROFILE, help="connection profile name")
    return parser


def _parse_crop(text: str) -> Square:
    try:
        x, y, side = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("use X,Y,SIDE with whole numbers, e.g. 0,0,512") from None
    if side < 1 or x < 0 or y < 0:
        raise argparse.ArgumentTypeError("X and Y must be 0 or more and SIDE at least 1")
    return Square(x, y, side)


def main(argv: Sequence[str] | None = None, *, keystore: KeyStore | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    store = keystore or KeyStore()
    try:
        if args.command == "vary":
            return _vary(args, store, sys.stdout, sys.stderr)
        if args.command == "models":
            return _models(args, store, sys.stdout, sys.stderr)
        if args.command == "key":
            return _key(args, store, sys.stdout, sys.stderr)
        if args.command == "history":
            return cli_history.run(args, sys.stdout)
    except UsageError as exc:
        print(f"image-variations: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parser.print_help()
    return EXIT_OK


# -- vary ---------------------------------------------------------------------------------------


def _vary(args: argparse.Namespace, store: KeyStore, out: TextIO, err: TextIO) -> int:
    settings = VariationSettings(
        mode=Mode(args.mode),
        model=args.model,
        n=args.n,
        size=args.size,
        quality=args.quality,
        output_format=args.output_format,
        prompt=args.prompt,
        response_format=args.response_format,
        stream=args.stream,
    )
    try:
        settings.check()
    except InvalidRequest as exc:
        raise UsageError(str(exc)) from None
    if not args.image.is_file():
        raise UsageError(f"no such file: {args.image}")
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be more than 0 seconds")
    profile, config = _connection(args.profile, args.timeout)
    if settings.mode is Mode.CLASSIC and not dialect_for(config).offers_classic:
        raise UsageError(f"profile {profile!r} has no classic variations; use --mode edit")
    key = _require_key(store, profile)

    try:
        source = open_image(args.image)
        upload = prepare_upload(source, args.crop, settings)
    except ImageRejected as exc:
        print(f"image-variations: {args.image.name}: {exc}", file=err)
        return EXIT_IMAGE_REJECTED

    folder = args.out or default_output_folder()
    recorder = RunRecorder(_progress_printer(err, settings.n))
    library = _open_library(err)
    records: list[RunLog] = []

    async def work() -> RunResult:
        async with ImagesClient(config, key, rules=ServerRules.default()) as client:
            model = settings.model or await _default_model(client, settings.mode, err)
            request = build_request(
                upload, _with_transparency(settings, args, source, model, err), model
            )
            if library is None:
                return await send(client, request, recorder)
            # Into the library first, like the window: every image is on disk before it is
            # printed or saved anywhere else.
            prices = PriceTable.load()
            draft = draft_for(source, args.crop, request, prices=prices)
            records.append(RunLog(library, draft, recorder, prices=prices))
            return await send(client, request, records[0])

    run: CancellableRun[RunResult] = CancellableRun(work)
    try:
        try:
            result = run.run()
        except (KeyboardInterrupt, asyncio.CancelledError, RunCancelled) as exc:
            for record in records:
                record.failed(exc, cancelled=True)
            raise
        except Exception as exc:
            for record in records:
                record.failed(exc)
            raise
        cost = records[0].succeeded(result) if records else None
        story = None
        if records and library is not None and not args.no_metadata:
            kept = library.run(records[0].run_id)
            story = story_of(kept) if kept is not None else None
    except InvalidRequest as exc:
        raise UsageError(str(exc)) from None
    except (KeyboardInterrupt, asyncio.CancelledError, RunCancelled):
        cancelled = recorder.cancelled()
        _save_all(cancelled.results, source, folder, out, err)
        print(f"image-variations: {cancelled}", file=err)
        return EXIT_INTERRUPTED
    except VariationError as exc:
        # Whatever arrived before the failure was paid for: keep it.
        _save_all(exc.results or recorder.images, source, folder, out, err)
        _report(exc, err)
        return EXIT_API_REFUSED if isinstance(exc, ApiError) else EXIT_NETWORK
    finally:
        if library is not None:
            library.close()

    saved = _save_all(result.images, source, folder, out, err, story=story)
    if len(result.images) < settings.n:
        print(f"note: {fewer_than_asked(len(result.images), settings.n)}", file=err)
    if result.request_id:
        print(f"request id: {result.request_id}", file=err)
    if cost is not None:
        print(f"cost: {format_usd(cost)}", file=err)
    return EXIT_OK if saved == len(result.images) else EXIT_NETWORK


def _with_transparency(
    settings: VariationSettings,
    args: argparse.Namespace,
    source: SourceImage,
    model: str,
    err: TextIO,
) -> VariationSettings:
    """The settings with the transparency choice made, now that the model is known."""
    if settings.mode is not Mode.EDIT:
        return settings
    wish: bool | None = args.keep_transparency
    # Only look at the pixels when nothing was said: it may decode the whole picture.
    keep = resolve_keep(wish, wish is None and source.has_alpha, model)
    for note in transparency_notes(keep, settings.output_format, model):
        print(f"note: {note}", file=err)
    return replace(settings, keep_transparency=keep)


def _open_library(err: TextIO) -> Library | None:
    """The app's library, shared with the window; a run still works when it cannot open."""
    try:
        return Library.open()
    except (OSError, sqlite3.Error) as exc:
        print(f"warning: the library cannot record this run ({exc})", file=err)
        return None


async def _default_model(client: ImagesClient, mode: Mode, err: TextIO) -> str:
    if mode is Mode.CLASSIC:
        return CLASSIC_MODEL
    models = await client.list_models()
    chosen = client.dialect.default_model(models, dt.date.today())
    if chosen is None:
        raise UsageError("the server lists no GPT Image model; name one with --model")
    _warn_if_retiring(models, chosen, err)
    return chosen


def _warn_if_retiring(models: Sequence[ModelInfo], model: str, err: TextIO) -> None:
    today = dt.date.today()
    for info in models:
        if info.id == model and info.shutting_down(today):
            other = suggest_replacement(models, model, today)
            hint = f"; consider {other}" if other else ""
            print(f"warning: {model} shuts down on {info.shutdown_date}{hint}", file=err)


def _save_all(
    images: Sequence[GeneratedImage],
    source: SourceImage,
    folder: Path,
    out: TextIO,
    err: TextIO,
    *,
    story: Mapping[str, str] | None = None,
) -> int:
    now = dt.datetime.now()
    stem = Path(source.name).stem or "image"
    saved = 0
    for image in images:
        name = render_filename(
            DEFAULT_TEMPLATE, source=stem, index=image.index + 1, when=now, ext=image.format
        )
        data = image.data
        if story and image.format in ("png", "jpeg", "webp"):
            # The picture matters more than its label: unlabelled, it is still saved.
            with contextlib.suppress(metadata.MalformedImageError):
                data = metadata.embed(data, image.format, story)
        try:
            path = save_new_file(folder, name, data)
        except OSError as exc:
            print(f"image-variations: could not save {name} in {folder}: {exc.strerror}", file=err)
            continue
        print(path, file=out, flush=True)
        saved += 1
    return saved


def _report(error: VariationError, err: TextIO) -> None:
    print(f"image-variations: {error}", file=err)
    for name, value in error.details().items():
        print(f"  {name}: {value}", file=err)


def _progress_printer(err: TextIO, n: int) -> Callable[[RunEvent], None]:
    done = 0
    shown: set[Phase] = set()
    words = {
        Phase.UPLOADING: "uploading",
        Phase.WAITING: "waiting for the server",
        Phase.RECEIVING: "receiving",
        Phase.DOWNLOADING: "downloading results",
    }

    def show(event: RunEvent) -> None:
        nonlocal done
        if isinstance(event, ParameterAdjusted):  # changes what is made: said even when piped
            print(f"note: {event.description}", file=err)
            return
        if not err.isatty():
            return
        if isinstance(event, PhaseChanged) and event.phase in words and event.phase not in shown:
            shown.add(event.phase)
            print(f"{words[event.phase]}…", file=err)
        elif isinstance(event, RetryScheduled):
            shown.clear()
            print(f"{event.reason}: trying again in {event.seconds:.0f} s", file=err)
        elif isinstance(event, ImageArrived):
            done += 1
            print(f"image {done} of {n} received", file=err)

    return show


# -- models and key -----------------------------------------------------------------------------


def _models(args: argparse.Namespace, store: KeyStore, out: TextIO, err: TextIO) -> int:
    profile, config = _connection(args.profile, None)
    key = _require_key(store, profile)

    async def work() -> list[ModelInfo]:
        async with ImagesClient(config, key) as client:
            return await client.list_models()

    try:
        models = CancellableRun(work).run()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except VariationError as exc:
        _report(exc, err)
        return EXIT_API_REFUSED if isinstance(exc, ApiError) else EXIT_NETWORK
    today = dt.date.today()
    for info in models:
        days = info.days_left(today)
        note = ""
        if days is not None:
            note = (
                f"  (shut down {info.shutdown_date})"
                if days < 0
                else (f"  (shuts down {info.shutdown_date})")
            )
        print(f"{info.id}{note}", file=out)
    return EXIT_OK


def _key(args: argparse.Namespace, store: KeyStore, out: TextIO, err: TextIO) -> int:
    try:
        if args.action == "set":
            secret = (
                getpass.getpass("API key (input hidden): ")
                if sys.stdin.isatty()
                else (sys.stdin.readline())
            )
            if not secret.strip():
                raise UsageError("no key given")
            store.set(args.profile, secret.strip())
            print(f"Saved the key for {args.profile!r} in {store.describe_backend()}.", file=out)
        elif args.action == "delete":
            store.delete(args.profile)
            print(f"Removed the key for {args.profile!r}.", file=out)
        else:
            key = store.get(args.profile)
            if key is None:
                print(f"No key for {args.profile!r}.", file=out)
            else:
                print(f"{args.profile}: {key.masked()} (from the {key.source})", file=out)
    except KeyStoreError as exc:
        print(f"image-variations: {exc}", file=err)
        return EXIT_USAGE
    return EXIT_OK


def _require_key(store: KeyStore, profile: str) -> ApiKey:
    try:
        key = store.get(profile)
    except KeyStoreError as exc:
        raise UsageError(f"{exc} You can also set OPENAI_API_KEY.") from None
    if key is None:
        raise UsageError(
            "no API key: set OPENAI_API_KEY, or store one with 'image-variations key set'"
        )
    return key


def _connection(name: str | None, timeout: float | None) -> tuple[str, ClientConfig]:
    """The named (default: the active) Settings profile and how to reach its server.

    For an OpenAI-kind profile the usual variables still win: ``OPENAI_BASE_URL`` for the
    "OpenAI" profile (as in the window), ``OPENAI_ORG_ID`` / ``OPENAI_PROJECT_ID`` for any.
    """
    prefs = PreferencesStore().load()
    try:
        profile = prefs.profile(name)
    except KeyError:
        raise UsageError(f"no connection profile called {name!r} (see Settings)") from None
    timeouts = Timeouts(deadline=timeout) if timeout else Timeouts()
    try:
        config = profile.client_config(timeouts, os.environ)
    except ValueError as exc:
        raise UsageError(f"profile {profile.name!r}: {exc}") from None
    if config.kind is ServerKind.OPENAI:
        config = replace(
            config,
            organization=os.environ.get("OPENAI_ORG_ID") or config.organization,
            project=os.environ.get("OPENAI_PROJECT_ID") or config.project,
        )
    return profile.name, config
