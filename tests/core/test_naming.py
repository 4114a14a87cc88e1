"""File names from templates, and saving without ever overwriting."""

from __future__ import annotations

import errno
import os
import threading
import time
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.core import naming
from desktop_app.core.naming import (
    ABANDONED_PART_AGE,
    DEFAULT_TEMPLATE,
    MAX_STEM_LENGTH,
    render_filename,
    safe_stem,
    save_new_file,
)

WHEN = datetime(2025, 3, 7, 9, 5, 1)
RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"} | {
    f"{d}{n}" for d in ("COM", "LPT") for n in "0123456789¹²³"
}


def _render(template: str = DEFAULT_TEMPLATE, **overrides: object) -> str:
    args: dict[str, object] = {"source": "photo", "index": 3, "when": WHEN, "ext": "png"}
    args.update(overrides)
    return render_filename(template, **args)  # type: ignore[arg-type]


def _assert_safe(name: str, ext: str) -> None:
    assert name.endswith(ext)
    stem = name[: -len(ext)]
    assert stem
    assert len(stem) <= MAX_STEM_LENGTH
    assert len(name.encode("utf-8")) <= 255
    assert "/" not in name and "\\" not in name and "\0" not in name
    assert not any(unicodedata.category(ch) == "Cc" for ch in name)
    assert not any(ch in '<>:"|?*' for ch in name)
    assert stem == stem.strip()
    assert not stem.endswith(".")
    assert not stem.startswith(".")
    assert stem.split(".")[0].rstrip().upper() not in RESERVED
    assert name not in {".", ".."}


# --- render_filename -----------------------------------------------------------------------------


def test_default_template() -> None:
    assert _render() == "photo-03-20250307-090501.png"


def test_all_fields() -> None:
    name = _render("{date}_{source}_{model}_{index}_{time}", model="gpt-image-1", index=12)
    assert name == "2025-03-07_photo_gpt-image-1_12_20250307-090501.png"


def test_time_and_date_take_strftime_patterns() -> None:
    assert _render("{source}-{time:%H%M}-{date:%d.%m.%Y}") == "photo-0905-07.03.2025.png"


@pytest.mark.parametrize("ext", ["png", ".png", "PNG", ".JPEG", " webp "])
def test_extension_is_lower_case_with_one_dot(ext: str) -> None:
    expected = "." + ext.strip().lstrip(".").lower()
    assert _render("{source}", ext=ext) == "photo" + expected


@pytest.mark.parametrize("ext", ["", ".", "p/ng", "png.exe.", "a b", "x" * 17])
def test_bad_extension_is_value_error(ext: str) -> None:
    with pytest.raises(ValueError, match="extension"):
        _render(ext=ext)


@pytest.mark.parametrize(
    ("template", "needle"),
    [
        ("{nope}", "unknown field {nope}"),
        ("{}", "unknown field {}"),
        ("{0}", "unknown field {0}"),
        ("{source.__class__}", "unknown field {source.__class__}"),
        ("{source[0]}", "unknown field {source[0]}"),
        ("{source", "unmatched braces"),
        ("source}", "unmatched braces"),
        ("{index:zz}", "does not work"),
        ("{source:d}", "does not work"),
        ("{index!r}", "conversions"),
        ("{index:{index}}", "inside the format"),
        ("{index:99999999}", "too widely"),
    ],
)
def test_bad_templates_are_plain_value_errors(template: str, needle: str) -> None:
    with pytest.raises(ValueError, match="template") as info:
        _render(template)
    assert needle in str(info.value)
    assert "Traceback" not in str(info.value)


def test_literal_braces_are_allowed() -> None:
    assert _render("{{{source}}}") == "{photo}.png"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("../../etc/passwd", "_.._etc_passwd"),
        ("a\\b:c*d?e", "a_b_c_d_e"),
        ("tab\there\nnew", "tab here new"),
        ("nul\x00byte", "nul_byte"),
        ("  spaced  ", "spaced"),
        ("trailing...", "trailing"),
        ("...", "image"),
        ("", "image"),
        ("   ", "image"),
        ("CON", "_CON"),
        ("con", "_con"),
        ("Com1", "_Com1"),
        ("LPT9", "_LPT9"),
        ("nul.tar", "_nul.tar"),
        ("COM¹", "_COM¹"),
        ("CONSOLE", "CONSOLE"),
        ("evil\u202egnp.exe", "evil_gnp.exe"),
        ("cafe\u0301", "café"),
        ("lone\ud800surrogate", "lone_surrogate"),
        ("bell\x07\x7f", "bell__"),
    ],
)
def test_sources_are_sanitised(source: str, expected: str) -> None:
    assert _render("{source}", source=source) == expected + ".png"


def test_reserved_result_name_is_escaped() -> None:
    # the template alone makes a device name
    assert _render("aux") == "_aux.png"
    assert _render("{model}", model="") == "image.png"
    assert _render("{model}", model="PRN") == "_PRN.png"


def test_length_is_bounded() -> None:
    name = _render("{source}-{index:0255d}", source="x" * 1000)
    assert name.endswith(".png")
    assert len(name) == MAX_STEM_LENGTH + 4
    wide = _render("{source}", source="界" * 300)
    assert len(wide.encode("utf-8")) <= 204
    assert wide == "界" * 66 + ".png"


def test_truncation_does_not_leave_trailing_dot_or_space() -> None:
    name = _render("{source}", source="a" * 199 + ". tail")
    assert name == "a" * 199 + ".png"


def test_safe_stem_never_empty() -> None:
    assert safe_stem("") == "image"
    assert safe_stem("/") == "_"


@settings(max_examples=400, deadline=None)
@given(
    template=st.one_of(
        st.just(DEFAULT_TEMPLATE),
        st.lists(
            st.one_of(
                st.sampled_from(
                    [
                        "{source}",
                        "{index}",
                        "{index:03d}",
                        "{time}",
                        "{date}",
                        "{model}",
                        "{{",
                        "}}",
                    ]
                ),
                st.text(
                    alphabet=st.characters(exclude_characters="{}"),
                    max_size=30,
                ),
            ),
            max_size=8,
        ).map("".join),
    ),
    source=st.text(max_size=300),
    model=st.text(max_size=60),
    index=st.integers(min_value=-(10**6), max_value=10**9),
    when=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 31)),
    ext=st.sampled_from(["png", "JPG", ".webp", ".Jpeg", "heic"]),
)
def test_render_filename_is_always_safe(
    template: str, source: str, model: str, index: int, when: datetime, ext: str
) -> None:
    name = render_filename(template, source=source, index=index, when=when, ext=ext, model=model)
    _assert_safe(name, "." + ext.lstrip(".").lower())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_template_is_safe_or_value_error(template: str) -> None:
    try:
        name = render_filename(template, source="s", index=1, when=WHEN, ext="png")
    except ValueError as exc:
        assert str(exc)
    else:
        _assert_safe(name, ".png")


# --- save_new_file -------------------------------------------------------------------------------


def test_save_creates_folder_and_writes(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b"
    path = save_new_file(folder, "x.png", b"data")
    assert path == folder / "x.png"
    assert path.read_bytes() == b"data"
    assert sorted(p.name for p in folder.iterdir()) == ["x.png"]  # no temp file left


def test_a_part_file_left_by_a_killed_save_is_removed_by_the_next_save(tmp_path: Path) -> None:
    # A save killed with -9 leaves its hidden part file; one saving right now (another window)
    # is young and stays, and so does anything that is not our own part file.
    abandoned = tmp_path / ".image-variations-k1ll3d.part"
    young = tmp_path / ".image-variations-sav1ng.part"
    theirs = tmp_path / ".someone-else.part"
    for path in (abandoned, young, theirs):
        path.write_bytes(b"half a picture")
    long_ago = time.time() - ABANDONED_PART_AGE - 60
    for path in (abandoned, theirs):
        os.utime(path, (long_ago, long_ago))

    save_new_file(tmp_path, "x.png", b"data")

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([young.name, theirs.name, "x.png"])


def test_save_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(b"old")
    (tmp_path / "x (2).png").write_bytes(b"old2")
    path = save_new_file(tmp_path, "x.png", b"new")
    assert path == tmp_path / "x (3).png"
    assert path.read_bytes() == b"new"
    assert (tmp_path / "x.png").read_bytes() == b"old"
    assert (tmp_path / "x (2).png").read_bytes() == b"old2"


def test_save_numbering_without_extension_and_with_dots(tmp_path: Path) -> None:
    (tmp_path / "noext").write_bytes(b"old")
    assert save_new_file(tmp_path, "noext", b"n").name == "noext (2)"
    (tmp_path / "a.b.png").write_bytes(b"old")
    assert save_new_file(tmp_path, "a.b.png", b"n").name == "a.b (2).png"


def test_save_skips_a_directory_of_that_name(tmp_path: Path) -> None:
    (tmp_path / "x.png").mkdir()
    assert save_new_file(tmp_path, "x.png", b"n").name == "x (2).png"


@pytest.mark.parametrize("bad", ["", ".", "..", "a/b.png", "a\\b.png", "nul\x00.png"])
def test_save_rejects_non_plain_names(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="plain file name"):
        save_new_file(tmp_path, bad, b"x")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("err", [errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS])
def test_save_falls_back_when_links_unsupported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, err: int
) -> None:
    calls: list[str] = []

    def no_link(src: object, dst: object) -> None:
        calls.append(str(dst))
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr("desktop_app.core.naming.os.link", no_link)
    (tmp_path / "x.png").write_bytes(b"old")
    path = save_new_file(tmp_path, "x.png", b"new")
    assert path == tmp_path / "x (2).png"
    assert path.read_bytes() == b"new"
    assert (tmp_path / "x.png").read_bytes() == b"old"
    assert len(calls) == 1  # stopped trying links after the first refusal
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x (2).png", "x.png"]


def test_save_falls_back_without_os_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr("desktop_app.core.naming.os.link")
    path = save_new_file(tmp_path, "x.png", b"new")
    assert path.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.png"]


def test_save_other_link_errors_propagate_and_clean_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_link(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("desktop_app.core.naming.os.link", failing_link)
    with pytest.raises(OSError, match="No space"):
        save_new_file(tmp_path, "x.png", b"new")
    assert list(tmp_path.iterdir()) == []


def test_save_fallback_write_failure_removes_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr("desktop_app.core.naming.os.link")
    real_fsync = os.fsync
    calls = {"n": 0}

    def flaky_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the first is the temp file, the second the target
            raise OSError(errno.EIO, "I/O error")
        real_fsync(fd)

    monkeypatch.setattr("desktop_app.core.naming.os.fsync", flaky_fsync)
    with pytest.raises(OSError, match="I/O"):
        save_new_file(tmp_path, "x.png", b"new")
    assert list(tmp_path.iterdir()) == []


def test_save_gives_up_after_many_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(naming, "_MAX_ATTEMPTS", 3)
    for name in ("x.png", "x (2).png", "x (3).png"):
        (tmp_path / name).write_bytes(b"old")
    with pytest.raises(FileExistsError, match="free file name"):
        save_new_file(tmp_path, "x.png", b"new")
    assert len(list(tmp_path.iterdir())) == 3


def _race(folder: Path, threads: int, filename: str) -> list[Path]:
    barrier = threading.Barrier(threads)
    results: list[Path] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        try:
            barrier.wait()
            path = save_new_file(folder, filename, f"payload-{i}".encode())
            with lock:
                results.append(path)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=30)
    assert errors == []
    return results


def test_concurrent_saves_get_distinct_files(tmp_path: Path) -> None:
    results = _race(tmp_path, 16, "same.png")
    assert len(set(results)) == 16
    contents = sorted(p.read_bytes() for p in results)
    assert contents == sorted(f"payload-{i}".encode() for i in range(16))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in results)


def test_concurrent_saves_without_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr("desktop_app.core.naming.os.link")
    results = _race(tmp_path, 12, "same.png")
    assert len(set(results)) == 12
    assert sorted(p.read_bytes() for p in results) == sorted(
        f"payload-{i}".encode() for i in range(12)
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    existing=st.dictionaries(
        st.sampled_from(["x.png", "x (2).png", "x (3).png", "x (5).png", "y.png"]),
        st.binary(max_size=20),
        max_size=5,
    ),
    payloads=st.lists(st.binary(max_size=50), min_size=1, max_size=6),
    threads=st.booleans(),
)
def test_save_never_overwrites_property(
    tmp_path_factory: pytest.TempPathFactory,
    existing: dict[str, bytes],
    payloads: list[bytes],
    threads: bool,
) -> None:
    folder = tmp_path_factory.mktemp("save")
    for name, content in existing.items():
        (folder / name).write_bytes(content)
    paths: list[Path] = []
    if threads:
        lock = threading.Lock()

        def worker(data: bytes) -> None:
            path = save_new_file(folder, "x.png", data)
            with lock:
                paths.append(path)

        workers = [threading.Thread(target=worker, args=(p,)) for p in payloads]
        for t in workers:
            t.start()
        for t in workers:
            t.join(timeout=30)
        assert len(paths) == len(payloads)
        assert sorted(p.read_bytes() for p in paths) == sorted(payloads)
    else:
        for data in payloads:
            path = save_new_file(folder, "x.png", data)
            assert path.read_bytes() == data
            paths.append(path)
    assert len(set(paths)) == len(payloads)
    for name, content in existing.items():
        assert (folder / name).read_bytes() == content
        assert folder / name not in paths
    assert {p.name for p in folder.iterdir()} == set(existing) | {p.name for p in paths}


def test_saved_files_get_the_usual_permissions_not_the_temp_files(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        saved = save_new_file(tmp_path, "a.png", b"data")
    finally:
        os.umask(previous)
    if os.name == "posix":
        assert saved.stat().st_mode & 0o777 == 0o644
