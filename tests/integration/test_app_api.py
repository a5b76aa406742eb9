"""The app on loopback answers each mode through gradio_client, with parameters in each PNG."""

from __future__ import annotations

import io

import pytest
from gradio_client import Client, handle_file
from PIL import Image

from generation.defaults import read_sampler_defaults
from generation.metadata import read_parameters
from safety.store import ReviewStatus
from settings import BUNDLED_MODEL_DIR
from tests.conftest import MODERATOR, MODERATOR_PASSWORD

pytestmark = pytest.mark.integration

SETTINGS = dict(negative_prompt="blue", seed=21, steps=12, guidance_scale=6.0, scheduler="Euler a")


@pytest.fixture(scope="module")
def client(app_url) -> Client:
    client = Client(app_url, verbose=False)
    assert client.predict(True, True, api_name="/accept_terms") == "accepted"
    return client


def test_api_generation_is_refused_until_the_terms_are_accepted(app_url):
    newcomer = Client(app_url, verbose=False)
    with pytest.raises(Exception, match="Accept the terms"):
        newcomer.predict(*common("a red circle"), 256, 256, api_name="/txt2img")
    with pytest.raises(Exception, match="or older"):
        newcomer.predict(True, False, api_name="/accept_terms")
    newcomer.predict(True, True, api_name="/accept_terms")
    gallery, *_ = newcomer.predict(*common("a red circle"), 256, 256, api_name="/txt2img")
    assert len(gallery) == 2


@pytest.fixture(scope="module")
def start_png(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("uploads") / "start.png"
    image = Image.new("RGB", (256, 256), (30, 60, 200))
    image.paste((220, 30, 30), (80, 80, 176, 176))
    image.save(path)
    return str(path)


@pytest.fixture(scope="module")
def mask_png(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("uploads") / "mask.png"
    layer = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    layer.paste((255, 0, 255, 255), (0, 0, 128, 128))
    layer.save(path)
    return str(path)


def common(prompt: str) -> list:
    return [
        prompt,
        SETTINGS["negative_prompt"],
        SETTINGS["seed"],
        SETTINGS["steps"],
        SETTINGS["guidance_scale"],
        SETTINGS["scheduler"],
        2,
    ]


def check_gallery(gallery, mode: str, prompt: str) -> list[Image.Image]:
    images = []
    for index, item in enumerate(gallery):
        with open(item["image"], "rb") as file:
            png = file.read()
        assert png.startswith(b"\x89PNG")
        parameters = read_parameters(png)
        assert parameters["mode"] == mode and parameters["prompt"] == prompt
        assert parameters["seed"] == SETTINGS["seed"] + index
        assert parameters["negative_prompt"] == SETTINGS["negative_prompt"]
        assert parameters["steps"] == SETTINGS["steps"]
        images.append(Image.open(io.BytesIO(png)))
    assert len(images) == 2
    return images


def test_text_to_image_over_the_api(client):
    gallery, seed, notice, reference = client.predict(
        *common("a red circle"), 256, 192, api_name="/txt2img"
    )
    assert seed == SETTINGS["seed"] and notice == "" and reference == ""
    images = check_gallery(gallery, "txt2img", "a red circle")
    assert images[0].size == (256, 192)


def test_image_to_image_over_the_api(client, start_png):
    gallery, _, _, _ = client.predict(
        handle_file(start_png), *common("a green star"), 0.5, api_name="/img2img"
    )
    check_gallery(gallery, "img2img", "a green star")
    assert read_parameters(gallery[0]["image"])["strength"] == 0.5


def test_inpaint_over_the_api(client, start_png, mask_png):
    editor = {
        "background": handle_file(start_png),
        "layers": [handle_file(mask_png)],
        "composite": handle_file(start_png),
    }
    gallery, _, _, _ = client.predict(
        editor, *common("a yellow square"), 1.0, 4, True, api_name="/inpaint"
    )
    images = check_gallery(gallery, "inpaint", "a yellow square")
    # The model folder's recommended mask focus is part of how the image was made.
    assert read_parameters(gallery[0]["image"])["mask_focus"] == 4.0
    original = Image.open(start_png)
    # Far from the painted corner, the original pixels come back exactly.
    assert images[0].getpixel((200, 200)) == original.getpixel((200, 200))


def test_bad_input_gets_a_clear_error_and_the_app_keeps_serving(client, start_png):
    with pytest.raises(Exception, match="multiple of 8"):
        client.predict(*common("a red circle"), 250, 256, api_name="/txt2img")
    with pytest.raises(Exception, match="seed"):
        client.predict("a red circle", "", 2**32, 4, 6.0, "DDIM", 1, 256, 256, api_name="/txt2img")
    editor = {"background": handle_file(start_png), "layers": [], "composite": None}
    with pytest.raises(Exception, match="Paint over"):
        client.predict(editor, *common("x"), 1.0, 4, True, api_name="/inpaint")
    gallery, _, _, _ = client.predict(*common("a red circle"), 256, 256, api_name="/txt2img")
    assert len(gallery) == 2


def test_blocked_prompt_returns_a_notice_and_a_review_can_be_requested(client, service):
    gallery, seed, notice, reference = client.predict(
        *common("a skull and crossbones flag"), 256, 256, api_name="/txt2img"
    )
    assert gallery == [] and seed is None
    assert "Forbidden symbols" in notice and reference in notice
    confirmation = client.predict(
        reference, "It was for a pirate party.", api_name="/request_review"
    )
    assert reference in confirmation
    (item,) = [i for i in service.safety.store.review_queue() if i.reference_id == reference]
    assert item.status.value == "appealed"
    with pytest.raises(Exception, match="unknown"):
        client.predict("0" * 16, "", api_name="/request_review")


def test_every_tab_starts_at_the_bundled_models_recommended_sampler(client):
    recommended = read_sampler_defaults(BUNDLED_MODEL_DIR)
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for endpoint in ("/txt2img", "/img2img", "/inpaint"):
        parameters = api[endpoint]["parameters"]
        defaults = {p["parameter_name"]: p["parameter_default"] for p in parameters}
        assert defaults["steps"] == recommended.steps, endpoint
        assert defaults["guidance_scale"] == recommended.guidance_scale, endpoint
        assert defaults["scheduler"] == recommended.scheduler, endpoint


def test_moderator_endpoints_answer_only_a_moderators_password(client, service):
    """The review tab's handlers are API endpoints too: the password is checked in them."""
    _, _, _, reference = client.predict(
        *common("a skull and crossbones flag"), 256, 256, api_name="/txt2img"
    )
    right = [MODERATOR, MODERATOR_PASSWORD]
    client.predict(*right, "open", api_name="/review_queue")  # clears earlier failures
    for password in ("", "review-tab-test-passwort"):
        with pytest.raises(Exception, match="do not match a moderator"):
            client.predict(MODERATOR, password, "open", api_name="/review_queue")
        with pytest.raises(Exception, match="do not match a moderator"):
            client.predict(MODERATOR, password, reference, "open", api_name="/review_overturned")
    assert service.safety.store.review_item(reference).status == ReviewStatus.PENDING

    queue, _, _, _ = client.predict(*right, "open", api_name="/review_queue")
    assert reference in [row[0] for row in queue["data"]]
    assert "waiting for a moderator" in client.predict(reference, api_name="/review_status")
    client.predict(*right, reference, "open", api_name="/review_overturned")
    assert service.safety.store.review_item(reference).status == ReviewStatus.OVERTURNED
    assert "found the decision wrong" in client.predict(reference, api_name="/review_status")
    with pytest.raises(Exception, match="unknown"):
        client.predict("0" * 16, api_name="/review_status")

    tried = client.predict(*right, "a skull and crossbones flag", "", api_name="/review_try_prompt")
    assert tried.startswith("BLOCK") and "unsafe-symbol" in tried
    with pytest.raises(Exception, match="do not match a moderator"):
        client.predict(MODERATOR, "", "a skull", "", api_name="/review_try_prompt")


def test_a_moderators_ban_stops_the_client_until_it_is_lifted(client):
    _, _, _, reference = client.predict(
        *common("a skull and crossbones flag"), 256, 256, api_name="/txt2img"
    )
    right = [MODERATOR, MODERATOR_PASSWORD]
    client.predict(*right, reference, 1, "testing the ban", api_name="/review_ban")
    try:
        gallery, _, notice, _ = client.predict(
            *common("a red circle"), 256, 256, api_name="/txt2img"
        )
        assert gallery == [] and "suspended" in notice
    finally:
        client.predict(*right, reference, "test over", api_name="/review_unban")
    gallery, *_ = client.predict(*common("a red circle"), 256, 256, api_name="/txt2img")
    assert len(gallery) == 2
