from pathlib import Path

import pytest

from marquee.kit.geo import GeoLocator, client_address, parse_networks, parse_proxies


def test_the_most_specific_network_of_the_table_wins() -> None:
    geo = GeoLocator("10.0.0.0/8=US, 10.1.0.0/16=de, 127.0.0.2/32=FR, fd00::/8=JP")
    assert geo.country("10.9.9.9") == "US"
    assert geo.country("10.1.2.3") == "DE"
    assert geo.country("127.0.0.2") == "FR"
    assert geo.country("fd00::1") == "JP"
    assert geo.country("192.0.2.1") is None
    assert geo.country("not an address") is None


@pytest.mark.parametrize("spec", ["10.0.0.0/8", "10.0.0.0/8=USA", "300.0.0.0/8=US", "x=US"])
def test_a_malformed_table_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match=r".+"):
        parse_networks(spec)


def test_countries_come_from_a_maxmind_database(tmp_path: Path) -> None:
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-Country")
    writer.insert_network(IPSet(["203.0.113.0/24"]), {"country": {"iso_code": "NZ"}})
    writer.insert_network(IPSet(["198.51.100.0/24"]), {"registered_country": {"iso_code": "BR"}})
    path = tmp_path / "country.mmdb"
    writer.to_db_file(str(path))

    geo = GeoLocator("198.51.100.7/32=PT", path)
    assert geo.country("203.0.113.9") == "NZ"
    assert geo.country("198.51.100.8") == "BR"
    assert geo.country("198.51.100.7") == "PT", "the settings table overrides the database"
    assert geo.country("192.0.2.1") is None
    geo.close()


def test_a_forwarded_address_is_believed_only_from_a_trusted_proxy() -> None:
    proxies = parse_proxies("10.0.0.0/8")
    assert client_address("10.0.0.5", "203.0.113.9", proxies) == "203.0.113.9"
    assert client_address("198.51.100.1", "203.0.113.9", proxies) == "198.51.100.1"
    assert client_address("10.0.0.5", "6.6.6.6, 203.0.113.9, 10.0.0.9", proxies) == "203.0.113.9"
    assert client_address("10.0.0.5", None, proxies) == "10.0.0.5"
