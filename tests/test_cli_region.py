"""`vary --region` and `vary --mask` against the local API server: the mask sent is a PNG of
exactly the upload's size, alpha 0 exactly on the region mapped through the square crop and the
resize, 255 elsewhere; bad masks are refused before paying."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from desktop_app import cli
from tests.cli_helpers import vary
from tests.fake_openai import FakeOpenAI

EDITS = "/v1/images/edits"


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    Image.linear_gradient("L").resize((900, 600)).convert("RGB").save(path, "JPEG")
    return path


def sent_mask(server: FakeOpenAI) -> tuple[Image.Image, Image.Image]:
    """The one edit's picture and mask, decoded as the server received them."""
    (request,) = [r for r in server.requests if r.path == EDITS]
    mask = request.mask
    assert mask is not None and mask.data.startswith(b"\x89PNG\r\n\x1a\n")
    image_part = next(f for f in request.files if f.field != "mask")
    picture = Image.open(io.BytesIO(image_part.data))
    return picture, Image.open(io.BytesIO(mask.data))


def changing_box(mask: Image.Image) -> tuple[int, int, int, int] | None:
    """The bounding box of the alpha-0 pixels, after checking the alpha is two-valued."""
    alpha = mask.convert("RGBA").getchannel("A")
    histogram = alpha.histogram()
    assert histogram[0] + histogram[255] == alpha.width * alpha.height  # nothing in between
    return alpha.point(lambda a: 255 if a == 0 else 0).getbbox()


def test_a_region_is_sent_as_a_mask_of_the_uploads_size_mapped_through_the_crop(
    api_server: FakeOpenAI, env: dict[str, str], photo: Path, tmp_path: Path
) -> None:
    # The centred square of 900 x 600 is x 150..750; the region x 300..450, y 0..300 is at
    # 150..300 x 0..300 in it, and the square is enlarged 600 -> 1024 (factor 1024 / 600).
    code = vary(env, str(photo), "--region", "300,0,150,300", "--out", str(tmp_path / "o"))
    assert code == cli.EXIT_OK
    picture, mask = sent_mask(api_server)
    assert mask.size == picture.size == (1024, 1024)
    assert changing_box(mask) == (256, 0, 512, 512)
    alpha = mask.convert("RGBA").getchannel("A")
    assert alpha.histogram()[0] == 256 * 512  # a rectangle: every pixel inside the box


def test_a_mask_file_marks_the_region_by_alpha_or_by_white(
    api_server: FakeOpenAI, env: dict[str, str], photo: Path, tmp_path: Path
) -> None:
    by_alpha = Image.new("RGBA", (900, 600), (0, 0, 0, 255))
    by_alpha.paste((0, 0, 0, 0), (150, 300, 750, 600))  # the square's lower half may change
    by_white = Image.new("L", (900, 600), 0)
    by_white.paste(255, (150, 300, 750, 600))
    for name, mask_file in (("alpha.png", by_alpha), ("white.png", by_white)):
        api_server.reset()
        path = tmp_path / name
        mask_file.save(path)
        assert vary(env, str(photo), "--mask", str(path), "--out", str(tmp_path / "o")) == 0
        _picture, mask = sent_mask(api_server)
        assert changing_box(mask) == (0, 512, 1024, 1024), name


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--region", "0,0,100,100"], "empty inside the square"),  # left of the centred square
        (["--region", "0,0,900,600"], "covers the whole square"),
        (["--region", "950,0,10,10"], "is not on the picture"),
    ],
)
def test_a_region_that_changes_nothing_or_everything_is_refused_before_paying(
    api_server: FakeOpenAI,
    env: dict[str, str],
    photo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    says: str,
) -> None:
    code = vary(env, str(photo), *arguments, "--out", str(tmp_path / "o"))
    assert code == cli.EXIT_IMAGE_REJECTED
    assert says in capsys.readouterr().err
    assert api_server.count(EDITS) == 0


def test_a_mask_of_another_size_is_refused_before_paying(
    api_server: FakeOpenAI,
    env: dict[str, str],
    photo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "small.png"
    Image.new("RGBA", (300, 200)).save(path)
    assert vary(env, str(photo), "--mask", str(path)) == cli.EXIT_IMAGE_REJECTED
    err = capsys.readouterr().err
    assert "small.png: The mask is 300 × 200 pixels; it must be the picture's size" in err
    assert api_server.count(EDITS) == 0


def test_a_region_in_classic_mode_is_a_usage_error(
    env: dict[str, str], photo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = vary(env, str(photo), "--mode", "classic", "--region", "0,0,10,10")
    assert code == cli.EXIT_USAGE
    assert "--mode edit" in capsys.readouterr().err


def test_a_masked_run_says_so_in_history_json_and_in_the_saved_files(
    api_server: FakeOpenAI,
    env: dict[str, str],
    photo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from desktop_app.core import metadata
    from desktop_app.core.framing_words import framing_words

    out = tmp_path / "out"
    assert vary(env, str(photo), "--region", "300,0,150,300", "--out", str(out)) == cli.EXIT_OK
    capsys.readouterr()
    assert cli.main(["history", "--json", "--limit", "1"]) == cli.EXIT_OK
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    mask = run["parameters"]["mask"]
    assert (mask["width"], mask["height"]) == (1024, 1024)
    assert mask["share"] == round(256 * 512 / 1024**2, 3)
    assert framing_words(run["parameters"]) == "region 12 %"
    (saved,) = out.iterdir()
    story = metadata.read(saved.read_bytes())
    assert json.loads(story["parameters"])["mask"] == mask


def sent_edit(server: FakeOpenAI) -> tuple[str | None, Image.Image, Image.Image | None]:
    """The one edit's requested size, picture and mask (None without one)."""
    (request,) = [r for r in server.requests if r.path == EDITS]
    image_part = next(f for f in request.files if f.field != "mask")
    mask = Image.open(io.BytesIO(request.mask.data)) if request.mask is not None else None
    return request.value("size"), Image.open(io.BytesIO(image_part.data)), mask


def test_a_shape_sends_a_size_the_model_makes_and_an_upload_of_that_ratio(
    api_server: FakeOpenAI,
    env: dict[str, str],
    photo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    out = tmp_path / "out"
    assert vary(env, str(photo), "--shape", "3:2", "--out", str(out)) == cli.EXIT_OK
    size, picture, mask = sent_edit(api_server)
    assert size == "1248x832"  # gpt-image-2.6 takes custom sizes: 3:2 near 1024 x 1024's area
    assert picture.size == (1248, 832) and mask is None
    (saved,) = out.iterdir()
    with Image.open(saved) as kept:
        assert kept.size == (1248, 832)
    capsys.readouterr()
    assert cli.main(["history", "--json", "--limit", "1"]) == cli.EXIT_OK
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    assert run["parameters"]["shape"] == "3:2" and run["parameters"]["size"] == "1248x832"


def test_zoom_out_sends_a_transparent_border_and_the_border_as_the_mask(
    api_server: FakeOpenAI, env: dict[str, str], photo: Path, tmp_path: Path
) -> None:
    code = vary(env, str(photo), "--zoom-out", "2", "--out", str(tmp_path / "o"))
    assert code == cli.EXIT_OK
    _size, picture, mask = sent_edit(api_server)
    assert mask is not None and mask.size == picture.size
    alpha = picture.convert("RGBA").getchannel("A")
    mask_alpha = mask.convert("RGBA").getchannel("A")
    width, height = picture.size
    # The picture is half as large, centred: its border is transparent and is what may change.
    assert alpha.getpixel((2, 2)) == 0 and mask_alpha.getpixel((2, 2)) == 0
    assert alpha.getpixel((width // 2, height // 2)) == 255
    assert mask_alpha.getpixel((width // 2, height // 2)) == 255
    kept = mask_alpha.point(lambda a: 255 if a == 255 else 0).getbbox()
    assert kept == (width // 4, height // 4, width * 3 // 4, height * 3 // 4)


def test_a_shape_or_zoom_out_in_classic_mode_is_a_usage_error(
    env: dict[str, str], photo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert vary(env, str(photo), "--mode", "classic", "--shape", "3:2") == cli.EXIT_USAGE
    assert "square only" in capsys.readouterr().err
    assert vary(env, str(photo), "--mode", "classic", "--zoom-out", "2") == cli.EXIT_USAGE
    assert "zoom out" in capsys.readouterr().err
