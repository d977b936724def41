"""Print deploy/nats/users.conf: the NATS users of Compose and their permissions.

Usage: python -m services.nats_users > deploy/nats/users.conf

The permissions come from `shared.events.access` and the subjects each
service reads; a test fails while the committed file differs from this
output.
"""

from __future__ import annotations

from services.registry import service_subscriptions
from shared.events.access import deploy_users_config

if __name__ == "__main__":
    print(deploy_users_config(service_subscriptions()), end="")
