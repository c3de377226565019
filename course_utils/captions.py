"""Captions under images that are written to files: labels and the random-weights note.

A figure says in its title when VGG19 had random weights (`plotting`); an
image file has no title, so `images.save_image` and `images.save_gif` add a
strip below the picture instead, never over it. The note is also written
into the file's metadata, where a program can read it back (`note_in`).
"""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

RANDOM_WEIGHTS_NOTE = "VGG19 with random weights: not a style transfer result"
"""What every figure and image file made with random weights says."""

NOTE_COLOUR = (200, 0, 0)

FONT_PIXELS = (10, 16)
"""Smallest and largest caption font height, in pixels (about 1/20 of the width)."""


MIN_WIDTH = 192
"""Narrowest caption strip, in pixels: a narrower picture sits on a wider white
card, so that the note stays legible (the picture itself is never resampled)."""


def captioned(
    picture: Image.Image, label: str = "", note: str | None = None, lines: int = 0
):
    """`picture` with a white strip below it: `label` in black, `note` in red.

    Each is wrapped to the strip's width, breaking at " · " first. Without a
    label or a note, the picture is returned as it is.

    Args:
        picture: an RGB PIL image, (W, H).
        label: e.g. "stage 2 of 3 · iteration 15 of 15".
        note: e.g. RANDOM_WEIGHTS_NOTE.
        lines: make the strip at least this many lines high (the frames of a
            GIF must all have one size: see `caption_lines`).
    """
    width = max(picture.width, MIN_WIDTH)
    text = [(line, (0, 0, 0)) for line in _wrap(label, width)]
    text += [(line, NOTE_COLOUR) for line in _wrap(note or "", width)]
    if not text:
        return picture
    font = _font(_font_pixels(width))
    line_height = round(font.size * 1.25)
    pad = max(2, font.size // 4)
    strip = 2 * pad + line_height * max(len(text), lines)
    out = Image.new("RGB", (width, picture.height + strip), "white")
    out.paste(picture, ((width - picture.width) // 2, 0))
    draw = ImageDraw.Draw(out)
    for k, (line, colour) in enumerate(text):
        draw.text((pad, picture.height + pad + k * line_height), line, colour, font)
    return out


def caption_lines(width: int, label: str = "", note: str | None = None) -> int:
    """How many lines `captioned` writes under a picture `width` pixels wide."""
    width = max(width, MIN_WIDTH)
    return len(_wrap(label, width)) + len(_wrap(note or "", width))


def note_in(path) -> str | None:
    """The note a PNG or GIF written by `images` carries in its metadata, or None."""
    with Image.open(Path(path)) as image:
        info = image.info
    note = info.get("Description") or info.get("comment")
    return note.decode() if isinstance(note, bytes) else note


def _wrap(text: str, width: int) -> list[str]:
    """Lines of `text` that fit `width` pixels: whole " · " parts where they
    fit, words where they do not."""
    font = _font(_font_pixels(width))
    room = width - 2 * max(2, font.size // 4)
    lines = []
    for part in filter(None, text.split(" · ")):
        joined = f"{lines[-1]} · {part}" if lines else ""
        if lines and font.getlength(joined) <= room:
            lines[-1] = joined
        else:
            lines += _wrap_words(part, font, room)
    return lines


def _wrap_words(text: str, font, room: float) -> list[str]:
    for chars in range(len(text), 0, -1):  # the widest wrap that fits
        lines = textwrap.wrap(text, chars, break_long_words=True)
        if all(font.getlength(line) <= room for line in lines):
            return lines
    return list(text)


def _font_pixels(width: int) -> int:
    low, high = FONT_PIXELS
    return int(np.clip(width // 20, low, high))


@functools.lru_cache(maxsize=8)
def _font(pixels: int):
    """DejaVu Sans, which every matplotlib installation ships, at `pixels` high."""
    import matplotlib  # only for the font's location

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return ImageFont.truetype(str(path), pixels)
