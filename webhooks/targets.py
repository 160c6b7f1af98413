"""Where webhooks may go, and the HTTP POST that takes them there.

Only http(s) URLs, and, unless WEBHOOK_ALLOW_PRIVATE_TARGETS (on with DEBUG, off in production),
only public addresses: a URL typed into the admin must not make the server call into its own
network (the database, Redis, a cloud metadata service). The name is resolved once and the
connection made to the very address that was checked, so that a name answering differently
between the check and the connection (DNS rebinding) gains nothing. Redirects are never followed:
http.client does not follow them, and a 3xx answer counts as a failed attempt.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SCHEMES = ("http", "https")


class RefusedTarget(ValidationError):
    """A URL webhooks are never sent to: trying again later would not help."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def _parts(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise RefusedTarget(_("Only http:// and https:// addresses can receive webhooks."))
    if not parts.hostname:
        raise RefusedTarget(_("The address has no host name."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise RefusedTarget(_("The address's port is not a valid port number.")) from error
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def is_public(address: str) -> bool:
    """Whether `address` is a public unicast address (not private, loopback, link-local, shared,
    reserved or multicast; an IPv4 address written as IPv6 is judged as IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _refuse_private(host: str, addresses: list[str]) -> None:
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return
    private = [address for address in addresses if not is_public(address)]
    if private:
        raise RefusedTarget(
            _(
                "%(host)s is a private, loopback or reserved address (%(address)s): webhooks are only sent to "
                "public addresses."
            )
            % {"host": host, "address": private[0]}
        )


def resolve(url: str) -> Target:
    """The URL's parts and the one address to connect to. RefusedTarget for a URL that is never
    allowed; OSError (socket.gaierror) when the name cannot be resolved now."""
    scheme, host, port, path = _parts(url)
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise socket.gaierror(_("%(host)s has no address.") % {"host": host})
    _refuse_private(host, addresses)
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])


def check(url: str) -> None:
    """Validation of an endpoint's URL (ValidationError): the scheme, and, when private targets are
    refused, that the name resolves to public addresses only."""
    _parts(url)
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return  # nothing to check about the address: the name may be resolvable only later
    try:
        resolve(url)
    except OSError as error:
        host = urlsplit(url).hostname
        raise ValidationError(_("The host %(host)s could not be found.") % {"host": host}) from error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to `address`, naming `host` in its Host header."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The same over TLS, the certificate checked against `host`."""

    default_port = http.client.HTTPS_PORT

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, address=address, timeout=timeout)
        self.tls = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self.tls.wrap_socket(self.sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
    """POST `body` to `url`; the answer's status code. Raises RefusedTarget for a URL that is not
    allowed, OSError or http.client.HTTPException when the receiver cannot be reached or answers
    nonsense."""
    target = resolve(url)
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = kind(target.host, target.port, address=target.address, timeout=timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        # The status is all that counts; the receiver's body is neither read nor kept.
        return connection.getresponse().status
    finally:
        connection.close()
