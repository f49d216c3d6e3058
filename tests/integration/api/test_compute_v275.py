"""Compute 2.75's clean-ups: unknown query parameters are 400 where Nova's query schemas became
strict, PUT and rebuild answer the server as GET shows it, a flavor without swap shows 0, and
`with_servers` always gives a hypervisor its `servers`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.compute_api import Compute, auth

V21 = "/compute/v2.1"
STRICT_GETS = ("/servers", "/servers/detail", "/flavors", "/flavors/detail", "/os-keypairs",
               "/os-keypairs/kp", "/limits", "/os-quota-sets/{project}",
               "/os-quota-sets/{project}/detail", "/os-server-groups", "/os-services",
               "/os-simple-tenant-usage", "/os-simple-tenant-usage/{project}",
               "/servers/{server}/os-volume_attachments")


def get(compute: Compute, who: dict[str, str], path: str, version: str) -> Any:
    response = compute.client.get(f"{V21}{path}", headers=auth(who, version))
    assert response.status_code == 200, response.text
    return response.json()


def test_unknown_query_parameters_are_refused_from_2_75(compute: Compute,
                                                        admin: dict[str, str]) -> None:
    server_id = compute.booted(admin)
    project = compute.instance(server_id).project_id
    for template in STRICT_GETS:
        path = template.format(project=project, server=server_id)
        for version, refused in (("2.74", False), ("2.75", True)):
            response = compute.client.get(f"{V21}{path}?xxx=1", headers=auth(admin, version))
            assert (response.status_code == 400) is refused, (path, version, response.text)
        message = compute.client.get(f"{V21}{path}?xxx=1&yyy=2", headers=auth(admin, "2.75"))
        assert message.json()["badRequest"]["message"] == \
            "Additional properties are not allowed ('xxx', 'yyy' were unexpected)"
    quota = f"{V21}/os-quota-sets/{project}?xxx=1"
    put = compute.client.put(quota, json={"quota_set": {"cores": 30}},
                             headers=auth(admin, "2.75"))
    assert put.status_code == 400
    assert compute.client.delete(quota, headers=auth(admin, "2.75")).status_code == 400
    assert get(compute, admin, f"/os-quota-sets/{project}", "2.75")["quota_set"]["cores"] != 30


def test_known_parameters_and_sort_keys(compute: Compute, admin: dict[str, str]) -> None:
    compute.booted(admin, name="a")
    listed = get(compute, admin, "/servers?name=a&limit=5&sort_key=display_name", "2.75")
    assert [s["name"] for s in listed["servers"]] == ["a"]
    assert get(compute, admin, "/os-keypairs?user_id=x&limit=1", "2.75")["keypairs"] == []
    assert get(compute, admin, "/servers?sort_key=id", "2.74")["servers"]  # ignored before
    refused = compute.client.get(f"{V21}/servers?sort_key=id", headers=auth(admin, "2.75"))
    assert refused.status_code == 400
    assert "sort_key" in refused.json()["badRequest"]["message"]


@pytest.mark.parametrize("who", ["member", "admin"])
def test_put_and_rebuild_answer_the_full_server(compute: Compute, member_a: dict[str, str],
                                                admin: dict[str, str], who: str) -> None:
    caller = admin if who == "admin" else member_a
    server_id = compute.active(member_a, user_data="aGk=")
    put = compute.client.put(f"{V21}/servers/{server_id}", json={"server": {"name": "b"}},
                             headers=auth(caller, "2.75"))
    assert put.status_code == 200, put.text
    shown = compute.show(caller, server_id, "2.75")
    assert put.json()["server"].keys() == shown.keys()
    assert put.json()["server"]["name"] == "b"
    assert ("OS-EXT-SRV-ATTR:host" in shown) is (who == "admin")
    rebuilt = compute.action(caller, server_id, {"rebuild": {"imageRef": compute.image}},
                             "2.75")
    assert rebuilt.status_code == 202, rebuilt.text
    body = rebuilt.json()["server"]
    expected = (shown.keys() - {"OS-EXT-SRV-ATTR:user_data", "progress"}) | {"user_data",
                                                                             "adminPass"}
    assert body.keys() - {"progress"} == expected
    assert body["user_data"] == "aGk=" and body["status"] == "REBUILD"
    older = compute.client.put(f"{V21}/servers/{server_id}", json={"server": {"name": "c"}},
                               headers=auth(caller, "2.74")).json()["server"]
    assert "OS-EXT-STS:vm_state" not in older and "key_name" not in older


def test_no_swap_is_zero_from_2_75(compute: Compute, member_a: dict[str, str]) -> None:
    for version, swap in (("2.74", ""), ("2.75", 0)):
        flavor = get(compute, member_a, "/flavors/1", version)["flavor"]
        assert flavor["swap"] == swap
        assert {f["swap"] for f in get(compute, member_a, "/flavors/detail",
                                       version)["flavors"]} == {swap}


def test_with_servers_always_lists_them_from_2_75(compute: Compute,
                                                  admin: dict[str, str]) -> None:
    for version, key in (("2.74", False), ("2.75", True)):
        for path in ("/os-hypervisors?with_servers=true",
                     "/os-hypervisors/detail?with_servers=true"):
            hypervisors = get(compute, admin, path, version)["hypervisors"]
            assert all(("servers" in h) is key for h in hypervisors), (path, version)
            assert all(h.get("servers", []) == [] for h in hypervisors)
        first = get(compute, admin, "/os-hypervisors", version)["hypervisors"][0]["id"]
        shown = get(compute, admin, f"/os-hypervisors/{first}?with_servers=true", version)
        assert ("servers" in shown["hypervisor"]) is key
        assert "servers" not in get(compute, admin, f"/os-hypervisors/{first}",
                                    version)["hypervisor"]
