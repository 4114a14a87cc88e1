"""Screenshots of the real app for the README, made against the local API server.

    .venv/bin/python scripts/readme_screenshots.py [OUT_DIR]     (default: docs/screenshots)

It drives the real window (offscreen) the way a person would: an empty window, a picture with its
square, a finished run, the history, and the settings. Nothing here touches the real user's
keyring, settings or pictures: everything lives in a temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="iv-shots-") as folder:
        home = Path(folder)
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            os.environ[name] = str(home / name.lower())
        os.environ["XDG_PICTURES_DIR"] = str(home / "Pictures")
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        return _shoot(out, home)


def _shoot(out: Path, home: Path) -> int:
    from PIL import Image, ImageDraw
    from PySide6.QtCore import QCoreApplication, QMimeData, QUrl
    from PySide6.QtWidgets import QApplication

    from desktop_app.app import build_window
    from desktop_app.core.keystore import KeyStore
    from desktop_app.core.preferences import PreferencesStore
    from tests.fake_openai import FakeOpenAI
    from tests.keyring_backends import MemoryBackend

    QCoreApplication.setOrganizationName("Image Variations screenshots")
    app = QApplication(sys.argv[:1])
    server = FakeOpenAI(api_key="sk-screenshots-not-a-real-key").start()
    os.environ["OPENAI_BASE_URL"] = server.base_url
    try:
        keystore = KeyStore(backend=MemoryBackend(), environ={"OPENAI_BASE_URL": server.base_url})
        keystore.set("OpenAI", "sk-screenshots-not-a-real-key")
        store = PreferencesStore(home / "settings.json")
        window = build_window(store=store, keystore=keystore)
        window.resize(1280, 860)
        window.show()
        _settle(app, 0.5)
        window.session.refresh_models()
        _wait(app, lambda: bool(window.session.models))
        window.grab().save(str(out / "empty-window.png"))

        photo = home / "lighthouse.jpg"
        _draw_photo(photo, Image, ImageDraw)
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(photo))])
        from PySide6.QtCore import QPointF, Qt
        from PySide6.QtGui import QDropEvent

        drop = QDropEvent(
            QPointF(300, 300),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        window.dropEvent(drop)
        _wait(app, lambda: window.session.prepared is not None)
        _settle(app, 0.6)
        window.grab().save(str(out / "picture-and-square.png"))

        window.parameters.count.setValue(4)
        window.generate_button.click()
        _wait(app, lambda: not window.session.running and len(window.session.results) == 4, 30)
        _wait(app, lambda: window.results.thumbnail(3) is not None)
        window.results.select(0)
        _settle(app, 0.6)
        window.grab().save(str(out / "results.png"))

        window.commands.history.trigger()
        _settle(app, 1.5)
        window.grab().save(str(out / "history.png"))
        window.close()
    finally:
        server.stop()
    print(f"screenshots written to {out}")
    return 0


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
