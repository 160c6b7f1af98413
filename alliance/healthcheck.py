"""`python -m alliance.healthcheck`: the container's HEALTHCHECK, asking the local gunicorn for /healthz.

Django answers only the host names in ALLOWED_HOSTS, so the request names the first of them rather
than 127.0.0.1, which production does not list. Exit status 0 when /healthz answers 200.
"""

import http.client
import os
import sys


def host_name() -> str:
    hosts = [host.strip() for host in os.environ.get("ALLOWED_HOSTS", "").split(",") if host.strip()]
    first = hosts[0] if hosts else "localhost"
    # A wildcard (".example.org" or "*") stands for names under it: any of them will do.
    return "localhost" if first == "*" else first.lstrip(".")


def main() -> None:
    port = int(os.environ.get("PORT", "8000"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz", headers={"Host": host_name()})
        status = connection.getresponse().status
    except OSError as error:
        sys.exit(f"healthz: {error}")
    finally:
        connection.close()
    if status != 200:
        sys.exit(f"healthz: {status}")


if __name__ == "__main__":
    main()
