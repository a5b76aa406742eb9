"""The one place that sequences a request, for the browser and the API alike.

`GenerationService.generate` reads top to bottom as the life of a request (DESIGN.md):
who is asking and may they generate now; are the inputs valid and the prompt allowed;
generate; check every output image; record the event; return images or a notice. No client
reaches the engine without passing every step, because there is no other path to it.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Protocol

from PIL import Image

from generation.engine import GenerationCancelled, ModelInfo, StepCallback
from generation.job import GenerationJob
from generation.metadata import encode_png, generation_parameters
from generation.safety_guidance import SafetyGuidance
from safety.guard import PromptGuard
from safety.identity import ClientHasher, client_address
from safety.image_guard import ImageCheck, check_image
from safety.normalize import normalize
from safety.policy import Policy
from safety.ratelimit import RateLimiter
from safety.store import EventStore, RequestEvent, ReviewStatus, StoreError
from safety.thumbnails import blurred_thumbnail
from safety.verdict import Action, Finding, Verdict
from service.cancellation import CancelRegistry
from service.errors import InvalidRequest, ServiceUnavailable, from_store
from service.live_policy import LivePolicy
from service.notices import Notice, limit_notice, verdict_notice
from service.requests import GenerationRequest, build_job
from service.terms import TermsRegistry
from settings import GenerationLimits

log = logging.getLogger(__name__)


class Engine(Protocol):
    info: ModelInfo

    def generate(
        self, job: GenerationJob, on_step: StepCallback | None = None
    ) -> list[Image.Image]: ...


@dataclass(frozen=True)
class SafetyStack:
    """Every safety collaborator, loaded once at start-up and handed to the service."""

    policy: Policy
    prompt_guard: PromptGuard
    image_checks: tuple[ImageCheck, ...]
    # Checks on uploads (img2img / inpaint) before any compute is spent.
    input_image_checks: tuple[ImageCheck, ...]
    hasher: ClientHasher
    trusted_proxies: int
    limiter: RateLimiter
    store: EventStore
    # Where `policy` and `prompt_guard` come from: moderators may change the policy while the
    # app runs (the review tab), and each request takes the one live when it starts.
    policies: LivePolicy


@dataclass(frozen=True)
class ClientContext:
    """Who is asking, as the connection tells it; turned into a pseudonym before any use."""

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
    seed: int | None
    notice: Notice | None = None
    reference_id: str = ""


ProgressCallback = Callable[[int, int, str], None]
"""Called after each denoising step with (steps done, steps in total, what is being done)."""

DRAWING = "Denoising"
REDRAWING = "Redrawing with safety guidance"


class GenerationService:
    def __init__(
        self,
        engine: Engine,
        limits: GenerationLimits,
        safety: SafetyStack,
        cancellations: CancelRegistry | None = None,
        terms: TermsRegistry | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self._engine = engine
        self._limits = limits
        self.safety = safety
        self.cancellations = cancellations or CancelRegistry()
        self.terms = terms or TermsRegistry(safety.policy.page)
        self._clock = clock

    @property
    def model(self) -> ModelInfo:
        return self._engine.info

    def _current_safety(self) -> SafetyStack:
        """The safety stack under the live policy; a request keeps the one it started with."""
        guard = self.safety.policies.current()
        if guard is not self.safety.prompt_guard:
            self.safety = replace(self.safety, policy=guard.policy, prompt_guard=guard)
        return self.safety

    def generate(
        self,
        request: GenerationRequest,
        client: ClientContext,
        on_progress: ProgressCallback | None = None,
    ) -> GenerationOutcome:
        """Run one request end to end.

        `InvalidRequest` (including `TermsNotAccepted`), `ServiceUnavailable` and
        `GenerationCancelled` reach the caller;
        a refusal by policy or limit is an outcome with a notice, not an error.
        """
        safety, info = self._current_safety(), self._engine.info
        timings: dict[str, float] = {}
        started = time.perf_counter()

        # 1. Who is asking: terms accepted in this session, and a keyed hash of the address
        #    (never the address itself).
        self.terms.require(client.session_id)
        client_hash = self.client_pseudonym(client)

        # 2. Input checks: parameters and uploads, the prompt and negative prompt, then
        #    the uploaded image itself.
        job = build_job(
            request,
            self._limits,
            (info.default_width, info.default_height),
            mask_focus=info.sampler.inpaint_mask_focus,
        )
        prompt_verdict = safety.prompt_guard.check(job.prompt, job.negative_prompt)
        timings["prompt_check_s"] = time.perf_counter() - started
        event = _EventDraft(
            safety, self._clock, info.model_id, client_hash, client.session_id, job, timings
        )
        input_verdict, stage = prompt_verdict, "prompt"
        if not prompt_verdict.refused and job.init_image is not None:
            input_verdict, stage = (
                _check_image(safety.policy, job.init_image, safety.input_image_checks, upload=True),
                "input",
            )
        if input_verdict.refused:
            safety.limiter.record_block(client_hash)
            thumbnail = blurred_thumbnail(job.init_image) if stage == "input" else None
            reference = event.record(input_verdict, stage=stage, thumbnail=thumbnail)
            notice = verdict_notice(safety.policy, input_verdict, reference, stage)
            return GenerationOutcome((), None, notice, reference)

        # 3. Rate limits, counted only for requests that would really run.
        decision = safety.limiter.acquire(client_hash)
        if not decision.allowed:
            refusal = Verdict(Action.BLOCK, explanation=f"rate limit: {decision.reason}")
            reference = event.record(refusal, stage="rate-limit", review=False)
            return GenerationOutcome((), None, limit_notice(decision), reference)

        # 4. Generate; a prompt the policy would rather see drawn safer than refused is steered
        #    away from its category while it is drawn (safety guidance).
        if prompt_verdict.action is Action.REGENERATE:
            job = _guided(job, safety.policy, prompt_verdict.category)
        images = self._run_engine(job, client.session_id, on_progress)
        timings["generate_s"] = time.perf_counter() - started - timings["prompt_check_s"]

        # 5. Output checks on every image. One the policy asks to regenerate is drawn again,
        #    steered away from what was found, and checked again; withheld images never leave
        #    the server.
        outputs = self._check_outputs(safety, job, images, client.session_id, on_progress)

        # 6. Record the event before anything is shown: what was acknowledged is stored.
        flagged = outputs.worst if outputs.flagged else prompt_verdict
        stage = "image" if outputs.flagged else "prompt"
        reference = event.record(
            flagged,
            stage=stage,
            withheld=len(outputs.withheld),
            redrawn=len(outputs.redrawn),
            thumbnail=blurred_thumbnail(outputs.flagged[0]) if outputs.flagged else None,
        )
        notice = None
        if outputs.withheld:
            notice = verdict_notice(safety.policy, outputs.worst, reference, "image")
        elif flagged.action in (Action.WARN, Action.REGENERATE):
            notice = verdict_notice(safety.policy, flagged, reference, stage)
        results = tuple(
            _encode(drawn_by, index, image, info.model_id)
            for drawn_by, index, image in outputs.shown
        )
        return GenerationOutcome(results, job.seed, notice, reference)

    def _check_outputs(
        self,
        safety: SafetyStack,
        job: GenerationJob,
        images: list[Image.Image],
        session_id: str,
        on_progress: ProgressCallback | None,
    ) -> _Outputs:
        """Judge each image; redraw (once, with safety guidance) those the policy asks for."""
        outputs = _Outputs()
        for index, image in enumerate(images):
            verdict = _check_image(safety.policy, image, safety.image_checks)
            if not verdict.allowed:
                outputs.flagged.append(image)
                outputs.note(verdict)
            drawn_by, drawn_index = job, index
            # An image drawn with guidance already would only come out the same again.
            if verdict.action is Action.REGENERATE and job.safety_guidance is None:
                drawn_by, drawn_index = _guided(job, safety.policy, verdict.category, index), 0
                (image,) = self._run_engine(drawn_by, session_id, on_progress, REDRAWING)
                verdict = _check_image(safety.policy, image, safety.image_checks)
                if verdict.allowed:
                    outputs.redrawn.append(index)
            if verdict.allowed:
                outputs.shown.append((drawn_by, drawn_index, image))
            else:
                outputs.withheld.append(index)
                outputs.note(_withheld(verdict))
        return outputs

    def review_progress(self, reference_id: str) -> tuple[ReviewStatus, datetime | None]:
        """Where a refused or flagged request stands with the moderators, and when it was
        decided. References are random and long, so knowing one is the only key needed;
        nothing but the status is told."""
        reference_id = (reference_id or "").strip()
        if not reference_id:
            raise InvalidRequest("Enter the reference shown with the decision.")
        item = from_store(
            lambda: self.safety.store.review_item(reference_id),
            unknown="That reference is unknown, has expired, or was never queued.",
            failed="The review status cannot be read right now. Please try again in a minute.",
        )
        return item.status, item.decided_at

    def client_pseudonym(self, client: ClientContext) -> str:
        """The keyed hash of the client's address (through the trusted proxies only): the
        only way SafeCanvas refers to a client."""
        safety = self.safety
        return safety.hasher.hash(
            client_address(client.peer_host, client.headers, safety.trusted_proxies)
        )

    def request_review(self, reference_id: str, message: str) -> None:
        """Send a refused or flagged request to the moderators' queue, with the user's note."""
        reference_id = (reference_id or "").strip()
        if not reference_id:
            raise InvalidRequest("There is no decision to review yet.")
        if len(message or "") > self._limits.max_appeal_chars:
            raise InvalidRequest(
                f"Keep the message under {self._limits.max_appeal_chars:,} characters."
            )
        from_store(
            lambda: self.safety.store.appeal(reference_id, (message or "").strip()),
            unknown="That reference is unknown or has expired.",
            failed="Your review request could not be saved. Please try again in a minute.",
        )

    def _run_engine(
        self,
        job: GenerationJob,
        session_id: str,
        on_progress: ProgressCallback | None,
        doing: str = DRAWING,
    ) -> list[Image.Image]:
        cancelled = self.cancellations.start(session_id)

        def on_step(done: int, total: int) -> None:
            if cancelled.is_set():
                raise GenerationCancelled
            if on_progress is not None:
                on_progress(done, total, doing)

        try:
            return self._engine.generate(job, on_step)
        finally:
            self.cancellations.finish(session_id, cancelled)


@dataclass
class _Outputs:
    """What the output checks made of a run's images."""

    # (the job that drew it, its index in that job, the image) for each image shown
    shown: list[tuple[GenerationJob, int, Image.Image]] = field(default_factory=list)
    withheld: list[int] = field(default_factory=list)
    redrawn: list[int] = field(default_factory=list)
    # Every image a check found something in, in order: the first becomes the thumbnail.
    flagged: list[Image.Image] = field(default_factory=list)
    worst: Verdict | None = None

    def note(self, verdict: Verdict) -> None:
        """Keep the most severe verdict: it names the rule in the event and the notice."""
        if self.worst is None or verdict.action.severity > self.worst.action.severity:
            self.worst = verdict


def _withheld(verdict: Verdict) -> Verdict:
    """An image still found after safety guidance is withheld, whatever the policy hoped."""
    if verdict.action is not Action.REGENERATE:
        return verdict
    return replace(
        verdict,
        action=Action.BLOCK,
        explanation=f"{verdict.explanation}; still found when drawn with safety guidance",
    )


def _guided(
    job: GenerationJob, policy: Policy, category_id: str | None, only: int | None = None
) -> GenerationJob:
    """`job` (or just its image `only`) drawn steered away from the category's concept."""
    guidance = SafetyGuidance(policy.category(category_id).safety_concept)
    if only is None:
        return replace(job, safety_guidance=guidance)
    return replace(job, seed=job.seed_of(only), num_images=1, safety_guidance=guidance)


def _check_image(
    policy: Policy, image: Image.Image, checks: tuple[ImageCheck, ...], *, upload: bool = False
) -> Verdict:
    """Judge one image; a check that fails blocks it (fail closed)."""
    try:
        return check_image(policy, checks, image, upload=upload)
    except Exception:
        log.exception("image check failed; withholding the image")
        return Verdict(
            Action.BLOCK,
            findings=(Finding("image-guard", "check-error", 1.0, "image check raised"),),
            message="An image check could not run, so the image was withheld.",
        )


def _encode(job: GenerationJob, index: int, image: Image.Image, model_id: str) -> ResultImage:
    """A shown image as a PNG carrying everything needed to make it again."""
    parameters = generation_parameters(job, index, model_id)
    return ResultImage(encode_png(image, parameters), job.seed_of(index), parameters)


@dataclass
class _EventDraft:
    """Collects what is known about a request so it is recorded the same way on every path."""

    safety: SafetyStack
    clock: Callable[[], datetime]
    model_id: str
    client_hash: str
    session_id: str
    job: GenerationJob
    timings: dict[str, float]

    def record(
        self,
        verdict: Verdict,
        stage: str,
        withheld: int = 0,
        redrawn: int = 0,
        thumbnail: bytes | None = None,
        review: bool = True,
    ) -> str:
        """Store the event; refused or flagged requests also go to the review queue."""
        safety = self.safety
        event = RequestEvent.from_verdict(
            verdict,
            time=self.clock(),
            client_hash=self.client_hash,
            session_id=self.session_id,
            mode=self.job.mode.value,
            prompt=self.job.prompt,
            normalized_prompt=normalize(self.job.prompt).plain,
            negative_prompt=self.job.negative_prompt,
            model_id=self.model_id,
            policy_version=safety.policy.version,
            timings=dict(self.timings),
            details={
                "stage": stage,
                "withheld_images": withheld,
                "redrawn_images": redrawn,
                "seed": self.job.seed,
            },
        )
        try:
            reference = safety.store.record_event(event)
            if review and not verdict.allowed:
                safety.store.add_review_item(
                    reference, f"{stage}: {verdict.explanation}", thumbnail, verdict.findings
                )
        except StoreError as error:
            log.error("could not record a request: %s", error)
            raise ServiceUnavailable(
                "SafeCanvas could not record this request, so nothing is shown. "
                "Please try again in a minute."
            ) from error
        return reference
