"""Where a request comes from: the client's address and its country (ISO 3166-1 alpha-2).

Countries come first from the CIDR table in settings (``MARQUEE_GEO_NETWORKS``, for private
networks and tests), then from a MaxMind-format database (``MARQUEE_GEOIP_DB``, e.g. GeoLite2
Country or DB-IP's free country database, read with ``maxminddb``). A forwarded client address
(``X-Forwarded-For``) is believed only when the connection comes from a configured proxy
(``MARQUEE_TRUSTED_PROXIES``), so a viewer cannot pick a country by sending a header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import maxminddb

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(spec: str) -> list[tuple[Network, str]]:
    """``"127.0.0.2/32=FR,10.0.0.0/8=US"`` → [(network, "FR"), …]; ValueError if malformed."""
    table: list[tuple[Network, str]] = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        cidr, _, country = item.partition("=")
        country = country.strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise ValueError(f"{item!r}: expected CIDR=CC with a two-letter country code")
        table.append((ipaddress.ip_network(cidr.strip(), strict=False), country))
    return sorted(table, key=lambda entry: entry[0].prefixlen, reverse=True)


def parse_proxies(spec: str) -> list[Network]:
    return [
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    ]


class GeoLocator:
    """Country lookup: the most specific network of the table wins, then the database."""

    def __init__(self, networks: str = "", database: Path | None = None) -> None:
        self.table = parse_networks(networks)
        self.reader: Any = maxminddb.open_database(str(database)) if database else None

    def country(self, ip: str) -> str | None:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return None
        for network, country in self.table:
            if address.version == network.version and address in network:
                return country
        if self.reader is None:
            return None
        record = self.reader.get(str(address))
        if not isinstance(record, dict):
            return None
        found = (record.get("country") or record.get("registered_country") or {}).get("iso_code")
        return str(found).upper() if found else None

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()


def client_address(peer: str, forwarded_for: str | None, proxies: Sequence[Network]) -> str:
    """The viewer's address: walk ``X-Forwarded-For`` from the right while hops are trusted."""
    hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
    address = peer
    while hops and in_networks(address, proxies):
        address = hops.pop()
    return address


def in_networks(address: str, networks: Sequence[Network]) -> bool:
    """Whether ``address`` (an IP address; anything else is in none) is in one of ``networks``."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)
