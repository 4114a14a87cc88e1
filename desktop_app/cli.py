"""The command line: ``vary`` makes variations headless; ``key`` and ``models`` help set up."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import getpass
import logging
import math
import os
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from desktop_app import APP_NAME, __version__, cli_history
from desktop_app.core.capabilities import MAX_VARIATIONS
from desktop_app.core.config import ClientConfig, InsecureBaseUrl, Timeouts
from desktop_app.core.cost import PriceTable, format_usd
from desktop_app.core.dialects import ServerKind, dialect_for
from desktop_app.core.errors import ApiError, ApiErrorKind, RunCancelled, VariationError
from desktop_app.core.imaging import ImageRejected, SourceImage, Square, open_image
from desktop_app.core.imaging.shape import Shape
from desktop_app.core.keystore import ApiKey, KeyStore, KeyStoreError
from desktop_app.core.library import Library
from desktop_app.core.library.trouble import BOOKKEEPING_ERRORS, LIBRARY_ERRORS, plain_reason
from desktop_app.core.models import ModelInfo
from desktop_app.core.paths import default_output_folder
from desktop_app.core.preferences import Preferences, PreferencesStore
from desktop_app.core.requests import InvalidRequest
from desktop_app.core.results import (
    GeneratedImage,
    ImageArrived,
    ParameterAdjusted,
    Phase,
    PhaseChanged,
    RetryScheduled,
    RunEvent,
)
from desktop_app.core.run import (
    NoModelListed,
    RunOutcome,
    SaveOptions,
    VariationRun,
    connect,
    save_outcome,
)
from desktop_app.core.runner import CancellableRun, RunRecorder
from desktop_app.core.variation import Mode, VariationSettings, prepare_upload, upload_warnings

if TYPE_CHECKING:
    from PIL import Image

    from desktop_app.core.imaging import Upload

T = TypeVar("T")

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_IMAGE_REJECTED = 3
EXIT_API_REFUSED = 4
EXIT_NETWORK = 5
EXIT_NOT_SAVED = 6
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

    vary = commands.add_parser(
        "vary", help="make variations of a picture (or of many: a batch) and save them"
    )
    vary.add_argument(
        "image",
        type=Path,
        nargs="+",
        metavar="IMAGE",
        help="a picture; several pictures or folders of pictures make a batch",
    )
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
    vary.add_argument(
        "--shape",
        choices=["1:1", "3:2", "2:3", "16:9", "9:16", "picture"],
        default="1:1",
        help="the frame's shape (edit mode): the upload and the requested size follow it, "
        "within what the model makes; picture: the picture's own ratio (default 1:1)",
    )
    vary.add_argument(
        "--zoom-out",
        type=float,
        choices=[1.5, 2.0],
        help="zoom out 1.5 or 2: the picture is placed smaller and the model fills the border",
    )
    region = vary.add_mutually_exclusive_group()
    region.add_argument(
        "--mask",
        type=Path,
        metavar="MASK.png",
        help="vary only a region: a picture of the same size whose transparent pixels (alpha 0) "
        "mark what may change; without an alpha channel, white marks it (edit mode)",
    )
    region.add_argument(
        "--region",
        type=_parse_region,
        metavar="X,Y,W,H",
        help="vary only this rectangle, in pixels of the upright picture (edit mode)",
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
    vary.add_argument(
        "--ignore-free-space",
        action="store_true",
        help="send even when the library's or the output's disk is nearly full",
    )
    vary.add_argument(
        "--jobs",
        type=int,
        default=2,
        metavar="K",
        help="a batch: at most K requests at once (default 2; fewer while the server says "
        "it is too busy)",
    )
    vary.add_argument(
        "--retry-billed",
        action="store_true",
        help="a resumed batch: send again the pictures that may have been billed already",
    )
    vary.add_argument("--profile", help=argparse.SUPPRESS)  # default: the active profile
    _add_insecure_flag(vary)

    models = commands.add_parser("models", help="list the server's image models")
    models.add_argument("--profile", help=argparse.SUPPRESS)
    _add_insecure_flag(models)

    cli_history.add_parser(commands)

    key = commands.add_parser("key", help="store or remove the API key in the system keyring")
    key.add_argument("action", choices=["set", "delete", "status"])
    key.add_argument("--profile", default=DEFAULT_PROFILE, help="connection profile name")
    return parser


def _add_insecure_flag(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow a plain http:// base URL on another computer; the API key then travels "
        "unencrypted (http to this computer is always allowed)",
    )


def _parse_crop(text: str) -> Square:
    try:
        x, y, side = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("use X,Y,SIDE with whole numbers, e.g. 0,0,512") from None
    if side < 1 or x < 0 or y < 0:
        raise argparse.ArgumentTypeError("X and Y must be 0 or more and SIDE at least 1")
    return Square(x, y, side)


def _parse_region(text: str) -> tuple[int, int, int, int]:
    try:
        x, y, width, height = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            "use X,Y,W,H with whole numbers, e.g. 100,50,300,200"
        ) from None
    if width < 1 or height < 1 or x < 0 or y < 0:
        raise argparse.ArgumentTypeError("X and Y must be 0 or more, W and H at least 1")
    return x, y, width, height


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
            return cli_history.run(args, sys.stdout, sys.stderr)
    except UsageError as exc:
        print(f"image-variations: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parser.print_help()
    return EXIT_OK


# -- vary ---------------------------------------------------------------------------------------


def vary_settings(args: argparse.Namespace) -> VariationSettings:
    """The settings ``vary``'s flags ask for, checked (UsageError) before anything is sent."""
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
        shape=Shape.parse(args.shape),
        zoom_out=args.zoom_out,
    )
    try:
        settings.check()
    except InvalidRequest as exc:
        raise UsageError(str(exc)) from None
    return settings


def _vary(args: argparse.Namespace, store: KeyStore, out: TextIO, err: TextIO) -> int:
    if len(args.image) > 1 or args.image[0].is_dir():
        from desktop_app.cli_batch import vary_batch

        return vary_batch(args, store, out, err)
    args.image = args.image[0]
    settings = vary_settings(args)
    _check_picture_path(args.image)
    if args.timeout is not None and not (math.isfinite(args.timeout) and args.timeout > 0):
        raise UsageError("--timeout must be a number of seconds, more than 0")
    folder = args.out or default_output_folder()
    _check_out_folder(folder)  # before paying: results must have somewhere to go
    if not args.ignore_free_space:
        _check_free_space(folder, settings.n)
    prefs = PreferencesStore().load()
    profile, config = _connection(prefs, args.profile, args.timeout, args.allow_insecure_http)
    if settings.mode is Mode.CLASSIC and not dialect_for(config).offers_classic:
        raise UsageError(f"profile {profile!r} has no classic variations; use --mode edit")
    key = _require_key(store, profile)

    if (args.mask or args.region) and settings.mode is Mode.CLASSIC:
        raise UsageError("a region (--mask, --region) needs --mode edit")
    try:
        source = open_image(args.image)
        _check_crop(args.crop, source)
        upload = prepare_upload(source, args.crop, settings)
    except ImageRejected as exc:
        print(f"image-variations: {args.image.name}: {exc}", file=err)
        return EXIT_IMAGE_REJECTED
    try:
        region = _region(args, source, upload, settings)
    except ImageRejected as exc:
        named = args.mask.name if args.mask else "--region"
        print(f"image-variations: {named}: {exc}", file=err)
        return EXIT_IMAGE_REJECTED
    for warning in upload_warnings(source, args.crop, settings, upload):
        print(f"warning: {warning}", file=err)

    recorder = RunRecorder(_progress_printer(err, settings.n))
    library = _open_library(err)
    variation = VariationRun(
        source,
        args.crop,
        upload,
        settings,
        library=library,
        prices=PriceTable.load(),
        keep_transparency=args.keep_transparency,  # None: decided from picture and model
        region=region,
    )
    try:
        return _run_and_save(args, variation, recorder, prefs, (config, key), out, err)
    finally:
        # Bookkeeping last: every picture that arrived is saved (and printed) before this.
        _close_library(library, err)


def _run_interruptibly(work: Callable[[], Awaitable[T]]) -> T:
    """Runs ``work`` to its end; Ctrl+C cancels it (``asyncio.CancelledError``).

    Through the loop's own signal handling, as ``asyncio.Runner`` does: it wakes the loop
    whichever thread the signal reaches. A plain KeyboardInterrupt waits until the main thread
    runs Python again, which, with the loop asleep on a stalled server, can be a minute. A
    second Ctrl+C interrupts at once; a background job whose SIGINT is ignored stays deaf.
    """
    import signal

    async def interruptible() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        listening = False
        if task is not None and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:

            def on_interrupt() -> None:
                loop.remove_signal_handler(signal.SIGINT)  # the next one is KeyboardInterrupt
                task.cancel()

            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
                loop.add_signal_handler(signal.SIGINT, on_interrupt)  # main thread, Unix only
                listening = True
        try:
            return await work()
        finally:
            if listening:
                loop.remove_signal_handler(signal.SIGINT)

    return CancellableRun(interruptible).run()


def _run_and_save(
    args: argparse.Namespace,
    variation: VariationRun,
    recorder: RunRecorder,
    prefs: Preferences,
    server: tuple[ClientConfig, ApiKey],
    out: TextIO,
    err: TextIO,
) -> int:
    folder = args.out or default_output_folder()
    config, key = server
    source, library = variation.source, variation.library

    async def work() -> RunOutcome:
        async with connect(config, key) as client:
            return await variation.execute(client, recorder)

    def save(images: Sequence[GeneratedImage], story: Mapping[str, str] | None = None) -> int:
        options = SaveOptions(
            template=prefs.filename_template,
            save_format=None,  # as asked with --output-format
            story=None if args.no_metadata else story,
        )
        kept = _kept_paths(library, variation.stored)
        return _save_all(images, source, variation.model or "", folder, options, out, err, kept)

    try:
        outcome = _run_interruptibly(work)
    except NoModelListed as exc:
        raise UsageError(f"{exc} (--model)") from None
    except InvalidRequest as exc:
        raise UsageError(str(exc)) from None
    except (KeyboardInterrupt, asyncio.CancelledError, RunCancelled):
        cancelled = recorder.cancelled()
        save(cancelled.results)
        _print_notes(variation.notes, err)
        print(f"image-variations: {cancelled}", file=err)
        return EXIT_INTERRUPTED
    except VariationError as exc:
        # Whatever arrived before the failure was paid for: keep it.
        save(exc.results or recorder.images)
        _print_notes(variation.notes, err)
        _report(exc, err)
        return _exit_code(exc)

    saved = save(outcome.images, outcome.story)
    _print_notes(outcome.notes, err)
    if outcome.result.request_id:
        print(f"request id: {outcome.result.request_id}", file=err)
    if outcome.cost is not None:
        print(f"cost: {format_usd(outcome.cost)}", file=err)
    return EXIT_OK if saved == len(outcome.images) else EXIT_NOT_SAVED


def _print_notes(notes: Sequence[str], err: TextIO) -> None:
    for note in notes:
        print(f"note: {note}", file=err)


def _kept_paths(library: Library | None, stored: Mapping[int, str]) -> dict[int, Path]:
    """Where the library keeps each result it could keep (said when --out fails)."""
    if library is None:
        return {}
    paths: dict[int, Path] = {}
    for index, result_id in stored.items():
        try:
            result = library.result(result_id)
        except LIBRARY_ERRORS:
            continue
        if result is not None:
            paths[index] = result.path
    return paths


def _close_library(library: Library | None, err: TextIO) -> None:
    if library is None:
        return
    try:
        library.close()
    except BOOKKEEPING_ERRORS as exc:
        logging.getLogger(__name__).debug("closing the library", exc_info=True)
        print(
            f"warning: the library could not be closed cleanly: {plain_reason(exc)} "
            "(the run is recorded as interrupted at the next start)",
            file=err,
        )


def _exit_code(error: VariationError) -> int:
    """4: the API refused the request; 5: the network or the server failed (after retries)."""
    if isinstance(error, ApiError) and error.kind is not ApiErrorKind.SERVER:
        return EXIT_API_REFUSED
    return EXIT_NETWORK


def _check_picture_path(path: Path) -> None:
    if not path.exists():
        raise UsageError(f"no such file: {path}")
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give one picture file")
    if not path.is_file():  # a FIFO or a device would block or never end
        raise UsageError(f"{path} is not a regular file; give one picture file")


def _check_free_space(folder: Path, n: int) -> None:
    from desktop_app.core.space import before_a_run

    problem = before_a_run(n, ("--out", folder))
    if problem is not None:
        raise UsageError(
            f"{problem}, so nothing was sent. Free some space, or add --ignore-free-space."
        )


def _check_out_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot make the folder {folder}: {exc.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write into {folder}; choose another --out")


def _region(
    args: argparse.Namespace, source: SourceImage, upload: Upload, settings: VariationSettings
) -> Image.Image | None:
    """The region of ``--mask`` or ``--region``, checked against the upload (an empty region,
    or one covering the whole frame) before anything is paid for."""
    from desktop_app.core.imaging.region import region_from_mask_file, region_from_rectangle
    from desktop_app.core.variation import prepare_mask

    size = (source.width, source.height)
    if args.mask is not None:
        try:
            data = args.mask.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read the mask {args.mask}: {exc.strerror}") from None
        region = region_from_mask_file(data, *size)
    elif args.region is not None:
        region = region_from_rectangle(*size, *args.region)
    else:
        return None
    prepare_mask(source, args.crop, upload, settings, region)
    return region


def _check_crop(square: Square | None, source: SourceImage) -> None:
    if square is None:
        return
    width, height = source.width, source.height
    if square.x + square.side > width or square.y + square.side > height:
        raise UsageError(
            f"--crop {square.x},{square.y},{square.side} reaches outside the picture "
            f"({width} x {height} upright); nothing was sent"
        )


def _open_library(err: TextIO) -> Library | None:
    """The app's library, shared with the window; a run still works when it cannot open (full
    disk, read-only, damaged beyond a rebuild): one plain line, never a traceback."""
    try:
        return Library.open()
    except LIBRARY_ERRORS as exc:
        print(f"warning: the library cannot record this run: {plain_reason(exc)}", file=err)
        return None


def _save_all(
    images: Sequence[GeneratedImage],
    source: SourceImage,
    model: str,
    folder: Path,
    options: SaveOptions,
    out: TextIO,
    err: TextIO,
    kept: Mapping[int, Path] | None = None,
) -> int:
    saved = 0
    name = source.name or "image"
    saving = save_outcome(images, folder, source_name=name, model=model, options=options)
    for image, path in zip(images, saving, strict=True):
        if isinstance(path, OSError):
            where = path.filename or folder
            print(f"image-variations: could not save in {where}: {path.strerror}", file=err)
            if kept and image.index in kept:
                print(f"  the result is kept in the library: {kept[image.index]}", file=err)
            continue
        saved += 1
        try:
            print(path, file=out, flush=True)
        except BrokenPipeError:
            _quiet_stdout()  # `vary ... | head -1`: the files are still saved, silently
    return saved


def _quiet_stdout() -> None:
    """After the reader of stdout went away: later prints (and Python's final flush) go
    nowhere instead of raising."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


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
    profile, config = _connection(
        PreferencesStore().load(), args.profile, None, args.allow_insecure_http
    )
    key = _require_key(store, profile)

    async def work() -> list[ModelInfo]:
        async with connect(config, key) as client:
            return await client.list_models()

    try:
        models = _run_interruptibly(work)
    except (KeyboardInterrupt, asyncio.CancelledError):
        return EXIT_INTERRUPTED
    except VariationError as exc:
        _report(exc, err)
        return _exit_code(exc)
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
            if not store.environment_override() and store.get(args.profile) is None:
                print(f"No stored key for {args.profile!r}: nothing to remove.", file=out)
            else:
                store.delete(args.profile)
                print(f"Removed the key for {args.profile!r}.", file=out)
        else:
            key = store.get(args.profile)
            if key is None:
                print(f"No key for {args.profile!r}.", file=out)
            else:
                print(f"{args.profile}: {key.masked()} (from the {key.source})", file=out)
    except (KeyStoreError, ValueError) as exc:  # ValueError: not text a key can be
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


def _connection(
    prefs: Preferences, name: str | None, timeout: float | None, allow_insecure_http: bool = False
) -> tuple[str, ClientConfig]:
    """The named (default: the active) Settings profile and how to reach its server.

    For an OpenAI-kind profile the usual variables still win: ``OPENAI_BASE_URL`` for the
    "OpenAI" profile (as in the window), ``OPENAI_ORG_ID`` / ``OPENAI_PROJECT_ID`` for any.
    """
    try:
        profile = prefs.profile(name)
    except KeyError:
        raise UsageError(f"no connection profile called {name!r} (see Settings)") from None
    timeouts = Timeouts(deadline=timeout) if timeout else Timeouts()
    try:
        config = profile.client_config(
            timeouts, os.environ, allow_insecure_http=allow_insecure_http
        )
    except InsecureBaseUrl as exc:
        raise UsageError(str(exc)) from None
    except ValueError as exc:
        raise UsageError(f"profile {profile.name!r}: {exc}") from None
    if config.kind is ServerKind.OPENAI:
        config = replace(
            config,
            organization=os.environ.get("OPENAI_ORG_ID") or config.organization,
            project=os.environ.get("OPENAI_PROJECT_ID") or config.project,
        )
    return profile.name, config
