from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from starlette.datastructures import Headers

from safety.identity import (
    ClientHasher,
    client_address,
    is_address,
    load_or_create_secret,
    normalize_address,
    trusted_proxies_default,
)

SECRET = b"0123456789abcdef0123456789abcdef"
OTHER_SECRET = b"fedcba9876543210fedcba9876543210"


# -- hashing ---------------------------------------------------------------


def test_same_address_and_key_give_the_same_id() -> None:
    assert ClientHasher(SECRET).hash("203.0.113.7") == ClientHasher(SECRET).hash("203.0.113.7")


def test_another_key_gives_another_id() -> None:
    assert ClientHasher(SECRET).hash("203.0.113.7") != ClientHasher(OTHER_SECRET).hash(
        "203.0.113.7"
    )


def test_different_addresses_give_different_ids() -> None:
    hasher = ClientHasher(SECRET)
    assert hasher.hash("203.0.113.7") != hasher.hash("203.0.113.8")


def test_id_is_32_hex_characters_and_not_an_address() -> None:
    client_id = ClientHasher(SECRET).hash("203.0.113.7")
    assert len(client_id) == 32
    assert set(client_id) <= set("0123456789abcdef")
    assert not is_address(client_id)


def test_ipv6_clients_in_one_slash_64_share_an_id() -> None:
    hasher = ClientHasher(SECRET)
    same_network = hasher.hash("2001:db8:1:2::1") == hasher.hash("2001:db8:1:2:ffff::9")
    assert same_network
    assert hasher.hash("2001:db8:1:2::1") != hasher.hash("2001:db8:1:3::1")


def test_full_ipv6_addresses_when_the_prefix_is_128() -> None:
    hasher = ClientHasher(SECRET, ipv6_prefix=128)
    assert hasher.hash("2001:db8:1:2::1") != hasher.hash("2001:db8:1:2::2")


def test_ipv4_mapped_ipv6_is_the_same_client_as_ipv4() -> None:
    hasher = ClientHasher(SECRET)
    assert hasher.hash("::ffff:203.0.113.7") == hasher.hash("203.0.113.7")


def test_daily_rotation_changes_the_id_at_midnight_utc_only() -> None:
    now = [datetime(2026, 3, 1, 0, 0, 1, tzinfo=timezone.utc)]
    hasher = ClientHasher(SECRET, rotate_daily=True, clock=lambda: now[0])
    first = hasher.hash("203.0.113.7")
    now[0] += timedelta(hours=23, minutes=59)
    assert hasher.hash("203.0.113.7") == first
    now[0] += timedelta(minutes=1)
    assert hasher.hash("203.0.113.7") != first


def test_without_rotation_the_id_lasts_across_days() -> None:
    now = [datetime(2026, 3, 1, tzinfo=timezone.utc)]
    hasher = ClientHasher(SECRET, clock=lambda: now[0])
    first = hasher.hash("203.0.113.7")
    now[0] += timedelta(days=40)
    assert hasher.hash("203.0.113.7") == first


def test_rotation_accepts_an_epoch_seconds_clock() -> None:
    day = 86400.0
    hasher_day_1 = ClientHasher(SECRET, rotate_daily=True, clock=lambda: 20 * day + 5)
    hasher_day_2 = ClientHasher(SECRET, rotate_daily=True, clock=lambda: 21 * day + 5)
    assert hasher_day_1.hash("203.0.113.7") != hasher_day_2.hash("203.0.113.7")


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        ClientHasher(b"short")


# -- which address -----------------------------------------------------------


def test_without_trusted_proxies_a_spoofed_header_changes_nothing() -> None:
    headers = {"X-Forwarded-For": "198.51.100.1"}
    assert client_address("203.0.113.7", headers, trusted_proxies=0) == "203.0.113.7"


def test_one_trusted_proxy_gives_the_address_it_appended() -> None:
    headers = {"x-forwarded-for": "203.0.113.7"}
    assert client_address("10.0.0.2", headers, trusted_proxies=1) == "203.0.113.7"


def test_entries_the_client_wrote_before_the_proxy_are_ignored() -> None:
    spoofed = {"X-Forwarded-For": "198.51.100.1, 198.51.100.2, 203.0.113.7"}
    assert client_address("10.0.0.2", spoofed, trusted_proxies=1) == "203.0.113.7"


def test_two_trusted_proxies_take_the_second_entry_from_the_right() -> None:
    headers = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7, 10.0.0.1"}
    assert client_address("10.0.0.2", headers, trusted_proxies=2) == "203.0.113.7"


def test_a_shorter_chain_than_configured_falls_back_to_the_connection() -> None:
    assert client_address("10.0.0.2", {}, trusted_proxies=1) == "10.0.0.2"
    headers = {"X-Forwarded-For": "203.0.113.7"}
    assert client_address("10.0.0.2", headers, trusted_proxies=2) == "10.0.0.2"


def test_a_trusted_entry_that_is_not_an_address_falls_back_to_the_connection() -> None:
    headers = {"X-Forwarded-For": "198.51.100.1, unknown"}
    assert client_address("10.0.0.2", headers, trusted_proxies=1) == "10.0.0.2"


def test_repeated_header_lines_form_one_list() -> None:
    headers = Headers(
        raw=[
            (b"x-forwarded-for", b"198.51.100.1"),
            (b"x-forwarded-for", b"203.0.113.7"),
        ]
    )
    assert client_address("10.0.0.2", headers, trusted_proxies=1) == "203.0.113.7"


def test_clients_without_a_connection_address_share_one_identity() -> None:
    assert client_address(None, {"X-Forwarded-For": "198.51.100.1"}, trusted_proxies=0) == (
        "unknown"
    )
    assert client_address(None, {}, trusted_proxies=1) == "unknown"


def test_negative_proxy_count_is_refused() -> None:
    with pytest.raises(ValueError):
        client_address("10.0.0.2", {}, trusted_proxies=-1)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("203.0.113.7:5123", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:DB8:0::1", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("not-an-address", None),
        ("", None),
    ],
)
def test_addresses_are_normalised_as_proxies_write_them(
    written: str, canonical: str | None
) -> None:
    assert normalize_address(written) == canonical


def test_spaces_trusts_one_proxy_by_default() -> None:
    assert trusted_proxies_default({"SPACE_ID": "someone/safecanvas"}) == 1


def test_elsewhere_no_proxy_is_trusted_by_default() -> None:
    assert trusted_proxies_default({"HOME": "/home/someone"}) == 0


# -- the secret ----------------------------------------------------------------


def test_the_environment_secret_wins(tmp_path: Path) -> None:
    secret = load_or_create_secret("an environment secret of enough length", tmp_path / "key")
    assert secret == b"an environment secret of enough length"
    assert not (tmp_path / "key").exists()


def test_a_short_environment_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        load_or_create_secret("short", tmp_path / "key")


def test_the_secret_file_is_created_owner_only_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "client-hash.key"
    first = load_or_create_secret(None, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_or_create_secret("", path) == first
    assert len(first) >= 32
    assert [entry.name for entry in path.parent.iterdir()] == ["client-hash.key"]


def test_a_secret_file_others_could_read_is_restricted(tmp_path: Path) -> None:
    path = tmp_path / "client-hash.key"
    path.write_text("a secret someone wrote by hand")
    path.chmod(0o644)
    assert load_or_create_secret(None, path) == b"a secret someone wrote by hand"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_new_secret_file_gives_new_ids(tmp_path: Path) -> None:
    one = ClientHasher(load_or_create_secret(None, tmp_path / "a.key")).hash("203.0.113.7")
    two = ClientHasher(load_or_create_secret(None, tmp_path / "b.key")).hash("203.0.113.7")
    assert one != two
