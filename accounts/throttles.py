"""Who a request comes from (behind trusted proxies), and the API's request throttles.

Security boundary. Sign-in rate limits (allauth) and API throttles (DRF) key on the same
client address, :func:`client_ip`, so that behind the documented TLS proxy every client gets
its own bucket and a forged ``X-Forwarded-For`` cannot pick one: only the addresses appended
by the ``TRUSTED_PROXY_COUNT`` proxies we run are believed.

The API throttles count in fixed windows in Django's default cache (the database cache in
production, shared by every gunicorn worker; one small integer per client and window, not
DRF's list of timestamps, which would rewrite kilobytes per request). A refused request
answers 429 with ``Retry-After`` (DRF's ``Throttled``). Rates are read from
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` at request time, so a settings override applies.
"""

from __future__ import annotations

import logging
import math
import time

from allauth import app_settings as allauth_settings
from allauth.core.internal.httpkit import clean_client_ip
from allauth.core.internal.ratelimit import truncate_ip
from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiToken

logger = logging.getLogger(__name__)

_DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: The cache alias the counters live in when settings define it (else ``"default"``).
THROTTLE_CACHE = "throttle"
#: After the throttle cache failed, count in the default cache for this long before trying it
#: again (one slow request per period at most, not one per request).
BREAKER_SECONDS = 30.0
_throttle_cache_down_until = 0.0


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as seen by the outermost proxy we trust, else ``REMOTE_ADDR``.

    * ``TRUSTED_CLIENT_IP_HEADER`` set (e.g. ``X-Real-IP``): that header, which our proxy
      overwrites; ``REMOTE_ADDR`` when it is absent (the request did not pass the proxy).
    * ``TRUSTED_PROXY_COUNT`` = n > 0: the n-th address from the right of ``X-Forwarded-For``
      (each trusted proxy appends the peer it saw; anything further left may be forged). With
      fewer entries than n, the leftmost one: the request skipped an outer proxy, and that
      entry is still one a trusted proxy appended.
    * otherwise ``REMOTE_ADDR``: ``X-Forwarded-For`` is ignored.

    IPv6 addresses are truncated to their /64 (allauth's ``RATE_LIMIT_IPV6_PREFIX``), so a
    client cannot rotate through its own prefix to get fresh buckets.
    """
    header = allauth_settings.TRUSTED_CLIENT_IP_HEADER
    count = allauth_settings.TRUSTED_PROXY_COUNT
    ip = None
    if header:
        ip = request.headers.get(header)
    elif count > 0:
        forwarded = [part for part in request.headers.get("x-forwarded-for", "").split(",")
                     if part.strip()]
        if forwarded:
            ip = forwarded[-min(count, len(forwarded))]
    if ip:
        ip = clean_client_ip(ip)
    if not ip:
        ip = clean_client_ip(request.META.get("REMOTE_ADDR", "") or "")
    return truncate_ip(ip) if ip else None


def parse_rate(rate: str) -> tuple[int, int]:
    """``"120/min"`` → ``(120, 60)``; the unit is its first letter (s, m, h, d), as in DRF."""
    try:
        amount, period = rate.split("/")
        return int(amount), _DURATIONS[period.strip()[0].lower()]
    except (ValueError, KeyError, IndexError) as error:
        raise ImproperlyConfigured(
            f"Throttle rate {rate!r} is not of the form '<requests>/<s|min|hour|day>'."
        ) from error


def _increment(store: BaseCache, key: str, timeout: int) -> int:
    if store.add(key, 1, timeout=timeout):
        return 1
    try:
        return store.incr(key)
    except ValueError:  # expired between add() and incr()
        store.set(key, 1, timeout=timeout)
        return 1


def count_request(key: str, *, timeout: int) -> int:
    """Add one to the counter ``key`` (created for ``timeout`` seconds) and return it: in the
    throttle cache while it answers, else in the default cache."""
    global _throttle_cache_down_until
    if THROTTLE_CACHE in settings.CACHES and time.monotonic() >= _throttle_cache_down_until:
        try:
            return _increment(caches[THROTTLE_CACHE], key, timeout)
        except (RedisError, OSError):
            _throttle_cache_down_until = time.monotonic() + BREAKER_SECONDS
            logger.warning("The throttle cache failed; counting in the default cache for "
                           "%.0f s.", BREAKER_SECONDS, exc_info=True)
    return _increment(caches["default"], key, timeout)


class FixedWindowThrottle(BaseThrottle):
    """Allow ``rate`` requests per window of ``scope``; subclasses say whom a request counts
    against (``ident``), or ``None`` for "not this throttle's business"."""

    scope: str = ""

    def ident(self, request, view) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        ident = self.ident(request, view)
        if rate is None or ident is None:
            return True
        limit, duration = parse_rate(rate)
        now = time.time()
        window = int(now // duration)
        count = count_request(f"throttle:{self.scope}:{ident}:{window}", timeout=duration + 1)
        self._wait = (window + 1) * duration - now
        return count <= limit

    def wait(self) -> float | None:
        wait = getattr(self, "_wait", None)
        return math.ceil(wait) if wait is not None else None


class ClientRateThrottle(FixedWindowThrottle):
    """Signed-in callers: one bucket per API token, or per user for session requests."""

    scope = "user"

    def ident(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            return f"token-{request.auth.pk}"
        if request.user and request.user.is_authenticated:
            return f"user-{request.user.pk}"
        return None


class ClientBurstRateThrottle(ClientRateThrottle):
    """The same buckets over a minute: a runaway script is stopped within seconds."""

    scope = "user_burst"


class AnonymousIPRateThrottle(FixedWindowThrottle):
    """Requests without credentials (schema, docs, refusals): one bucket per client address."""

    scope = "anon"

    def ident(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return f"ip-{client_ip(request)}"
