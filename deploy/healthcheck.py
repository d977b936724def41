"""Container health check: exit 0 when this container's process responds to GET /healthz.

The image's HEALTHCHECK runs it inside the container. The port is
MF_HTTP_PORT, the variable the service or gateway listens on. Only the
standard library is used, so the check does not depend on the application.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_PORT = "8470"
# Below the HEALTHCHECK --timeout of deploy/Dockerfile (5 s), so a slow
# response is reported here instead of the check being killed.
TIMEOUT_SECONDS = 4.0


def check_health(port: str) -> str | None:
    """Return None when http://127.0.0.1:PORT/healthz returns 200, else the problem."""
    url = f"http://127.0.0.1:{port}/healthz"
    # An empty ProxyHandler ignores HTTP_PROXY, which must not apply to loopback.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return f"GET {url} failed: {reason}"
    if status != 200:
        return f"GET {url} returned HTTP {status}, expected 200"
    return None


def main() -> int:
    port = os.environ.get("MF_HTTP_PORT", DEFAULT_PORT)
    problem = check_health(port)
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
