"""Screenshots of the real app for the README, made against the local API server.

    .venv/bin/python scripts/readme_screenshots.py [OUT_DIR]     (default: docs/screenshots)

It drives the real window (offscreen) the way a person would, on the screens people have: on a
1366 × 768 laptop an empty window, a picture with its square, a finished 4-image run and the
history; on a 1920 × 1080 screen a finished 10-image run. Each screen is a process of its own,
whose offscreen platform is configured as that screen, and the window opens at the size it
would choose there. Nothing here touches the real user's keyring, settings or pictures:
everything lives in a temporary folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# (screen width, height, variations, the shots taken there)
SCREENS = [
    (
        1366,
        768,
        4,
        ["empty-window", "picture-and-square", "region", "results-1366x768", "history"],
    ),
    (1920, 1080, 10, ["results-1920x1080"]),
    (1366, 768, 4, ["run-3x2"]),  # a 3:2 run: the frame, the request and the cells are 3:2
    (1366, 768, 2, ["batch"]),  # a folder of eight product pictures, varied as a batch
]


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--screen":
        width, height, count = (int(value) for value in sys.argv[2:5])
        return _on_screen(Path(sys.argv[5]), count, sys.argv[6].split(","))
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    for width, height, count, shots in SCREENS:
        with tempfile.TemporaryDirectory(prefix="iv-shots-") as folder:
            config = Path(folder) / "screen.json"
            screen = {"name": f"{width}x{height}", "x": 0, "y": 0, "width": width}
            config.write_text(json.dumps({"screens": [{**screen, "height": height}]}))
            env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
            for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
                env[name] = str(Path(folder) / name.lower())
            env["XDG_PICTURES_DIR"] = str(Path(folder) / "Pictures")
            arguments = [str(width), str(height), str(count), str(out), ",".join(shots)]
            subprocess.run([sys.executable, __file__, "--screen", *arguments], env=env, check=True)
    print(f"screenshots written to {out}")
    return 0


def _on_screen(out: Path, count: int, shots: list[str]) -> int:
    from PIL import Image, ImageDraw
    from PySide6.QtCore import QCoreApplication, QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent
    from PySide6.QtWidgets import QApplication

    from desktop_app.app import build_window
    from desktop_app.core.keystore import KeyStore
    from desktop_app.core.preferences import PreferencesStore
    from tests.fake_openai import FakeOpenAI
    from tests.keyring_backends import MemoryBackend

    home = Path(os.environ["XDG_CONFIG_HOME"]).parent
    QCoreApplication.setOrganizationName("Image Variations screenshots")
    app = QApplication(sys.argv[:1])
    server = FakeOpenAI(api_key="sk-screenshots-not-a-real-key").start()
    os.environ["OPENAI_BASE_URL"] = server.base_url

    def shoot(name: str) -> None:
        if name in shots:
            _settle(app, 0.6)
            window.grab().save(str(out / f"{name}.png"))

    try:
        keystore = KeyStore(backend=MemoryBackend(), environ={"OPENAI_BASE_URL": server.base_url})
        keystore.set("OpenAI", "sk-screenshots-not-a-real-key")
        store = PreferencesStore(home / "settings.json")
        window = build_window(store=store, keystore=keystore)  # at its first-start size
        window.show()
        _settle(app, 0.5)
        window.session.refresh_models()
        _wait(app, lambda: bool(window.session.models))
        shoot("empty-window")

        photo = home / "lighthouse.jpg"
        _draw_photo(photo, Image, ImageDraw)
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(photo))])
        drop = QDropEvent(
            QPointF(300, 300),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        if shots == ["batch"]:
            _batch(window, app, home, count, server)
            shoot("batch")
            window.close()
            return 0
        window.dropEvent(drop)
        _wait(app, lambda: window.session.prepared is not None)
        shoot("picture-and-square")
        if "region" in shots:
            _paint_region(window, app)
            shoot("region")
            window.source.region.clear_region()  # the runs below vary the whole square
            window.source.region.set_painting(False)

        if "run-3x2" in shots:
            from desktop_app.core.imaging.shape import Shape

            bar = window.source.shape_bar
            bar.shape.setCurrentIndex(bar.shape.findData(Shape.LANDSCAPE))
            bar.shape.activated.emit(bar.shape.currentIndex())
            _wait(app, lambda: window.session.prepared is not None)

        window.parameters.count.setValue(count)
        window.generate_button.click()
        _wait(app, lambda: not window.session.running and len(window.session.results) == count, 60)
        _wait(app, lambda: all(window.results.shows_result(i) for i in range(count)))
        window.results.select(0)
        for name in shots:
            if name.startswith(("results", "run-")):
                shoot(name)

        if "history" in shots:
            window.commands.history.trigger()
            _settle(app, 1.5)
            shoot("history")
        window.close()
    finally:
        server.stop()
    return 0


def _paint_region(window: Any, app: object) -> None:
    """The region tool in hand, the sea around the lighthouse painted with the brush."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtTest import QTest

    overlay = window.source.region
    overlay.set_painting(True)
    picture = window.source.crop_view.picture_rect()

    def at(x: float, y: float) -> Any:  # a point of the 1600 x 1067 picture, on screen
        scale = picture.width() / 1600
        return QPointF(picture.left() + x * scale, picture.top() + y * scale).toPoint()

    left = Qt.MouseButton.LeftButton
    none = Qt.KeyboardModifier.NoModifier
    overlay.set_brush_size(64)
    for y in (760, 860, 960):
        QTest.mousePress(overlay, left, none, at(300, y))
        for x in range(300, 1320, 60):
            QTest.mouseMove(overlay, at(x, y + (x // 60) % 2 * 12))
        QTest.mouseRelease(overlay, left, none, at(1300, y))
    QTest.mouseMove(overlay, at(1150, 420))
    _settle(app, 0.3)


def _batch(window: Any, app: object, home: Path, count: int, server: Any) -> None:
    """A shop's folder of products in the batch queue, run with ``count`` variations each; one
    picture failing (moderation), so the summary and Retry failed show."""
    from PIL import Image, ImageDraw

    from tests.fake_openai import Fault

    folder = home / "shop"
    folder.mkdir()
    names = ["mug", "lamp", "chair", "vase", "bowl", "clock", "kettle", "stool"]
    for number, name in enumerate(names):
        picture = Image.new("RGB", (900, 900), (235 - number * 9, 225, 205 + number * 5))
        draw = ImageDraw.Draw(picture)
        colour = ((number * 70) % 256, (120 + number * 40) % 256, (200 - number * 20) % 256)
        draw.rounded_rectangle([250, 220 + number * 8, 650, 700], radius=60, fill=colour)
        draw.ellipse([330, 140, 570, 300], fill=colour)
        picture.save(folder / f"{name}.jpg", "JPEG", quality=90)
    server.inject(Fault("moderation_blocked"), path="/v1/images/edits")
    window.parameters.count.setValue(count)
    window.batch_control.add([folder])
    window.batch_dock.panel.run_button.click()
    _wait(app, lambda: window.batch.running)
    _wait(app, lambda: not window.batch.running, 60)
    window.batch_dock.panel.list.setCurrentRow(0)


def _draw_photo(path: Path, image_module: object, draw_module: object) -> None:
    """A simple, recognisable picture (sky, sea, a lighthouse) drawn here, so no asset is needed."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (1600, 1067), (120, 170, 220))
    draw = ImageDraw.Draw(picture)
    for y in range(600):
        shade = int(120 + y / 600 * 90)
        draw.line([(0, y), (1600, y)], fill=(shade, shade + 30, 235))
    draw.rectangle([0, 600, 1600, 1067], fill=(30, 80, 130))
    draw.polygon([(760, 250), (840, 250), (870, 700), (730, 700)], fill=(240, 240, 235))
    for y in (330, 450, 570):
        draw.rectangle([740, y, 860, y + 40], fill=(200, 40, 40))
    draw.rectangle([770, 200, 830, 250], fill=(250, 220, 90))
    draw.ellipse([1250, 120, 1400, 270], fill=(255, 240, 180))
    picture.save(path, "JPEG", quality=92)


def _settle(app: object, seconds: float) -> None:
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def _wait(app: object, ready: object, seconds: float = 15) -> None:
    from PySide6.QtWidgets import QApplication

    assert callable(ready)
    end = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > end:
            raise TimeoutError("the app did not get there in time")
        QApplication.processEvents()
        time.sleep(0.01)


if __name__ == "__main__":
    sys.exit(main())
