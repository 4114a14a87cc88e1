"""Benchmark: does the window stay responsive while it loads a photo and streams n=10 results?

A ``QTimer`` heartbeat ticks every 5 ms on the GUI thread and records when each tick really
arrives; the longest gap between two ticks is the longest time the window could not have
answered the user. Measured from the moment a 4000x3000 camera-like JPEG is dropped on the real
window (decode, crop preview, upload preparation) through a streamed run of n=10 at 1024x1024
with partial previews, until all ten results are in and their thumbnails decoded and shown.
Then the window is resized as a person dragging its corner would (a new size every 16 ms, from
small to large and back), with the ten results in the grid: every cell is sized and laid out
again at each step.
The baseline is the same heartbeat over the same window left idle for as long as the run took,
right after it, so the noise of the machine shows.

    .venv/bin/python -m benchmarks.bench_responsiveness [--runs N] [--server thread|process]
        [--stream-delay S] [--profile]

The local imitation of the API (``tests.fake_openai``) runs in this process by default
(``--server thread``); its own Python work then competes for the GIL with the window, which the
app would not suffer against a real server. ``--server process`` runs it in a child process, to
tell the two apart. ``--profile`` says where the worst gaps come from: every Python callback
the GUI thread runs straight from Qt's event loop (slots, event handlers, paintEvent), the GUI
thread's own CPU time in the gap (little CPU means it was waiting, for the GIL or the CPU), and
long C calls (which may hold the GIL) on the app's worker threads, thumbnail pool and server
threads; for that it wraps the worker threads' ``run`` methods (diagnostics only).
Target: longest stall under 50 ms. Informational only: it asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

TARGET_MS = 50.0
HEARTBEAT_MS = 5
N = 10
SIZE = "1024x1024"
KEY = "sk-bench-responsiveness-0123456789"


# -- the heartbeat ----------------------------------------------------------------------------


class Heartbeat:
    """Records when a 5 ms precise timer really fires on the GUI thread, and that thread's CPU
    time then (a late tick with little CPU spent means the thread was waiting, not working)."""

    def __init__(self) -> None:
        self.ticks: list[tuple[float, float]] = []
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.ticks.append((time.perf_counter(), time.thread_time()))

    def start(self) -> None:
        self.ticks = []
        self._tick()
        self._timer.start()

    def stop(self) -> list[float]:
        """Stops; returns the gaps between ticks in ms (``ticks`` keeps the times)."""
        self._timer.stop()
        self._tick()  # a stall right at the end counts too
        return [(b[0] - a[0]) * 1000 for a, b in itertools.pairwise(self.ticks)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Runs the event loop until ``condition`` holds; checks it every 10 ms."""
    if condition():
        return
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(10)

    def check() -> None:
        if condition():
            loop.quit()

    poll.timeout.connect(check)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    poll.start()
    deadline.start(round(timeout_s * 1000))
    loop.exec()
    poll.stop()
    if not condition():
        raise TimeoutError(f"gave up waiting for {what} after {timeout_s:.0f} s")


def idle(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()


# -- where the time goes (--profile) --------------------------------------------------------------


@dataclass
class CallStats:
    count: int = 0
    total_ms: float = 0.0
    longest_ms: float = 0.0


Span = tuple[float, float, str]
# C calls on other threads that wait or decode without the GIL, or only call back into Python
# (timed there), so they are not suspects for a stall.
_WAITS = re.compile(
    r"\.(select|poll|sleep|wait|acquire|recv|recv_into|readline|read_into|accept|get|run|exec|"
    r"QImageReader\.read|QImage\.scaled|ImagingDecoder\.decode|ImagingEncoder\.encode|"
    r"ImagingCore\.resize|ImagingCore\.convert)$"
)


@dataclass
class Profiler:
    """GUI thread: times each Python call whose caller frame is inside a C call (Qt's event loop
    calling a slot, timer, event handler or paintEvent). Other threads: long C calls."""

    stats: dict[str, CallStats] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)  # GUI callbacks over 1 ms
    others: list[Span] = field(default_factory=list)  # C calls over 2 ms on other threads
    collections: list[Span] = field(default_factory=list)  # gc, any thread
    _in_c: set[int] = field(default_factory=set)
    _depth: int = 0
    _started: float = 0.0
    _name: str = ""
    _gc_started: float = 0.0
    _restore: list[Callable[[], None]] = field(default_factory=list)

    def _gui(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "c_call":
            self._in_c.add(id(frame))
        elif event in ("c_return", "c_exception"):
            self._in_c.discard(id(frame))
        elif event == "call":
            if self._depth:
                self._depth += 1
            elif frame.f_back is not None and id(frame.f_back) in self._in_c:
                code = frame.f_code
                self._name = f"{_short(code.co_filename)}:{code.co_firstlineno} {code.co_qualname}"
                self._started = time.perf_counter()
                self._depth = 1
        elif event == "return" and self._depth:
            self._depth -= 1
            if self._depth == 0:
                ended = time.perf_counter()
                elapsed = (ended - self._started) * 1000
                stats = self.stats.setdefault(self._name, CallStats())
                stats.count += 1
                stats.total_ms += elapsed
                stats.longest_ms = max(stats.longest_ms, elapsed)
                if elapsed > 1:
                    self.spans.append((self._started, ended, self._name))

    def _other(self) -> Callable[[FrameType, str, Any], None]:
        started: dict[int, float] = {}
        thread = threading.current_thread().name

        def profile(frame: FrameType, event: str, arg: Any) -> None:
            if event == "c_call":
                started[id(frame)] = time.perf_counter()
            elif event in ("c_return", "c_exception"):
                begun = started.pop(id(frame), None)
                if begun is None:
                    return
                ended = time.perf_counter()
                module = getattr(arg, "__module__", None) or ""
                name = f"{module}.{getattr(arg, '__qualname__', arg)}"
                if ended - begun > 0.002 and not _WAITS.search(name):
                    self.others.append((begun, ended, f"{name} on {thread}"))

        return profile

    def _traced(self, run: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            sys.setprofile(self._other())
            try:
                return run(*args, **kwargs)
            finally:
                sys.setprofile(None)

        return wrapper

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.collections.append(
                (
                    self._gc_started,
                    time.perf_counter(),
                    f"gc generation {info['generation']} on {threading.current_thread().name}",
                )
            )

    @contextmanager
    def running(self) -> Iterator[None]:
        from desktop_app.qt import pool, tasks

        for cls in (tasks._TaskThread, pool._Job):
            original = cls.run
            cls.run = self._traced(original)  # type: ignore[method-assign]

            def undo(cls: Any = cls, original: Any = original) -> None:
                cls.run = original

            self._restore.append(undo)

        def first_event(frame: FrameType, event: str, arg: Any) -> None:
            sys.setprofile(self._other())  # a new thread (the server's): trace it from here

        threading.setprofile(first_event)
        gc.callbacks.append(self._gc)
        self._depth = 0
        self._in_c.clear()
        sys.setprofile(self._gui)  # this thread: the GUI thread
        try:
            yield
        finally:
            sys.setprofile(None)
            threading.setprofile(None)  # type: ignore[arg-type,unused-ignore]
            gc.callbacks.remove(self._gc)
            for restore in self._restore:
                restore()

    def report(self, limit: int = 12) -> None:
        rows = sorted(self.stats.items(), key=lambda item: item[1].longest_ms, reverse=True)
        print("slowest Python callbacks on the GUI thread, all runs (longest single call):")
        for name, stats in rows[:limit]:
            print(
                f"  {stats.longest_ms:6.1f} ms longest, {stats.total_ms:7.1f} ms total, "
                f"{stats.count:5d} calls  {name}"
            )
        longest: dict[str, float] = {}
        for begun, ended, name in self.others:
            where = name.rsplit(" on ", 1)[0]
            longest[where] = max(longest.get(where, 0.0), (ended - begun) * 1000)
        print("longest C calls on other threads, all runs (those holding the GIL stall the GUI):")
        for where, ms in sorted(longest.items(), key=lambda item: -item[1])[:limit]:
            print(f"  {ms:6.1f} ms  {where}")

    def explain(self, ticks: list[tuple[float, float]], worst: int = 4) -> None:
        """For the longest gaps between heartbeat ticks: what ran inside them."""
        pairs = sorted(itertools.pairwise(ticks), key=lambda p: p[0][0] - p[1][0])
        for (begin, cpu_begin), (end, cpu_end) in pairs[:worst]:

            def overlapping(spans: list[Span], begin: float = begin, end: float = end) -> str:
                inside = sorted(
                    (
                        (min(e, end) - max(s, begin), name)
                        for s, e, name in spans
                        if s < end and e > begin
                    ),
                    reverse=True,
                )
                return "; ".join(f"{ms * 1000:.1f} ms {name}" for ms, name in inside[:3])

            print(
                f"    gap {(end - begin) * 1000:.1f} ms at +{begin - ticks[0][0]:.2f} s, GUI "
                f"thread CPU {(cpu_end - cpu_begin) * 1000:.1f} ms. GUI callbacks: "
                f"{overlapping(self.spans + self.collections) or 'none (Qt C++ work or waiting)'}"
                f". Other threads: {overlapping(self.others) or 'nothing long'}"
            )


def _short(filename: str) -> str:
    for marker in ("/desktop_app/", "/benchmarks/", "/tests/", "/site-packages/"):
        if marker in filename:
            return marker.strip("/") + "/" + filename.split(marker, 1)[1]
    return Path(filename).name


# -- the scene ------------------------------------------------------------------------------


def make_photo(path: Path) -> Path:
    from tests.core.imaging.corpus import photo_like

    photo_like(4000, 3000, seed=7, style="scene").save(path, "JPEG", quality=92)
    return path


@contextmanager
def api_server(mode: str, stream_delay: float) -> Iterator[str]:
    if mode == "thread":
        from tests.fake_openai import FakeOpenAI

        fake = FakeOpenAI(api_key=KEY)
        fake.stream_delay = stream_delay
        fake.start()
        try:
            yield fake.base_url
        finally:
            fake.stop()
        return
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fake_openai",
            "--port",
            "0",
            "--key",
            KEY,
            "--stream-delay",
            str(stream_delay),
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"base URL:\s+(\S+)", line)
        if match is None:
            raise RuntimeError(f"the API server did not start: {line!r}")
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(10)


def build(folder: Path, base_url: str) -> Any:
    """The real window, as ``run_window`` makes it, with a test keyring and preferences file."""
    from desktop_app.app import build_window
    from desktop_app.core.keystore import KeyStore
    from desktop_app.core.preferences import PreferencesStore
    from tests.keyring_backends import MemoryBackend

    os.environ["OPENAI_BASE_URL"] = base_url
    os.environ.pop("OPENAI_API_KEY", None)
    keystore = KeyStore(backend=MemoryBackend(), environ={"OPENAI_BASE_URL": base_url})
    keystore.set("OpenAI", KEY)
    store = PreferencesStore(folder / "settings.json")
    prefs = store.load()
    prefs.save_folder = str(folder / "saved")
    store.save(prefs)
    window = build_window(store=store, keystore=keystore)
    window.resize(1180, 820)
    window.show()
    wait_until(
        lambda: window.windowHandle() is not None and window.windowHandle().isExposed(),
        10,
        "the window to show",
    )
    window.session.refresh_models()  # as run_window does once the window is up
    wait_until(lambda: bool(window.session.models), 20, "the model list")
    return window


def choose_parameters(window: Any) -> None:
    panel = window.parameters
    panel.count.setValue(N)
    index = panel.size_choice.findData(SIZE)
    if index < 0:
        raise RuntimeError(f"{SIZE} is not offered by the size list")
    panel.size_choice.setCurrentIndex(index)
    panel.previews.setChecked(True)
    settings = panel.settings()
    assert settings.n == N and settings.effective_size == SIZE and settings.stream, settings


def drop_file(window: Any, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(200, 200),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def all_shown(window: Any) -> bool:
    grid = window.results
    session = window.session
    return (
        not session.running
        and len(session.results) == N
        and all(grid.has_result(i) for i in range(N))
        # No thumbnail still decoding (private: the loader is the grid's own).
        and grid._loader.pending() == 0
        and all(grid.thumbnail(i) is not None for i in range(N))
    )


RESIZE_STEP_MS = 16  # a frame: how often a window manager hands out a new size during a drag
RESIZE_STEPS = 60


def resize_like_a_drag(window: Any) -> list[float]:
    """The heartbeat's gaps while the window is dragged from small to large and back."""
    start, end = (900, 560), (1800, 1000)
    sizes = [
        (
            round(start[0] + (end[0] - start[0]) * t),
            round(start[1] + (end[1] - start[1]) * t),
        )
        for step in range(RESIZE_STEPS)
        for t in [1 - abs(1 - 2 * step / (RESIZE_STEPS - 1))]
    ]
    heartbeat = Heartbeat()
    heartbeat.start()
    for step, size in enumerate(sizes):
        QTimer.singleShot(step * RESIZE_STEP_MS, lambda size=size: window.resize(*size))
    idle(RESIZE_STEPS * RESIZE_STEP_MS / 1000 + 0.4)  # and the smooth rescale once it settles
    return heartbeat.stop()


@dataclass
class Run:
    busy: list[float]
    idle: list[float]
    resize: list[float]
    seconds: float
    load_s: float
    ticks: list[tuple[float, float]]


def one_run(window: Any, photo: Path) -> Run:
    heartbeat = Heartbeat()
    picture_before = window.session.picture
    heartbeat.start()
    started = time.perf_counter()
    QTimer.singleShot(0, lambda: drop_file(window, photo))  # delivered by the loop, as a drop is
    wait_until(
        lambda: (
            window.session.picture is not None
            and window.session.picture is not picture_before
            and window.session.prepared is not None
            and window.generate_button.isEnabled()
        ),
        60,
        "the picture and its upload",
    )
    loaded = time.perf_counter()
    QTimer.singleShot(0, window.generate_button.click)
    wait_until(lambda: window.session.running, 10, "the run to start")
    wait_until(lambda: all_shown(window), 120, "ten results with their thumbnails")
    busy = heartbeat.stop()
    ticks = list(heartbeat.ticks)
    seconds = time.perf_counter() - started
    idle(0.3)  # let stragglers settle before the baseline
    resize = resize_like_a_drag(window)
    idle(0.3)
    heartbeat.start()
    idle(seconds)
    return Run(
        busy=busy,
        idle=heartbeat.stop(),
        resize=resize,
        seconds=seconds,
        load_s=loaded - started,
        ticks=ticks,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Longest GUI-thread stall during a run.")
    parser.add_argument("--runs", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument(
        "--server",
        choices=("thread", "process"),
        default="thread",
        help="the local API in this process (default) or in a child process",
    )
    parser.add_argument(
        "--stream-delay",
        type=float,
        default=0.05,
        help="seconds between streamed events (default 0.05)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="say where the worst gaps come from (slows things a little)",
    )
    args = parser.parse_args(argv)
    runs = max(1, args.runs)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert app is not None
    profiler = Profiler()
    with tempfile.TemporaryDirectory(prefix="bench-responsiveness-") as name:
        folder = Path(name)
        started = time.perf_counter()
        photo = make_photo(folder / "camera.jpg")
        print(
            f"input: drawn 4000x3000 photo-like JPEG, {photo.stat().st_size / 1e6:.1f} MB "
            f"({time.perf_counter() - started:.1f} s); n={N}, {SIZE}, partial previews on, "
            f"stream delay {args.stream_delay} s, API server in a {args.server}, "
            f"platform {QApplication.platformName()}"
        )
        results: list[Run] = []
        with api_server(args.server, args.stream_delay) as base_url:
            window = build(folder, base_url)
            choose_parameters(window)
            with profiler.running() if args.profile else nullcontext():
                for number in range(1, runs + 1):
                    run = one_run(window, photo)
                    results.append(run)
                    print(
                        f"  run {number}: {run.seconds:.2f} s (picture ready after "
                        f"{run.load_s:.2f} s), {len(run.busy)} ticks: longest gap "
                        f"{max(run.busy):.1f} ms, p99 {percentile(run.busy, 0.99):.1f} ms; "
                        f"idle: longest {max(run.idle):.1f} ms, "
                        f"p99 {percentile(run.idle, 0.99):.1f} ms; resizing: longest "
                        f"{max(run.resize):.1f} ms"
                    )
                    if args.profile:
                        profiler.explain(run.ticks)
            window.close()

    longest = [max(r.busy) for r in results]
    idle_longest = [max(r.idle) for r in results]
    p99 = [percentile(r.busy, 0.99) for r in results]
    idle_p99 = [percentile(r.idle, 0.99) for r in results]
    for label, figure, base in (
        ("longest GUI stall, worst run", max(longest), max(idle_longest)),
        (
            "longest GUI stall, median run",
            statistics.median(longest),
            statistics.median(idle_longest),
        ),
        (
            "longest GUI stall resizing the 10-image grid, worst run",
            max(max(r.resize) for r in results),
            max(idle_longest),
        ),
        (
            "99th percentile tick gap, median run",
            statistics.median(p99),
            statistics.median(idle_p99),
        ),
    ):
        print(
            f"{label}: {figure:.1f} ms | idle baseline {base:.1f} ms | "
            f"ratio {figure / base:.2f}x | target < {TARGET_MS:.0f} ms | runs {runs}"
        )
    if args.profile:
        profiler.report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
