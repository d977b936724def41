"""Relay a service's file or JSON response to the browser as it arrives, with its caching headers.

The gateway signs the session's principal for the call, so the service
itself decides what the agency may read, and a foreign document gets the
service's own 404. Error responses (4xx) become the usual domain errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import aiohttp
import structlog
from aiohttp import web

from gateway.clients import HTTP_SESSION, ServiceClient, current_request_id, service_error
from gateway.errors import ServiceUnavailable
from gateway.sessions import SessionInfo
from shared.principal import PRINCIPAL_HEADER
from shared.web import REQUEST_ID_HEADER

log = structlog.get_logger(__name__)

CHUNK_BYTES = 64 * 1024
# Conditional request headers that let the browser revalidate a cached document (304).
FORWARDED_REQUEST_HEADERS = ("If-None-Match", "If-Modified-Since")
# A service's Cache-Control is not among them: the gateway's own no-store applies, because a
# browser that kept an invoice PDF showed it after logout, also to the next user.
FORWARDED_RESPONSE_HEADERS = ("Content-Type", "Content-Disposition", "ETag", "Last-Modified")


class RelayInterrupted(Exception):
    """The relay failed after the gateway had sent the response headers.

    Either the service's body failed or the browser disconnected. The error
    middleware lets it through, so aiohttp closes the connection and the
    browser gets a truncated download instead of an error page glued to a file.
    """


async def relay_get(
    request: web.Request,
    client: ServiceClient,
    session: SessionInfo,
    path: str,
    params: Mapping[str, str] | None = None,
) -> web.StreamResponse:
    """Send ``GET path`` to the service as the session's user and stream its 200 or 304 response back.

    A 4xx response raises the matching domain error, with the service's
    French message and code. ServiceUnavailable means that the service could
    not be reached, timed out or failed before its body started.
    RelayInterrupted means that the transfer broke once the body had started.
    """
    headers = {PRINCIPAL_HEADER: client.user_principal(session)}
    request_id = current_request_id()
    if request_id:
        headers[REQUEST_ID_HEADER] = request_id
    for name in FORWARDED_REQUEST_HEADERS:
        if name in request.headers:
            headers[name] = request.headers[name]

    http = request.app[HTTP_SESSION]
    url = f"{client.base_url}{path}"
    try:
        upstream = await http.get(url, params=params, headers=headers)
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        raise _unreachable(client.name, path, error) from error
    try:
        try:
            await _raise_for_error(client, path, upstream)
            # Reading the first chunk before sending anything means that a failure
            # here still becomes a clean 503 for the browser.
            first_chunk = await upstream.content.readany()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise _unreachable(client.name, path, error) from error

        response = _response_like(upstream, request_id)
        try:
            await response.prepare(request)
            if first_chunk:
                await response.write(first_chunk)
                await _copy_rest(upstream, response, client.name, path)
            await response.write_eof()
        except ConnectionResetError as error:
            log.info("client_disconnected", service=client.name, path=path)
            raise RelayInterrupted(f"the browser disconnected while {path} was relayed") from error
        return response
    finally:
        upstream.release()


def _unreachable(service: str, path: str, error: BaseException) -> ServiceUnavailable:
    log.error("service_unreachable", service=service, path=path, error=repr(error))
    return ServiceUnavailable(service)


async def _raise_for_error(client: ServiceClient, path: str, upstream: aiohttp.ClientResponse) -> None:
    status = upstream.status
    if status < 400:
        return
    if status >= 500 or status == 401:
        # A 401 means the service rejected the gateway's principal (mismatched keys).
        log.error("service_failed", service=client.name, path=path, status=status)
        raise ServiceUnavailable(client.name)
    try:
        body = await upstream.json(content_type=None)
    except ValueError as error:
        log.error("service_invalid_response", service=client.name, path=path, status=status, error=repr(error))
        raise ServiceUnavailable(client.name) from error
    raise service_error(client.name, status, body)


def _response_like(upstream: aiohttp.ClientResponse, request_id: str | None) -> web.StreamResponse:
    response = web.StreamResponse(status=upstream.status)
    for name in FORWARDED_RESPONSE_HEADERS:
        if name in upstream.headers:
            response.headers[name] = upstream.headers[name]
    # aiohttp has already decoded a compressed body, so its length is only known for a plain one.
    if upstream.status == 200 and upstream.content_length is not None and "Content-Encoding" not in upstream.headers:
        response.content_length = upstream.content_length
    if request_id:
        # The request middleware adds this header only after the handler returns,
        # which is too late for a response whose headers are already sent.
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


async def _copy_rest(
    upstream: aiohttp.ClientResponse, response: web.StreamResponse, service: str, path: str
) -> None:
    while True:
        try:
            chunk = await upstream.content.read(CHUNK_BYTES)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            log.error("service_body_interrupted", service=service, path=path, error=repr(error))
            raise RelayInterrupted(f"{service} failed while sending {path}") from error
        if not chunk:
            return
        # A browser that disconnects makes this write raise ConnectionResetError.
        await response.write(chunk)
