"""Each service refuses a principal that the gateway signed for another service."""

from __future__ import annotations

from shared.principal import PRINCIPAL_HEADER, Role
from tests.conftest import unique_id


async def test_service_refuses_principal_of_other_service(ledger_service, signer):
    # What a compromised accounts service could replay: a system principal it received.
    for_accounts = signer.issue(user_id="gateway", role=Role.SYSTEM, audience="accounts")
    path = f"/creditors/{unique_id('cred')}"
    body = {"name": "Créancier audience"}

    replayed = await ledger_service.client.put(path, json=body, headers={PRINCIPAL_HEADER: for_accounts})
    own = await ledger_service.client.put(path, json=body, headers=ledger_service.system_headers())

    assert replayed.status == 401
    assert own.status == 200
