"""URL checks and normal forms (pure)."""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from bot.errors import UserFacingError

MAX_URL_LENGTH = 2048

# Query parameters that only say where a click came from; they never change the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ocid",
        "cmpid",
        "smid",
        "ncid",
        "soc_src",
        "soc_trk",
    }
)
TRACKING_PREFIXES = ("utm_",)
DEFAULT_PORTS = {"http": 80, "https": 443}
# The WHATWG Fetch standard's "bad ports" (https://fetch.spec.whatwg.org/#port-blocking): ports of
# services that speak other protocols (mail, file sharing, chat, name service...), which browsers
# never send a request to, so that no web page can be made to talk to them.
# fmt: off
BAD_PORTS = frozenset({
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95,
    101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179,
    389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601,
    636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566,
    6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
})
# fmt: on
LABEL_PATH_CHARS = 40


_NUMERIC_HOST = re.compile(
    r"(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}", re.IGNORECASE
)
_ALREADY_NORMAL = re.compile(r"https?://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?:/[^?#%\s]*)?\Z")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
# IPv6 ranges whose last 32 bits are the IPv4 address reached: NAT64 (RFC 6052) and
# IPv4-translated addresses (RFC 2765).
_IPV6_CARRYING_IPV4 = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("::ffff:0:0:0/96"),
)
# Ranges Python's is_global (3.11) still counts as global: IETF protocol assignments, which are
# not reachable on the internet, deprecated IPv4-compatible addresses (::a.b.c.d) and local-use
# NAT64 (RFC 8215).
_NEVER_PUBLIC = (
    ipaddress.IPv4Network("192.0.0.0/24"),
    ipaddress.IPv6Network("::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
)


class InvalidURL(UserFacingError):
    """A URL newsbot will not fetch; the message says why."""


def check_url(url: str) -> str:
    """Return ``url`` stripped, or raise InvalidURL with a reason a person understands."""
    url = url.strip()
    if not url:
        raise InvalidURL("The URL is empty.")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    if _SPACE_OR_CONTROL.search(url):
        raise InvalidURL("The URL contains spaces or control characters.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        shown = f"`{scheme}:`" if scheme else "no scheme"
        raise InvalidURL(f"Only http and https URLs can be watched (this one has {shown}).")
    if not parts.hostname:
        raise InvalidURL("The URL has no host name.")
    try:
        _ = parts.port
    except ValueError:
        raise InvalidURL("The URL has an invalid port.") from None
    if "@" in parts.netloc:
        raise InvalidURL(
            "The URL has a user name or password in it (the part before the @). newsbot "
            "doesn't take logins in addresses: a source's address is stored and shared. Use the "
            "feed's public address."
        )
    return url


def source_label(url: str) -> str:
    """How a source without a title is shown: its host and at most LABEL_PATH_CHARS of its
    path; never its port, query string or login (which can hold a key or a password)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    if len(path) > LABEL_PATH_CHARS:
        path = path[: LABEL_PATH_CHARS - 1] + "…"
    scheme = parts.scheme.lower()
    if scheme and scheme not in DEFAULT_PORTS:  # not a web address: say what it is
        return f"{scheme}://{host}{path}"
    return (host or "?") + path


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local...).

    An IPv6 address that carries an IPv4 one (mapped, translated, NAT64, 6to4) is judged by the
    IPv4 address it reaches."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        carried = _carried_ipv4(ip)
        if carried is not None:
            ip = carried
    if any(ip in network for network in _NEVER_PUBLIC):
        return False
    return ip.is_global and not ip.is_multicast


def _carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in network for network in _IPV6_CARRYING_IPV4):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_local_name(host: str) -> bool:
    """``localhost`` and its subdomains, which always mean this machine (RFC 6761)."""
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def literal_ip(host: str) -> str | None:
    """The host as an IP address string if it is written as one: ``[::1]``, ``127.0.0.1``,
    and the spellings C resolvers also accept (``2130706433``, ``0177.0.0.1``, ``127.1``,
    ``0x7f.1``)."""
    host = host.strip("[]")
    if host.endswith(".") and not host.endswith(".."):
        host = host[:-1]  # an absolute name: 127.0.0.1. is 127.0.0.1
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(host):
        try:
            return str(ipaddress.IPv4Address(socket.inet_aton(host)))
        except OSError:
            return None
    return None


def normalize_url(url: str, base: str | None = None) -> str:
    """A normal form of a link: lower-case scheme and host, no default port, no fragment,
    no tracking parameters, remaining parameters sorted."""
    if base:
        url = urljoin(base, url.strip())
    url = url.strip()
    if _ALREADY_NORMAL.match(url):
        # Most feed links: lower-case host, default port, no query or fragment.
        return url if url.count("/") > 2 else url + "/"
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host  # credentials, if any, are dropped: they never belong in an identity
    if port is not None and DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{host}:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    query.sort()
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def host_of(url: str) -> str:
    """The lower-case host name of a URL ('' when there is none)."""
    return (urlsplit(url).hostname or "").lower()


def domain_levels(host: str) -> list[str]:
    """news.bbc.co.uk -> news.bbc.co.uk, bbc.co.uk, co.uk (``www.`` dropped): the domains a
    ``source:`` filter may name to mean this host."""
    parts = host.lower().removeprefix("www.").split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)]
