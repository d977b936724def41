"""Development page /dev/courriels: served to loopback clients only, because it shows every agency's links."""

from __future__ import annotations

from unittest import mock

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from gateway.portal.dev_mail import dev_mail_page, is_local_client


def request_from(peer: str, app: web.Application | None = None, **headers: str) -> web.Request:
    """Build a GET /dev/courriels whose socket peer is ``peer``."""
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (peer, 43210) if name == "peername" else default
    return make_mocked_request("GET", "/dev/courriels", headers=headers, app=app, transport=transport)


@pytest.mark.parametrize("peer", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
def test_loopback_peer_is_local(peer):
    assert is_local_client(request_from(peer))


@pytest.mark.parametrize("peer", ["192.0.2.10", "10.0.0.5", "2001:db8::1", "::ffff:192.0.2.10", "not-an-address"])
def test_remote_peer_is_not_local(peer):
    assert not is_local_client(request_from(peer))


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_forwarded_request_is_not_local(header):
    assert not is_local_client(request_from("127.0.0.1", **{header: "192.0.2.10"}))


async def test_remote_client_gets_404(make_gateway, tmp_path):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    gateway = await make_gateway(mail_dir=mail_dir)

    with pytest.raises(web.HTTPNotFound):
        await dev_mail_page(request_from("192.0.2.10", app=gateway.app))


async def test_proxied_loopback_request_gets_404(make_gateway, tmp_path):
    gateway = await make_gateway(mail_dir=tmp_path / "mail")

    response = await gateway.get("/dev/courriels", headers={"X-Forwarded-For": "192.0.2.10"})

    assert response.status == 404
    assert "Page introuvable" in await response.text()


async def test_loopback_client_sees_page(make_gateway, tmp_path):
    gateway = await make_gateway(mail_dir=tmp_path / "mail")

    response = await gateway.get("/dev/courriels")

    assert response.status == 200
    assert "ne répond qu’aux connexions locales" in await response.text()
