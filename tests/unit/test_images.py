from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from service.errors import InvalidRequest
from service.images import fit_size, mask_from_layer, to_rgb


def test_transparent_upload_is_flattened_onto_white():
    image = Image.new("RGBA", (8, 8), (255, 0, 0, 0))
    assert to_rgb(image).getpixel((0, 0)) == (255, 255, 255)


def test_editor_layer_mask_is_where_alpha_is_positive():
    layer = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    layer.putpixel((1, 2), (0, 0, 0, 1))  # black but painted
    mask = np.asarray(mask_from_layer(layer))
    assert mask[2, 1] == 255 and mask.sum() == 255


def test_plain_mask_is_where_it_is_not_black():
    plain = Image.new("L", (4, 4), 0)
    plain.putpixel((3, 0), 200)
    assert np.asarray(mask_from_layer(plain))[0, 3] == 255


@pytest.mark.parametrize(
    ("size", "expected"),
    [((256, 256), (256, 256)), ((250, 130), (248, 128)), ((4000, 2000), (1024, 512))],
)
def test_fit_size_keeps_shape_within_bounds_in_multiples_of_eight(size, expected):
    assert fit_size(*size, min_side=64, max_side=1024) == expected


def test_fit_size_refuses_images_that_would_be_too_small():
    with pytest.raises(InvalidRequest):
        fit_size(4000, 100, min_side=64, max_side=1024)
