"""The event store's behaviour. Runs on SQLite here and on both backends in
tests/integration/test_store_backends.py."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import make_url

from safety.schema import Base
from safety.store import (
    EventStore,
    RequestEvent,
    ReviewStatus,
    StoreError,
    UnknownReference,
)
from safety.verdict import Action, Finding, Verdict
from tests.unit.conftest import FakeClock

CLIENT = "5f2b9c0e4d7a8b1c3e6f9a0b2c4d6e8f"
FINDINGS = (
    Finding("keywords", "violence", 0.97, "matched a listed term"),
    Finding("semantic", "violence", 0.81),
    Finding("semantic", "weapons", 0.40),
)
THUMBNAIL = b"\x89PNG\r\n\x1a\n" + b"blurred-thumbnail-" + os.urandom(16).hex().encode()


def make_event(clock: FakeClock, **changes: object) -> RequestEvent:
    event = RequestEvent.from_verdict(
        Verdict(Action.BLOCK, "violence", 0.97, FINDINGS),
        time=clock(),
        client_hash=CLIENT,
        session_id="session-1",
        mode="txt2img",
        prompt="a knight with a sword",
        normalized_prompt="a knight with a sword",
        negative_prompt="blurry",
        model_id="bundled/tiny-sd",
        policy_version="2026-03-01",
        timings={"prompt_checks_ms": 12.5, "generate_ms": 900.0},
        details={"seed": 42, "steps": 20},
    )
    return replace(event, **changes)


def test_an_event_reads_back_exactly_as_recorded(store: EventStore, clock: FakeClock) -> None:
    event = make_event(clock)
    reference_id = store.record_event(event)
    stored = store.get_event(reference_id)
    assert stored is not None
    assert stored.reference_id == reference_id
    assert stored.event == event


def test_from_verdict_keeps_the_best_score_per_category_and_each_check_once(
    clock: FakeClock,
) -> None:
    event = make_event(clock)
    assert event.action is Action.BLOCK
    assert event.categories == ("violence", "weapons")
    assert dict(event.scores) == {"violence": 0.97, "weapons": 0.40}
    assert event.checks == ("keywords", "semantic")


def test_reference_ids_are_unique_and_unguessable(store: EventStore, clock: FakeClock) -> None:
    ids = {store.record_event(make_event(clock)) for _ in range(50)}
    assert len(ids) == 50
    assert all(len(reference_id) == 16 for reference_id in ids)


def test_a_raw_address_is_never_recorded(store: EventStore, clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="raw address"):
        store.record_event(make_event(clock, client_hash="203.0.113.7"))


def test_details_that_are_not_json_are_a_programming_error_not_a_store_error(
    store: EventStore, clock: FakeClock
) -> None:
    with pytest.raises(TypeError, match="details"):
        store.record_event(make_event(clock, details={"seeds": {1, 2}}))


def test_an_event_is_queued_for_review_once(store: EventStore, clock: FakeClock) -> None:
    reference_id = store.record_event(make_event(clock))
    store.add_review_item(reference_id, "blocked", None, FINDINGS)
    with pytest.raises(ValueError, match="already"):
        store.add_review_item(reference_id, "flagged", None, FINDINGS)


def test_an_unknown_reference_is_reported(store: EventStore) -> None:
    assert store.get_event("0000000000000000") is None
    with pytest.raises(UnknownReference):
        store.appeal("0000000000000000", "please look again")
    with pytest.raises(UnknownReference):
        store.takedown("0000000000000000")


def test_a_blocked_request_waits_for_review_with_thumbnail_and_findings(
    store: EventStore, clock: FakeClock
) -> None:
    reference_id = store.record_event(make_event(clock))
    store.add_review_item(reference_id, "blocked", THUMBNAIL, FINDINGS)
    [item] = store.review_queue()
    assert item.reference_id == reference_id
    assert item.status is ReviewStatus.PENDING
    assert item.reason == "blocked"
    assert item.findings == FINDINGS
    assert item.thumbnails == (THUMBNAIL,)
    assert item.event.prompt == "a knight with a sword"


def test_a_finding_s_cap_is_kept_with_it_for_review(store: EventStore, clock: FakeClock) -> None:
    capped = Finding("semantic", "weapons", 0.85, "without support", at_most=Action.WARN)
    store.add_review_item(store.record_event(make_event(clock)), "flagged", None, (capped,))
    [item] = store.review_queue()
    assert item.findings == (capped,)


def test_a_thumbnail_must_be_a_png(store: EventStore, clock: FakeClock) -> None:
    reference_id = store.record_event(make_event(clock))
    with pytest.raises(ValueError, match="PNG"):
        store.add_review_item(reference_id, "blocked", b"GIF89a...", FINDINGS)


def test_events_without_review_keep_no_image(store: EventStore, clock: FakeClock) -> None:
    store.record_event(make_event(clock, action=Action.ALLOW))
    reference_id = store.record_event(make_event(clock))
    store.add_review_item(reference_id, "blocked", None, FINDINGS)
    [item] = store.review_queue()
    assert item.thumbnails == ()


def test_an_appeal_is_queued_first_with_its_message(store: EventStore, clock: FakeClock) -> None:
    older = store.record_event(make_event(clock))
    store.add_review_item(older, "blocked", None, FINDINGS)
    clock.advance(60)
    appealed = store.record_event(make_event(clock))
    store.add_review_item(appealed, "flagged", None, FINDINGS)
    clock.advance(60)
    store.appeal(appealed, "It is a museum piece.")
    queue = store.review_queue()
    assert [item.reference_id for item in queue] == [appealed, older]
    assert queue[0].status is ReviewStatus.APPEALED
    assert queue[0].appeal_message == "It is a museum piece."
    assert queue[0].appealed_at == clock()


def test_appealing_an_unqueued_event_queues_it(store: EventStore, clock: FakeClock) -> None:
    reference_id = store.record_event(make_event(clock, action=Action.WARN))
    store.appeal(reference_id, "The warning was about a landscape.")
    [item] = store.review_queue(ReviewStatus.APPEALED)
    assert item.reference_id == reference_id
    assert item.reason == "appeal"


def test_a_decision_closes_the_item_and_is_audited(store: EventStore, clock: FakeClock) -> None:
    reference_id = store.record_event(make_event(clock))
    store.add_review_item(reference_id, "blocked", None, FINDINGS)
    clock.advance(300)
    store.resolve_review(reference_id, "overturned", moderator="mod-ana")
    assert store.review_queue() == []
    [item] = store.review_queue("overturned")
    assert (item.moderator, item.decided_at) == ("mod-ana", clock())
    [record] = store.moderation_log()
    assert (record.moderator, record.action, record.target) == (
        "mod-ana",
        "review:overturned",
        reference_id,
    )


def test_a_decision_must_close_the_item(store: EventStore, clock: FakeClock) -> None:
    reference_id = store.record_event(make_event(clock))
    store.add_review_item(reference_id, "blocked", None, FINDINGS)
    with pytest.raises(ValueError, match="not a decision"):
        store.resolve_review(reference_id, ReviewStatus.PENDING, moderator="mod-ana")
    unqueued = store.record_event(make_event(clock))
    with pytest.raises(UnknownReference):
        store.resolve_review(unqueued, "upheld", moderator="mod-ana")


def test_takedown_deletes_the_images_at_once_and_keeps_the_record(
    store: EventStore, clock: FakeClock
) -> None:
    reference_id = store.record_event(make_event(clock))
    store.add_review_item(reference_id, "blocked", THUMBNAIL, FINDINGS)
    assert store.takedown(reference_id, moderator="mod-ana") == 1
    [item] = store.review_queue()
    assert item.thumbnails == ()
    assert item.taken_down_at == clock()
    assert store.get_event(reference_id) is not None
    assert store.moderation_log()[0].action == "takedown"


def test_a_taken_down_image_leaves_no_bytes_in_the_sqlite_files(
    store: EventStore, clock: FakeClock, database_url: str
) -> None:
    if make_url(database_url).get_backend_name() != "sqlite":
        pytest.skip("checks SQLite's files; PostgreSQL storage is checked row by row")
    reference_id = store.record_event(make_event(clock))
    store.add_review_item(reference_id, "blocked", THUMBNAIL, FINDINGS)
    database_dir = Path(make_url(database_url).database).parent
    assert any(THUMBNAIL in path.read_bytes() for path in database_dir.iterdir())
    store.takedown(reference_id)
    assert not any(THUMBNAIL in path.read_bytes() for path in database_dir.iterdir())


def test_purge_removes_what_is_older_than_the_retention(
    store: EventStore, clock: FakeClock
) -> None:
    old = store.record_event(make_event(clock))
    store.add_review_item(old, "blocked", THUMBNAIL, FINDINGS)
    store.takedown(old, moderator="mod-ana")
    clock.advance(10 * 86400)
    recent = store.record_event(make_event(clock))
    store.add_review_item(recent, "blocked", THUMBNAIL, FINDINGS)
    clock.advance(25 * 86400)

    report = store.purge(older_than_days=30, now=clock())

    assert (report.events, report.review_items, report.moderation_log) == (1, 1, 1)
    assert store.get_event(old) is None
    assert store.get_event(recent) is not None
    assert [item.reference_id for item in store.review_queue()] == [recent]
    assert store.review_queue()[0].thumbnails == (THUMBNAIL,)
    assert store.moderation_log() == []


def test_purge_deletes_stored_images_of_old_items(store: EventStore, clock: FakeClock) -> None:
    old = store.record_event(make_event(clock))
    store.add_review_item(old, "blocked", THUMBNAIL, FINDINGS)
    clock.advance(31 * 86400)
    assert store.purge(older_than_days=30).images == 1
    assert store.review_queue() == []


def test_acknowledged_events_survive_reopening(database_url: str, clock: FakeClock) -> None:
    with EventStore.from_url(database_url, clock=clock) as first:
        ids = [first.record_event(make_event(clock)) for _ in range(5)]
    with EventStore.from_url(database_url, clock=clock) as reopened:
        assert all(reopened.get_event(reference_id) is not None for reference_id in ids)


def test_a_locked_database_raises_store_error_and_keeps_nothing_half_written(
    database_url: str,
    clock: FakeClock,
    write_lock: Callable[[], AbstractContextManager[None]],
) -> None:
    with EventStore.from_url(database_url, clock=clock, write_timeout_s=0.2) as store:
        with write_lock():
            started = time.monotonic()
            with pytest.raises(StoreError, match="unavailable"):
                store.record_event(make_event(clock))
            assert time.monotonic() - started < 5
        assert store.review_queue(ReviewStatus.PENDING) == []
        reference_id = store.record_event(make_event(clock))
        assert store.get_event(reference_id) is not None


def test_opening_waits_while_another_connection_holds_a_new_file(tmp_path: Path) -> None:
    """SQLite refuses the switch to WAL at once, without its busy timeout, while
    another connection holds a write lock on a file still in rollback mode;
    replicas opening a fresh database together hit exactly this."""
    path = tmp_path / "safecanvas.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE placeholder (x)")
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        with EventStore.from_url(f"sqlite:///{path}", write_timeout_s=5) as store:
            assert store.get_event("no-such-reference") is None
    finally:
        release.join()
        holder.close()


def test_a_database_path_that_cannot_exist_raises_store_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with pytest.raises(StoreError, match="could not open"):
        EventStore.from_url(f"sqlite:///{tmp_path / 'a-file' / 'safecanvas.db'}")


def test_an_unreachable_server_raises_store_error() -> None:
    with pytest.raises(StoreError, match="could not open"):
        EventStore.from_url("postgresql+psycopg://postgres@127.0.0.1:9/test", write_timeout_s=1)


def test_the_migrations_build_exactly_the_tables_the_code_uses(store: EventStore) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
