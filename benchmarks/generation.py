"""Seconds per image and per step for each mode at two sizes, and the app's round-trip overhead.

Run: `python -m benchmarks.generation [--model PATH] [--steps 20] [--repeats 3]`.
The overhead is the median time of a request through the running app (gradio_client over
loopback: queue, validation, the safety checks, the event record, PNG encoding, file
transfer) minus a direct engine call.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from generation.engine import DiffusersEngine
from generation.job import GenerationJob, Mode
from safety.ratelimit import RateLimits
from settings import BUNDLED_MODEL_DIR, Settings

PROMPT = "a red circle on a blue background"


def timed(function, repeats: int) -> float:
    """Median wall time of `function()` over `repeats` runs, after one warm-up run."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_job(mode: Mode, size: int, steps: int, start: Image.Image | None) -> GenerationJob:
    mask = None
    if mode is Mode.INPAINT:
        mask = Image.new("L", (size, size), 0)
        mask.paste(255, (size // 4, size // 4, 3 * size // 4, 3 * size // 4))
    return GenerationJob(
        mode=mode,
        prompt=PROMPT,
        negative_prompt="",
        seed=0,
        steps=steps,
        guidance_scale=7.0,
        width=size,
        height=size,
        num_images=1,
        scheduler="Euler a",
        strength=1.0,
        init_image=start.resize((size, size)) if start is not None else None,
        mask=mask,
    )


def app_overhead(
    engine: DiffusersEngine, size: int, steps: int, repeats: int
) -> tuple[float, float]:
    from gradio_client import Client

    from app import build_service
    from components.layout import build_app, launch_options

    settings = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="safecanvas-bench-")),
        rate_limits=RateLimits(per_minute=None, per_day=None, block_cooldown_count=None),
    )
    app = build_app(build_service(settings, engine), settings)
    app.launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True, **launch_options())
    try:
        client = Client(app.local_url, verbose=False)
        client.predict(True, True, api_name="/accept_terms")
        through_app = timed(
            lambda: client.predict(
                PROMPT, "", 0, steps, 7.0, "Euler a", 1, size, size, api_name="/txt2img"
            ),
            repeats,
        )
    finally:
        app.close()
    direct = timed(
        lambda: engine.generate(make_job(Mode.TEXT_TO_IMAGE, size, steps, None)), repeats
    )
    return through_app, direct


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(BUNDLED_MODEL_DIR))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs=2, default=None)
    args = parser.parse_args(argv)

    engine = DiffusersEngine.load(args.model, "cpu")
    default = engine.info.default_width
    sizes = args.sizes or (default, default * 2)
    start = engine.generate(make_job(Mode.TEXT_TO_IMAGE, default, args.steps, None))[0]

    print(f"model {engine.info.model_id} on {engine.info.device}, {args.steps} steps, Euler a")
    print(f"{'mode':<9} {'size':>9} {'s/image':>9} {'ms/step':>9}")
    for mode in Mode:
        for size in sizes:
            job = make_job(
                mode, size, args.steps, start if mode is not Mode.TEXT_TO_IMAGE else None
            )
            seconds = timed(lambda job=job: engine.generate(job), args.repeats)
            per_step_ms = seconds / args.steps * 1000
            print(f"{mode.value:<9} {f'{size}x{size}':>9} {seconds:9.3f} {per_step_ms:9.1f}")

    through_app, direct = app_overhead(engine, default, args.steps, args.repeats)
    print(
        f"\napp round trip {through_app:.3f} s vs direct engine call {direct:.3f} s: "
        f"overhead {(through_app - direct) * 1000:.0f} ms per request"
    )
    print(f"\ncommand: python -m benchmarks.generation {' '.join(argv or sys.argv[1:])}".rstrip())


if __name__ == "__main__":
    main()
