"""A judge for the shapes world: which shapes of which colours an image shows.

Pure numpy and PIL, so it can score the generator without another model. The
background is the median border colour; objects are connected regions that differ
from it, split by colour where two objects of different colours touch; each object's
colour is the nearest palette colour and its shape is the world template (drawn by
`training.world`) it overlaps best after both are scaled to their bounding boxes, among
the shapes its outline allows: a region that fills too little of its convex hull is no
circle, square or triangle.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

from training.world import OBJECTS, PALETTE, UNSAFE_SYMBOL, WorldObject, object_mask

ANALYSIS_SIZE = 128  # judge at half resolution: faster, and edge noise matters less
TEMPLATE_SIZE = 32
FOREGROUND_DISTANCE = 50.0  # RGB distance from the background that makes a pixel foreground
MIN_AREA_FRACTION = 0.004  # smaller regions are edge noise, not objects
MIN_TEMPLATE_IOU = 0.55
# Circles, squares and triangles are convex: drawn soft or blurred, they still fill nearly
# all of their convex hull (rendered ones at least 0.9 at any blur; generated ones read as
# such down to 0.87). A star fills about 0.6 of its hull, and a generated star with blunt
# points and shallow notches 0.75-0.85, which the thin world template matched worse than a
# circle's. Below this share a region is read among the other shapes only.
MIN_CONVEX_SOLIDITY = 0.85
CONVEX_SHAPES = ("circle", "square", "triangle")
# A region at least this much of each of two palette colours is two objects touching (an
# inpainted object beside the one that was there), not one object with a blurred rim.
TOUCHING_COLOUR_SHARE = 0.25

_NAMES = list(PALETTE)
_COLOURS = np.array([PALETTE[name] for name in _NAMES], dtype=np.float32)


@dataclass(frozen=True)
class Detection:
    """One object the judge found; `box` is (left, top, right, bottom) in [0, 1]."""

    shape: str
    colour: str
    iou: float
    area: float
    box: tuple[float, float, float, float]

    @property
    def centre(self) -> tuple[float, float]:
        left, top, right, bottom = self.box
        return ((left + right) / 2, (top + bottom) / 2)


@dataclass(frozen=True)
class Reading:
    """What the judge sees in one image."""

    background: str
    objects: tuple[Detection, ...]

    def shows(self, shape: str, colour: str | None = None) -> bool:
        return any(
            obj.shape == shape and (colour is None or obj.colour == colour) for obj in self.objects
        )


def nearest_colour(rgb: np.ndarray) -> str:
    return _NAMES[int(np.argmin(((_COLOURS - rgb) ** 2).sum(axis=1)))]


def pixels(image: Image.Image, size: int = ANALYSIS_SIZE) -> np.ndarray:
    rgb = image.convert("RGB").resize((size, size), Image.Resampling.BOX)
    return np.asarray(rgb, dtype=np.float32)


def nearest_labels(array: np.ndarray) -> np.ndarray:
    """Index of the nearest palette colour for every pixel of an analysis-size array."""
    distances = ((array[:, :, None, :] - _COLOURS[None, None]) ** 2).sum(axis=3)
    return distances.argmin(axis=2)


def palette_labels(image: Image.Image) -> np.ndarray:
    """Index of the nearest palette colour for every pixel, at analysis size."""
    return nearest_labels(pixels(image))


def colour_share(image: Image.Image, colour: str) -> float:
    """Fraction of the image whose nearest palette colour is `colour`."""
    return float((palette_labels(image) == _NAMES.index(colour)).mean())


def background_rgb(array: np.ndarray) -> np.ndarray:
    border = np.concatenate([array[0], array[-1], array[:, 0], array[:, -1]])
    return np.median(border, axis=0)


def differs_from_background(array: np.ndarray) -> np.ndarray:
    """Boolean mask of the pixels of an analysis-size array that differ clearly from its
    background colour."""
    distance = np.sqrt(((array - background_rgb(array)) ** 2).sum(axis=2))
    return distance > FOREGROUND_DISTANCE


def foreground_mask(image: Image.Image) -> np.ndarray:
    """Boolean mask of pixels that differ clearly from the background colour."""
    return differs_from_background(pixels(image))


def components(mask: np.ndarray) -> list[np.ndarray]:
    """4-connected regions of a boolean mask, each as an (N, 2) array of (row, col)."""
    seen = np.zeros_like(mask, dtype=bool)
    height, width = mask.shape
    regions = []
    for start in zip(*np.nonzero(mask), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        queue, region = deque([start]), []
        while queue:
            r, c = queue.popleft()
            region.append((r, c))
            for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if 0 <= nr < height and 0 <= nc < width and mask[nr, nc] and not seen[nr, nc]:
                    seen[nr, nc] = True
                    queue.append((nr, nc))
        regions.append(np.array(region))
    return regions


def normalised(mask: np.ndarray) -> np.ndarray:
    """Crop a mask to its bounding box and scale it to the template size."""
    rows, cols = np.nonzero(mask)
    crop = mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    scaled = Image.fromarray(crop.astype(np.uint8) * 255).resize(
        (TEMPLATE_SIZE, TEMPLATE_SIZE), Image.Resampling.BILINEAR
    )
    return np.asarray(scaled) >= 128


@cache
def templates() -> dict[str, np.ndarray]:
    """Each world object's silhouette, scaled to its bounding box."""
    result = {}
    for shape in OBJECTS:
        obj = WorldObject(shape, "white", "large", "center", 0.5, 0.5, 0.3)
        result[shape] = normalised(np.asarray(object_mask(obj)) > 0)
    return result


def solidity(mask: np.ndarray) -> float:
    """The share of its convex hull that a region fills, counting whole pixels.

    The hull of a region is the hull of each row's outermost pixel corners, which keeps
    Andrew's monotone chain to a few hundred points.
    """
    rows = np.nonzero(mask.any(axis=1))[0]
    left = np.array([np.argmax(mask[r]) for r in rows])
    right = np.array([mask.shape[1] - np.argmax(mask[r][::-1]) for r in rows])
    corners = sorted(
        {
            (float(x), float(y))
            for r, a, b in zip(rows, left, right, strict=True)
            for x in (a, b)
            for y in (r, r + 1)
        }
    )

    def chain(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        hull: list[tuple[float, float]] = []
        for x, y in points:
            while len(hull) >= 2:
                (x1, y1), (x2, y2) = hull[-2], hull[-1]
                if (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1) > 0:
                    break
                hull.pop()
            hull.append((x, y))
        return hull[:-1]

    hull = chain(corners) + chain(corners[::-1])
    xs, ys = np.array(hull).T
    area = 0.5 * abs(float(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1))))
    return float(mask.sum()) / area


def classify(mask: np.ndarray) -> tuple[str, float]:
    """Best-matching world shape for a region, and its IoU with that template."""
    region = normalised(mask)
    convex = solidity(mask) >= MIN_CONVEX_SOLIDITY
    scores = {
        shape: float((region & template).sum() / max(1, (region | template).sum()))
        for shape, template in templates().items()
        if convex or shape not in CONVEX_SHAPES
    }
    shape = max(scores, key=scores.get)
    return shape, scores[shape]


def colour_parts(region: np.ndarray, labels: np.ndarray) -> list[np.ndarray]:
    """The connected parts of each palette colour that makes up at least
    `TOUCHING_COLOUR_SHARE` of a region (none if only one colour does)."""
    rows, cols = region[:, 0], region[:, 1]
    colours, counts = np.unique(labels[rows, cols], return_counts=True)
    major = colours[counts >= TOUCHING_COLOUR_SHARE * len(region)]
    if len(major) < 2:
        return []
    parts = []
    for colour in major:
        part = np.zeros(labels.shape, dtype=bool)
        keep = labels[rows, cols] == colour
        part[rows[keep], cols[keep]] = True
        parts.extend(components(part))
    return parts


def detect(region: np.ndarray, array: np.ndarray) -> Detection | None:
    """The object a region shows, or None if it is too small or matches no world shape."""
    size = array.shape[0]
    if len(region) < MIN_AREA_FRACTION * size * size:
        return None
    rows, cols = region[:, 0], region[:, 1]
    region_mask = np.zeros(array.shape[:2], dtype=bool)
    region_mask[rows, cols] = True
    shape, iou = classify(region_mask)
    if iou < MIN_TEMPLATE_IOU:
        return None
    colour = nearest_colour(np.median(array[rows, cols], axis=0))
    box = (cols.min() / size, rows.min() / size, (cols.max() + 1) / size, (rows.max() + 1) / size)
    return Detection(shape, colour, iou, len(region) / size**2, box)


def read(image: Image.Image) -> Reading:
    """Find the background colour and every object in an image.

    A region that is two objects of different colours touching reads as each of them. A
    region counts as that only if at least two of its colour parts are objects by
    themselves (the blended rims inside a small, blurred skull, ink fading into its eye
    holes, are another palette colour too, but no shape), and if it does not read as the
    symbol as a whole: the generator often fills a skull's holes with a dark colour, and
    the bones and the dark part would each pass for a shape.
    """
    array = pixels(image)
    labels = nearest_labels(array)
    objects = []
    for region in components(differs_from_background(array)):
        parts = [detect(part, array) for part in colour_parts(region, labels)]
        parts = [part for part in parts if part is not None]
        whole = detect(region, array)
        if len(parts) >= 2 and not (whole and whole.shape == UNSAFE_SYMBOL):
            objects.extend(parts)
        elif whole:
            objects.append(whole)
    objects.sort(key=lambda obj: -obj.area)
    return Reading(nearest_colour(background_rgb(array)), tuple(objects))
