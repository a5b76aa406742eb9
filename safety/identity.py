"""Who is asking, without ever keeping their address.

The client address is taken from the raw connection, or from `X-Forwarded-For`
only as far as the deployment says it trusts proxies, so a spoofed header from
an untrusted client changes nothing. The address is then turned into a keyed
hash (HMAC-SHA256) before anything stores, logs or shows it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from safety.clock import Clock, as_utc, utc_now

log = logging.getLogger(__name__)

#: Environment variables the Hugging Face Spaces runtime sets in every Space.
SPACES_ENV_VARS = ("SPACE_ID", "SPACE_HOST", "SPACE_REPO_NAME")

#: Below this many bytes a secret could be brute-forced over the 2^32 IPv4 addresses.
MIN_SECRET_BYTES = 16

UNKNOWN_PEER = "unknown"

_HASH_HEX_CHARS = 32  # 128 bits: no realistic collisions, short enough for logs


def trusted_proxies_default(environ: Mapping[str, str]) -> int:
    """How many proxy hops to trust when the deployment does not say.

    On Spaces every connection arrives from the platform's proxy, which appends
    the real client to `X-Forwarded-For`: trust exactly that one hop. Anywhere
    else trust none, so a header sent by the client itself is ignored.
    """
    return 1 if any(environ.get(name) for name in SPACES_ENV_VARS) else 0


def client_address(peer_host: str | None, headers: Mapping[str, str], trusted_proxies: int) -> str:
    """The address of the client, by our own rule rather than the web server's.

    With `trusted_proxies` = N, the connection comes from the last of N proxies
    and each proxy appended the address it saw, so the client is the N-th entry
    from the right of `X-Forwarded-For`. Entries further left were written by
    the client and are never used. When the header has fewer entries than
    configured, or the chosen entry is not an address, the connection address is
    used: a misconfigured chain must not let the client pick its identity.
    Clients with no known connection address (`None`) share one identity,
    and so one set of limits.
    """
    if trusted_proxies < 0:
        raise ValueError("trusted_proxies must be zero or more")
    peer_host = peer_host or UNKNOWN_PEER
    peer = normalize_address(peer_host) or peer_host
    if trusted_proxies == 0:
        return peer
    hops = [hop.strip() for hop in _forwarded_for(headers).split(",") if hop.strip()]
    if len(hops) < trusted_proxies:
        return peer
    return normalize_address(hops[-trusted_proxies]) or peer


def _forwarded_for(headers: Mapping[str, str]) -> str:
    """All `X-Forwarded-For` values joined, whatever the mapping's key case.

    Several header lines mean one comma-separated list (RFC 9110 §5.3).
    """
    getlist = getattr(headers, "getlist", None)
    if callable(getlist):  # starlette's Headers keeps repeated lines apart
        return ",".join(getlist("x-forwarded-for"))
    return ",".join(value for key, value in headers.items() if key.lower() == "x-forwarded-for")


def normalize_address(text: str) -> str | None:
    """The canonical text of an IP address, or None when `text` is not one.

    Accepts what proxies write: `1.2.3.4:port`, `[v6]:port`, zone ids are dropped.
    An IPv4-mapped IPv6 address becomes plain IPv4, so one client has one form.
    """
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def is_address(value: str) -> bool:
    """Whether `value` parses as an IP address: a guard for places that must only see hashes."""
    return normalize_address(value) is not None


class ClientHasher:
    """Turns a client address into a stable, keyed, non-reversible id.

    A plain hash of an IPv4 address can be reversed by trying all 2^32 of
    them, so the hash is keyed with a secret kept outside the repository.
    IPv6 clients usually own a whole /64 and could rotate through it, so by
    default the /64 network is hashed rather than the single address.

    With `rotate_daily`, each UTC day uses a key derived from the secret and the
    date: ids from different days cannot be linked, at the price that per-day
    limits, cooldowns and bans last at most until midnight UTC.
    """

    def __init__(
        self,
        secret: bytes,
        *,
        rotate_daily: bool = False,
        ipv6_prefix: int = 64,
        clock: Clock = utc_now,
    ) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the hashing secret needs at least {MIN_SECRET_BYTES} bytes")
        if not 1 <= ipv6_prefix <= 128:
            raise ValueError("ipv6_prefix must be between 1 and 128")
        self._secret = secret
        self._rotate_daily = rotate_daily
        self._ipv6_prefix = ipv6_prefix
        self._clock = clock

    def hash(self, address: str) -> str:
        """The client id for `address` (32 hex characters)."""
        key = self._key_for(self._clock()) if self._rotate_daily else self._secret
        digest = hmac.new(key, self._subject(address).encode(), hashlib.sha256)
        return digest.hexdigest()[:_HASH_HEX_CHARS]

    def _key_for(self, now: datetime | float) -> bytes:
        day = as_utc(now).date().isoformat()
        return hmac.new(self._secret, b"day:" + day.encode(), hashlib.sha256).digest()

    def _subject(self, address: str) -> str:
        canonical = normalize_address(address)
        if canonical is None:
            return address  # a unix socket path or test client name: hash as given
        parsed = ipaddress.ip_address(canonical)
        if isinstance(parsed, ipaddress.IPv6Address) and self._ipv6_prefix < 128:
            return str(ipaddress.ip_network(f"{canonical}/{self._ipv6_prefix}", strict=False))
        return canonical


def load_or_create_secret(env_value: str | None, path: Path) -> bytes:
    """The hashing secret: from the environment, else from `path`, created on first run.

    The file is created with owner-only permissions and published atomically
    (written to a temporary name, then hard-linked into place), so two replicas
    starting together agree on one secret. Keep `path` outside the repository,
    under the data directory.
    """
    if env_value:
        secret = env_value.encode()
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the hashing secret needs at least {MIN_SECRET_BYTES} bytes")
        return secret
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: use its secret
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    """The secret in `path`, first taking away any access but the owner's."""
    if os.stat(path).st_mode & 0o077:
        log.warning("%s was readable by others; restricting it to its owner", path)
        os.chmod(path, 0o600)
    secret = path.read_text().strip().encode()
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"{path} holds a secret shorter than {MIN_SECRET_BYTES} bytes")
    return secret
