"""A photo's preview decoded straight into a buffer that a window shows without copying it.

The window frames a big JPEG on a preview the decoder makes at 1/2..1/8 scale (a 12 MP photo:
2000 x 1500). Decoded by Pillow, those pixels were an image of Pillow's own (12 MB) that the
window copied into a QImage of three bytes a pixel (9 MB); and Qt's smooth scaling for the
screen converts such a QImage whole before scaling it (+21 MB for a moment). The upload was
then made by decoding the file a second time (another 12 MB canvas).

Decoded into rows of RGBX in a bytearray instead, the pixels exist once: Qt wraps the bytearray
as an RGBX8888 QImage (PySide keeps a reference to it) and scales it as it is; the upload's
resize reads the same rows (``SourceImage.render``) instead of decoding the file again. Only for
a plain RGB JPEG, upright as stored and without a colour profile, whose preview is the decoder's
own output: there these pixels are exactly what a decode would give, and the upload made from
them is the one made by decoding the picture whole and resizing it (measured: the same bytes for
square uploads, at most one level apart elsewhere, where Pillow rounds a band's edges).
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageFile


@dataclass(frozen=True, eq=False)
class DecodedPixels:
    """RGBX rows, four bytes a pixel, no padding: ``buffer`` holds ``height`` rows of
    ``stride`` bytes. ``scale``: the JPEG decoder's, each side 1/scale of the stored one."""

    buffer: bytearray
    width: int
    height: int
    scale: int

    @property
    def stride(self) -> int:
        return 4 * self.width

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    def image(self) -> Image.Image:
        """The pixels as a Pillow RGBX image on the same memory (to read, never to write)."""
        return Image.frombuffer("RGBX", self.size, self.buffer, "raw", "RGBX", 0, 1)


def plain_rgb_jpeg(image: ImageFile.ImageFile) -> bool:
    """Whether the opened (drafted or not) picture is a JPEG that Pillow decodes as one RGB
    tile: what both decoding into a buffer and shrinking while decoding need."""
    if image.format not in ("JPEG", "MPO") or len(image.tile) != 1 or image.mode != "RGB":
        return False
    tile = image.tile[0]
    rawmode = tile.args[0] if isinstance(tile.args, tuple) else tile.args
    return tile.codec_name == "jpeg" and rawmode == "RGB" and tile.extents == (0, 0, *image.size)


def decode_into_buffer(data: bytes, image: ImageFile.ImageFile, scale: int) -> DecodedPixels:
    """The drafted, not yet loaded plain RGB JPEG ``image`` (opened from ``data``, see
    ``plain_rgb_jpeg``) decoded into a new buffer. Decoding errors raise OSError, as Pillow's
    own loading does."""
    width, height = image.size
    pixels = DecodedPixels(bytearray(4 * width * height), width, height, scale)
    tile = image.tile[0]
    # The decoder writes RGB as RGBX rows, with 255 in every X: Qt's RGBX8888 exactly.
    decoder = Image._getdecoder("RGBX", "jpeg", tile.args, image.decoderconfig)
    canvas = pixels.image()
    try:
        decoder.setimage(canvas.im, tile.extents)
        rest = memoryview(data)[tile.offset :]
        while True:
            consumed, error = decoder.decode(rest)
            if consumed < 0:  # done
                if error < 0:
                    raise OSError(f"decoder error {error}")
                return pixels
            if consumed == 0:  # it was given all there is and wants more
                raise OSError("image file is truncated")
            rest = rest[consumed:]
    finally:
        decoder.cleanup()
