"""The client's IP address, taken from the socket unless a trusted proxy forwarded the request."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web

from gateway.settings import IpNetwork

FORWARDED_FOR_HEADER = "X-Forwarded-For"


def _parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Sequence[IpNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in proxies)


def client_ip(request: web.Request, trusted_proxies: Sequence[IpNetwork]) -> str:
    """Return the client IP address of ``request``.

    Without trusted proxies this is the socket peer, whatever the headers contain.
    When the peer is a trusted proxy, the address is the right-most entry of
    X-Forwarded-For that is not itself a trusted proxy, because every entry left of
    the first untrusted hop may have been written by the client.
    """
    peername = request.transport.get_extra_info("peername") if request.transport else None
    peer_text = peername[0] if isinstance(peername, tuple) and peername else None
    peer = _parse_address(peer_text) if peer_text else None
    if peer is None:
        return peer_text or "unknown"
    if not trusted_proxies or not _is_trusted(peer, trusted_proxies):
        return str(peer)

    hops = [hop for header in request.headers.getall(FORWARDED_FOR_HEADER, []) for hop in header.split(",")]
    for hop in reversed(hops):
        address = _parse_address(hop)
        if address is None:
            # Hops left of an unparsable entry cannot be trusted, so stop at the last known address.
            break
        if not _is_trusted(address, trusted_proxies):
            return str(address)
        peer = address
    return str(peer)
