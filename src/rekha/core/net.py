"""The client's network address, as far as we can trust it."""

from __future__ import annotations

import ipaddress

from starlette.requests import HTTPConnection

from rekha.settings import Settings

UNKNOWN_CLIENT = "unknown"


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HTTPConnection, settings: Settings) -> str:
    """The address rate limits and quotas are keyed by.

    X-Forwarded-For is only read when TRUST_FORWARDED_FOR is set (Rekha behind its own reverse
    proxy). Then the *rightmost* entry is used: it is the one our proxy appended; anything to its
    left was sent by the client and can be forged.
    """
    if settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        entries = [e for e in (p.strip() for p in forwarded.split(",")) if e]
        if entries:
            ip = _valid_ip(entries[-1])
            if ip:
                return ip
    if request.client and request.client.host:
        return _valid_ip(request.client.host) or request.client.host
    return UNKNOWN_CLIENT
