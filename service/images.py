"""Turning uploads into images the engine can use, and refusing the ones it cannot.

Every function here either returns a clean RGB / "L" image or raises `InvalidRequest` with a
sentence a person can act on. Sizes are checked from the header before pixels are decoded,
so a decompression bomb costs nothing.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from service.errors import InvalidRequest

ImageSource = str | Path | bytes | Image.Image


def open_upload(source: ImageSource, max_pixels: int, what: str = "image") -> Image.Image:
    """Decode an uploaded file, refusing non-images and anything over `max_pixels`."""
    if isinstance(source, Image.Image):
        _check_pixels(source.size, max_pixels, what)
        return source
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream)
    except (UnidentifiedImageError, OSError, ValueError):
        raise InvalidRequest(
            f"The {what} could not be read as a picture. Upload a PNG, JPEG or WebP file."
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidRequest(f"The {what} is too large to open.") from None
    _check_pixels(image.size, max_pixels, what)  # from the header, before any pixel is decoded
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise InvalidRequest(
            f"The {what} file is damaged or not a picture ({type(error).__name__})."
        ) from None
    return ImageOps.exif_transpose(image)


def _check_pixels(size: tuple[int, int], max_pixels: int, what: str) -> None:
    width, height = size
    if width * height > max_pixels:
        raise InvalidRequest(
            f"The {what} is {width}×{height} pixels; the limit is {max_pixels:,} pixels "
            "in all. Scale it down and try again."
        )


def to_rgb(image: Image.Image) -> Image.Image:
    """Flatten transparency onto white, as a person looking at the upload would see it."""
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def mask_from_layer(layer: Image.Image) -> Image.Image:
    """Painted pixels of an editor layer (alpha > 0) or of a plain mask (non-black), as 0/255."""
    if layer.mode in ("RGBA", "LA", "PA") or "transparency" in layer.info:
        painted = np.asarray(layer.convert("RGBA"))[..., 3] > 0
    else:
        painted = np.asarray(layer.convert("L")) > 0
    return Image.fromarray(painted.astype(np.uint8) * 255, mode="L")


def fit_size(width: int, height: int, min_side: int, max_side: int) -> tuple[int, int]:
    """The nearest size the model can work at: sides within bounds, multiples of 8, same shape."""
    scale = min(1.0, max_side / max(width, height))
    fitted = (max(8, int(width * scale) // 8 * 8), max(8, int(height * scale) // 8 * 8))
    if min(fitted) < min_side:
        raise InvalidRequest(
            f"The image is {width}×{height} pixels; each side must be at least {min_side}."
        )
    return fitted
