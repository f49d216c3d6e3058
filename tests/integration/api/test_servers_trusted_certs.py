"""Trusted image certificates (2.63): given at boot or rebuild, shown on the server (GET, PUT,
rebuild); refused before 2.63 and for servers booted from a volume."""

from __future__ import annotations

from typing import Any

from tests.support.compute_api import SERVERS, Compute, auth, image_bdm

CERTS = ["0b5d2c72-12cc-4ba6-a8d7-3ff5cc1d8cb8", "674736e3-f25c-405c-8362-bbf991e0ce0a"]


def rebuild(compute: Compute, who: dict[str, str], server_id: str, version: str,
            **fields: Any) -> Any:
    return compute.action(who, server_id, {"rebuild": {"imageRef": compute.image, **fields}},
                          version)


def test_certificates_are_kept_and_shown_from_2_63(compute: Compute,
                                                   member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a, version="2.63", networks="none",
                               trusted_image_certificates=CERTS)
    assert compute.show(member_a, server_id, "2.63")["trusted_image_certificates"] == CERTS
    assert "trusted_image_certificates" not in compute.show(member_a, server_id, "2.62")
    detail = compute.client.get(f"{SERVERS}/detail", headers=auth(member_a, "2.63")).json()
    assert [s["trusted_image_certificates"] for s in detail["servers"]] == [CERTS]
    put = compute.client.put(f"{SERVERS}/{server_id}", json={"server": {"name": "renamed"}},
                             headers=auth(member_a, "2.63"))
    assert put.status_code == 200 and put.json()["server"]["trusted_image_certificates"] == CERTS
    assert "key_name" not in put.json()["server"], "a PUT's answer has no key_name"
    old_put = compute.client.put(f"{SERVERS}/{server_id}", json={"server": {"name": "again"}},
                                 headers=auth(member_a, "2.62"))
    assert "trusted_image_certificates" not in old_put.json()["server"]
    kept = rebuild(compute, member_a, server_id, "2.63")
    assert kept.status_code == 202 and kept.json()["server"]["trusted_image_certificates"] == CERTS
    compute.succeeded(server_id, "rebuild")
    cleared = rebuild(compute, member_a, server_id, "2.63", trusted_image_certificates=None)
    assert cleared.json()["server"]["trusted_image_certificates"] is None
    compute.succeeded(server_id, "rebuild")
    assert compute.show(member_a, server_id, "2.63")["trusted_image_certificates"] is None


def test_a_server_without_certificates_shows_null(compute: Compute,
                                                  member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a, version="2.63", networks="none")
    assert compute.show(member_a, server_id, "2.63")["trusted_image_certificates"] is None


def test_bad_certificates_are_400_and_boot_nothing(compute: Compute,
                                                   member_a: dict[str, str]) -> None:
    for version, certs in (("2.62", CERTS), ("2.63", []), ("2.63", [""]),
                           ("2.63", [CERTS[0], CERTS[0]]),
                           ("2.63", [f"c{i}" for i in range(51)])):
        response = compute.boot(member_a, version=version, networks="none",
                                trusted_image_certificates=certs)
        assert response.status_code == 400, (version, certs)
    from_volume = compute.boot(member_a, version="2.63", networks="none", imageRef="",
                               block_device_mapping_v2=[image_bdm(compute.image)],
                               trusted_image_certificates=CERTS)
    assert from_volume.status_code == 400
    assert "not supported when booting from volume" in from_volume.text
    assert compute.client.get(SERVERS, headers=auth(member_a)).json()["servers"] == []
    server_id = compute.active(member_a, version="2.62", networks="none")
    too_old = rebuild(compute, member_a, server_id, "2.62", trusted_image_certificates=CERTS)
    assert too_old.status_code == 400
