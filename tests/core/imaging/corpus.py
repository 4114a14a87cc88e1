"""Pictures made at test time: awkward inputs for the loader and photo-like scenes.

Nothing here is committed as a binary: everything is drawn with Pillow at run time, so the
repository stays small. Layout is seeded; noise textures come from Pillow's own generator,
so two runs differ in grain but not in character.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter

RED = (230, 20, 30)
GREEN = (20, 200, 40)
BLUE = (20, 40, 220)
WHITE = (255, 255, 255)


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def exif_bytes(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


# --------------------------------------------------------------------------- photo-like


def photo_like(width: int, height: int, seed: int = 1, style: str = "scene") -> Image.Image:
    """A picture with the statistics of a photo: soft large shapes, texture, edges, noise.

    Built at quarter resolution (structure is soft anyway), enlarged, then given
    full-resolution fine texture and sensor-like noise, so a 24 MP frame takes a second or
    two. Styles: "scene" (colourful objects on landscape), "muted" (low saturation,
    overcast), "smooth" (portrait-like gradients, little texture), "foliage" (dense detail).
    """
    rnd = random.Random(seed)
    small_w, small_h = max(8, width // 4), max(8, height // 4)
    saturation = {"scene": 1.0, "muted": 0.35, "smooth": 0.6, "foliage": 0.8}[style]
    texture_amount = {"scene": 0.35, "muted": 0.3, "smooth": 0.12, "foliage": 0.6}[style]
    noise_sigma = {"scene": 4.0, "muted": 3.0, "smooth": 2.0, "foliage": 5.0}[style]

    # Sky-to-ground lighting: two colours blended by a vertical gradient.
    top = _colour(rnd, saturation, light=0.75)
    bottom = _colour(rnd, saturation, light=0.35)
    grad = Image.linear_gradient("L").resize((small_w, small_h))
    base = Image.composite(
        Image.new("RGB", (small_w, small_h), bottom),
        Image.new("RGB", (small_w, small_h), top),
        grad,
    )
    # Large-scale variation (clouds, hills): smooth noise at a few octaves.
    for octave, amount in ((4, 0.25), (16, 0.2), (64, texture_amount)):
        layer = _smooth_noise((small_w, small_h), octave, saturation)
        base = Image.blend(base, layer, amount / 2)
    draw = ImageDraw.Draw(base)
    shapes = {"scene": 14, "muted": 10, "smooth": 3, "foliage": 40}[style]
    for _ in range(shapes):
        cx, cy = rnd.randrange(small_w), rnd.randrange(small_h)
        r = rnd.randrange(max(2, small_w // 40), max(3, small_w // 7))
        fill = _colour(rnd, saturation, light=rnd.uniform(0.2, 0.9))
        if rnd.random() < 0.5:
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
        else:
            points = [(cx + rnd.randint(-r, r), cy + rnd.randint(-r, r)) for _ in range(5)]
            draw.polygon(points, fill=fill)
    # Shading across objects so flat fills become gentle gradients, as lit surfaces are.
    shade = _smooth_noise((small_w, small_h), 8, 0.0).convert("L")
    shade = shade.point(lambda v: 150 + v // 3)
    base = ImageChops.multiply(base, Image.merge("RGB", (shade, shade, shade)))
    base = base.point(lambda v: v * 1.3)  # the multiply darkened by ~0.6-0.9: lift it back
    base = base.filter(ImageFilter.GaussianBlur(0.7))

    picture = base.resize((width, height), Image.Resampling.BICUBIC)
    # Fine detail at full resolution: thin lines (branches, wires, text-like edges)...
    draw = ImageDraw.Draw(picture)
    lines = {"scene": 60, "muted": 40, "smooth": 6, "foliage": 400}[style]
    for _ in range(lines):
        x, y = rnd.randrange(width), rnd.randrange(height)
        length = rnd.randrange(max(2, width // 50), max(3, width // 8))
        dx, dy = rnd.randint(-length, length), rnd.randint(-length, length)
        colour = _colour(rnd, saturation, light=rnd.uniform(0.1, 0.9))
        draw.line((x, y, x + dx, y + dy), fill=colour, width=rnd.randint(1, max(1, width // 800)))
    # ...grain-sized texture, and sensor noise.
    grain = Image.effect_noise((max(1, width // 2), max(1, height // 2)), 40 * texture_amount)
    grain = grain.resize((width, height), Image.Resampling.BILINEAR)
    noise = Image.effect_noise((width, height), noise_sigma)
    detail = ImageChops.add(grain, noise, scale=1.0, offset=-128)
    picture = ImageChops.add(picture, Image.merge("RGB", (detail, detail, detail)), offset=-128)
    return picture


def _colour(rnd: random.Random, saturation: float, light: float) -> tuple[int, int, int]:
    grey = light * 255
    return tuple(  # type: ignore[return-value]
        max(0, min(255, round(grey + saturation * rnd.uniform(-110, 110)))) for _ in range(3)
    )


def _smooth_noise(size: tuple[int, int], cells: int, saturation: float) -> Image.Image:
    width, height = size
    grid = (cells, max(2, cells * height // max(1, width)))
    bands = []
    grey = Image.effect_noise(grid, 50)
    for _ in range(3):
        own = Image.effect_noise(grid, 50)
        bands.append(Image.blend(grey, own, saturation).resize(size, Image.Resampling.BICUBIC))
    return Image.merge("RGB", bands)


# --------------------------------------------------------------------------- test fixtures


def corner_marked(width: int = 60, height: int = 40) -> Image.Image:
    """Asymmetric picture: white, with a red top-left corner and a blue top-right one."""
    image = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 4, height // 4), fill=RED)
    draw.rectangle((width - width // 4, 0, width - 1, height // 4), fill=BLUE)
    return image


def stored_for_orientation(upright: Image.Image, orientation: int) -> Image.Image:
    """The stored pixels a camera would write so that ``orientation`` shows ``upright``."""
    inverse: dict[int, Callable[[Image.Image], Image.Image]] = {
        1: lambda im: im,
        2: lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        3: lambda im: im.transpose(Image.Transpose.ROTATE_180),
        4: lambda im: im.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
        5: lambda im: im.transpose(Image.Transpose.TRANSPOSE),
        6: lambda im: im.transpose(Image.Transpose.ROTATE_90),
        7: lambda im: im.transpose(Image.Transpose.TRANSVERSE),
        8: lambda im: im.transpose(Image.Transpose.ROTATE_270),
    }
    return inverse[orientation](upright)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny but structurally valid PNG whose header claims width x height (a 'bomb')."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    # A few rows of zeros, compressed; decoding the rest would need gigabytes.
    idat = zlib.compress(b"\x00" * (width + 1) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def png_padded(data: bytes, extra: int) -> bytes:
    """``data`` (a PNG) with a private ancillary chunk of ``extra`` bytes before IEND."""
    payload = bytes(extra)
    body = b"prIv" + payload
    chunk = struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))
    end = data.rindex(b"IEND") - 4
    return data[:end] + chunk + data[end:]


def png_rgb16(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A 48-bit (16 bits per channel) RGB PNG of one colour: Pillow can read but not write it."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + struct.pack(">HHH", *rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def bmp_bgra(width: int, height: int, bgra: tuple[int, int, int, int]) -> bytes:
    """A 32-bit BITFIELDS BMP with an alpha mask (V4 header), as Windows tools write."""
    pixels = bytes(bgra) * width * height
    header_size = 108
    offset = 14 + header_size
    dib = struct.pack(
        "<IiiHHIIiiII", header_size, width, height, 1, 32, 3, len(pixels), 2835, 2835, 0, 0
    )
    dib += struct.pack("<IIII", 0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000)
    dib += b"BGRs" + bytes(36) + bytes(12)  # colour space, endpoints, gamma
    assert len(dib) == header_size
    file_header = b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset)
    return file_header + dib + pixels


def display_p3_profile() -> bytes:
    """A Display-P3-like profile: P3 primaries, D65 white, gamma 2.2 (close to its curve)."""
    return rgb_icc_profile("Display P3 (test)", ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060)))


def adobe_rgb_profile() -> bytes:
    """An Adobe RGB (1998)-like profile: wide green primary, D65 white, gamma 563/256."""
    return rgb_icc_profile(
        "Adobe RGB compatible (test)",
        ((0.640, 0.330), (0.210, 0.710), (0.150, 0.060)),
        gamma=563 / 256,
    )


def rgb_icc_profile(
    description: str,
    primaries: tuple[tuple[float, float], tuple[float, float], tuple[float, float]],
    white: tuple[float, float] = (0.3127, 0.3290),
    gamma: float = 2.2,
) -> bytes:
    """A minimal ICC v2 matrix/TRC display profile (ImageCms can only build sRGB/LAB/XYZ)."""
    matrix = _bradford_to_d50(_rgb_to_xyz(primaries, white), white)
    d50 = (0.9642, 1.0, 0.8249)

    def xyz(values: tuple[float, float, float]) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in values)

    ascii_text = description.encode("ascii") + b"\0"
    desc = (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + b"\0" * 8
        + b"\0\0\0"
        + b"\0" * 67
    )
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    tags: list[tuple[bytes, bytes]] = [
        (b"desc", desc),
        (b"wtpt", xyz(d50)),
        (b"rXYZ", xyz((matrix[0][0], matrix[1][0], matrix[2][0]))),
        (b"gXYZ", xyz((matrix[0][1], matrix[1][1], matrix[2][1]))),
        (b"bXYZ", xyz((matrix[0][2], matrix[1][2], matrix[2][2]))),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\0\0\0\0No copyright, test data\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, payload in tags:
        padded = payload + b"\0" * (-len(payload) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(payload))
        body += padded
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + b"".join(struct.pack(">i", round(v * 65536)) for v in d50)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


Matrix = tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]


def _rgb_to_xyz(primaries: tuple[tuple[float, float], ...], white: tuple[float, float]) -> Matrix:
    columns = [(x / y, 1.0, (1 - x - y) / y) for x, y in primaries]
    wx, wy = white
    target = (wx / wy, 1.0, (1 - wx - wy) / wy)
    m = [[columns[c][r] for c in range(3)] for r in range(3)]
    scales = _solve(m, target)
    return tuple(  # type: ignore[return-value]
        tuple(m[r][c] * scales[c] for c in range(3)) for r in range(3)
    )


def _bradford_to_d50(matrix: Matrix, white: tuple[float, float]) -> Matrix:
    bradford = ((0.8951, 0.2664, -0.1614), (-0.7502, 1.7135, 0.0367), (0.0389, -0.0685, 1.0296))
    wx, wy = white
    source = (wx / wy, 1.0, (1 - wx - wy) / wy)
    d50 = (0.9642, 1.0, 0.8249)
    cone_src = _mul_vec(bradford, source)
    cone_dst = _mul_vec(bradford, d50)
    diag = tuple(cone_dst[i] / cone_src[i] for i in range(3))
    inverse = _inverse(bradford)
    scaled = tuple(tuple(bradford[r][c] * diag[r] for c in range(3)) for r in range(3))
    adapt = _mul(inverse, scaled)  # type: ignore[arg-type]
    return _mul(adapt, matrix)


def _mul(a: Matrix, b: Matrix) -> Matrix:
    return tuple(  # type: ignore[return-value]
        tuple(sum(a[r][k] * b[k][c] for k in range(3)) for c in range(3)) for r in range(3)
    )


def _mul_vec(a: Matrix, v: tuple[float, float, float]) -> tuple[float, float, float]:
    return tuple(sum(a[r][k] * v[k] for k in range(3)) for r in range(3))  # type: ignore[return-value]


def _solve(m: list[list[float]], v: tuple[float, float, float]) -> tuple[float, float, float]:
    inverse = _inverse(tuple(tuple(row) for row in m))  # type: ignore[arg-type]
    return _mul_vec(inverse, v)


def _inverse(m: Matrix) -> Matrix:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return (
        ((e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det),
        ((f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det),
        ((d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det),
    )
