"""The one place that sequences a request, for the browser and the API alike.

`GenerationService.generate` reads top to bottom as the life of a request: check it, run the
engine, encode the results with their parameters. The safety steps of DESIGN.md (who is asking,
input checks, output checks, the decision, watermark, the event record) slot in here and
nowhere else, so no client can reach the engine without passing them.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

from generation.engine import GenerationCancelled, ModelInfo, StepCallback
from generation.job import GenerationJob
from generation.metadata import encode_png, generation_parameters
from service.cancellation import CancelRegistry
from service.requests import GenerationRequest, build_job
from settings import GenerationLimits


class Engine(Protocol):
    info: ModelInfo

    def generate(
        self, job: GenerationJob, on_step: StepCallback | None = None
    ) -> list[Image.Image]: ...


@dataclass(frozen=True)
class ClientContext:
    """Who is asking, as the connection tells it; turned into a pseudonym before storage."""

    peer_host: str
    session_id: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ResultImage:
    png: bytes
    seed: int
    parameters: dict[str, object]

    def to_pil(self) -> Image.Image:
        """The image with its PNG text chunks kept in `.info`, as Gradio re-saves them."""
        image = Image.open(io.BytesIO(self.png))
        image.load()
        return image


@dataclass(frozen=True)
class GenerationOutcome:
    images: tuple[ResultImage, ...]
    seed: int


ProgressCallback = Callable[[int, int], None]


class GenerationService:
    def __init__(
        self,
        engine: Engine,
        limits: GenerationLimits,
        cancellations: CancelRegistry | None = None,
    ) -> None:
        self._engine = engine
        self._limits = limits
        self.cancellations = cancellations or CancelRegistry()

    @property
    def model(self) -> ModelInfo:
        return self._engine.info

    def generate(
        self,
        request: GenerationRequest,
        client: ClientContext,
        on_progress: ProgressCallback | None = None,
    ) -> GenerationOutcome:
        """Run one request end to end; `InvalidRequest` and `GenerationCancelled` reach callers."""
        info = self._engine.info
        job = build_job(request, self._limits, (info.default_width, info.default_height))
        cancelled = self.cancellations.start(client.session_id)

        def on_step(done: int, total: int) -> None:
            if cancelled.is_set():
                raise GenerationCancelled
            if on_progress is not None:
                on_progress(done, total)

        try:
            images = self._engine.generate(job, on_step)
        finally:
            self.cancellations.finish(client.session_id, cancelled)
        results = []
        for index, image in enumerate(images):
            parameters = generation_parameters(job, index, info.model_id)
            results.append(
                ResultImage(encode_png(image, parameters), job.seed_of(index), parameters)
            )
        return GenerationOutcome(images=tuple(results), seed=job.seed)
