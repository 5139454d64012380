"""Container health check: GET /healthz from this container's own server, as the proxy would.

Usage: python deploy/docker/healthcheck.py [PORT]   (exit 0 when /healthz answers 200)

/healthz answers 200 when the database and the channel layer work, 503 otherwise. The request
carries a Host from DJANGO_ALLOWED_HOSTS (any other Host gets 400) and X-Forwarded-Proto: https
(production settings redirect plain-HTTP requests to HTTPS), exactly what the proxy sends.
Standard library only: the slim image has no curl.
"""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    port = sys.argv[1] if len(sys.argv) > 1 else "8000"
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    # ".example.org" in ALLOWED_HOSTS also allows "example.org" itself.
    host = hosts[0].lstrip(".") if hosts else "localhost"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": host, "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=8) as response:  # noqa: S310 (fixed URL)
            print(response.status, response.read(500).decode(errors="replace"))
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as error:
        print(error.code, error.read(500).decode(errors="replace"))
    except OSError as error:
        print("unreachable:", error)
    return 1


if __name__ == "__main__":
    sys.exit(main())
