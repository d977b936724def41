"""Sessions opened from a second browser, to check which sessions a change closes."""

from __future__ import annotations

import aiohttp

from tests.gateway.conftest import csrf_token_of
from tests.gateway.support import AgencyLogin


async def second_session(gateway, user: AgencyLogin) -> str:
    """Log ``user`` in from another browser with its own cookie jar, and return that session's cookie."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = await browser.get(gateway.make_url("/connexion"))
        token = csrf_token_of(await page.text())
        response = await browser.post(
            gateway.make_url("/connexion"),
            data={"login": user.login, "password": user.password, "csrf_token": token},
            allow_redirects=False,
        )
        assert response.status == 302
        return browser.cookie_jar.filter_cookies(gateway.make_url("/"))["mf_session"].value


async def is_logged_in(gateway, cookie: str) -> bool:
    """Return whether the session cookie ``cookie`` opens a page, sent without the test client's own cookies."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as browser:
        response = await browser.get(
            gateway.make_url("/securite"), headers={"Cookie": f"mf_session={cookie}"}, allow_redirects=False
        )
        return response.status == 200


async def security_token(gateway) -> str:
    return csrf_token_of(await (await gateway.get("/securite")).text())
