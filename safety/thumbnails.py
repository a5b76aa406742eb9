"""The only image SafeCanvas keeps: a small, heavily blurred thumbnail for moderators."""

from __future__ import annotations

import io

from PIL import Image, ImageFilter

THUMBNAIL_SIDE = 128
BLUR_RADIUS = 6


def blurred_thumbnail(image: Image.Image) -> bytes:
    """Enough for a moderator to see what was withheld, not enough to reuse it."""
    thumbnail = image.convert("RGB")
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    buffer = io.BytesIO()
    thumbnail.filter(ImageFilter.GaussianBlur(BLUR_RADIUS)).save(buffer, format="PNG")
    return buffer.getvalue()
