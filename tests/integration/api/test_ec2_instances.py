"""EC2 instances through boto3: RunInstances boots through the same BootService as `/servers`
(the same servers, seen by both APIs), the worker's outcomes stood in for as in the other API
tests (tests/support/compute_api.py), then describe, stop, start, reboot, console, terminate."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from tests.support.compute_api import Compute
from tests.support.keypairs_api import NOVA_KEY


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def ami(image_id: str) -> str:
    return "ami-" + UUID(image_id).hex[:17]


def server_ids(client: TestClient, who: dict[str, str]) -> dict[str, str]:
    """`i-…` → uuid of every server the OpenStack API lists for `who`."""
    listed = client.get("/compute/v2.1/servers", headers={"X-Auth-Token": who["token"]}).json()
    return {"i-" + UUID(s["id"]).hex[:17]: s["id"] for s in listed["servers"]}


def states(ec2: Any, ids: list[str]) -> list[str]:
    found = ec2.describe_instances(InstanceIds=ids)["Reservations"]
    by_id = {i["InstanceId"]: i["State"]["Name"] for r in found for i in r["Instances"]}
    return [by_id[i] for i in ids]


def test_instance_session(ec2: Any, compute: Compute, client: TestClient,
                          member_a: dict[str, str]) -> None:
    ec2.import_key_pair(KeyName="mine", PublicKeyMaterial=NOVA_KEY.encode())
    run = ec2.run_instances(ImageId=ami(compute.image), InstanceType="m1.tiny", MinCount=2,
                            MaxCount=2, KeyName="mine", UserData="#!/bin/sh\necho hi\n",
                            Placement={"AvailabilityZone": "nova"})
    ids = [i["InstanceId"] for i in run["Instances"]]
    assert len(ids) == 2 and all(i.startswith("i-") and len(i) == 19 for i in ids)
    assert {i["State"]["Name"] for i in run["Instances"]} == {"pending"}
    assert {i["InstanceType"] for i in run["Instances"]} == {"m1.tiny"}
    assert {i["ImageId"] for i in run["Instances"]} == {ami(compute.image)}
    assert run["OwnerId"] == member_a["project_id"]
    uuids = server_ids(client, member_a)
    assert set(ids) <= set(uuids), "the OpenStack API lists the EC2-made servers"
    for i in ids:
        compute.spawned(uuids[i])
    assert states(ec2, ids) == ["running", "running"]
    statuses = ec2.describe_instance_status(InstanceIds=ids)["InstanceStatuses"]
    assert [s["InstanceStatus"]["Status"] for s in statuses] == ["ok", "ok"]
    described = ec2.describe_instances(
        Filters=[{"Name": "instance-state-name", "Values": ["running"]}])["Reservations"]
    assert [r["ReservationId"] for r in described] == [run["ReservationId"]]
    assert described[0]["Instances"][0]["Placement"]["AvailabilityZone"] == "nova"
    assert described[0]["Instances"][0]["KeyName"] == "mine"

    stopped = ec2.stop_instances(InstanceIds=[ids[0]])["StoppingInstances"]
    assert (stopped[0]["PreviousState"]["Name"], stopped[0]["CurrentState"]["Name"]) == (
        "running", "stopping")
    compute.succeeded(uuids[ids[0]], "stop")
    assert states(ec2, ids) == ["stopped", "running"]
    running = ec2.describe_instance_status()["InstanceStatuses"]
    assert [s["InstanceId"] for s in running] == [ids[1]]
    everything = ec2.describe_instance_status(IncludeAllInstances=True)["InstanceStatuses"]
    assert {s["InstanceState"]["Name"] for s in everything} == {"stopped", "running"}
    started = ec2.start_instances(InstanceIds=[ids[0]])["StartingInstances"]
    assert started[0]["CurrentState"]["Name"] == "pending"
    compute.succeeded(uuids[ids[0]], "start")
    assert states(ec2, ids) == ["running", "running"]
    ec2.reboot_instances(InstanceIds=[ids[1]])
    console = ec2.get_console_output(InstanceId=ids[1])
    assert console["InstanceId"] == ids[1] and isinstance(console.get("Output", ""), str)

    gone = ec2.terminate_instances(InstanceIds=ids)["TerminatingInstances"]
    assert {t["CurrentState"]["Name"] for t in gone} == {"shutting-down"}
    for i in ids:
        compute.deleted(uuids[i])
    assert states(ec2, ids) == ["terminated", "terminated"]
    assert ec2.describe_instances()["Reservations"] == []


def test_pages_with_next_token(ec2: Any, compute: Compute) -> None:
    ec2.run_instances(ImageId=ami(compute.image), InstanceType="m1.tiny", MinCount=6,
                      MaxCount=6)
    first = ec2.describe_instances(MaxResults=5)
    second = ec2.describe_instances(MaxResults=5, NextToken=first["NextToken"])
    seen = [i["InstanceId"] for page in (first, second) for r in page["Reservations"]
            for i in r["Instances"]]
    assert len(seen) == 6 == len(set(seen)) and "NextToken" not in second
    for kwargs, expected in (({"MaxResults": 5, "NextToken": "nope"}, "InvalidPaginationToken"),
                             ({"MaxResults": 4}, "InvalidParameterValue")):
        with pytest.raises(ClientError) as refused:
            ec2.describe_instances(**kwargs)
        assert code(refused) == expected, kwargs


def test_refusals(ec2: Any, compute: Compute, client: TestClient, admin: dict[str, str],
                  member_a: dict[str, str]) -> None:
    before = compute.cloud.app.recorder.max_notification_id()
    for kwargs, expected in (
            ({"ImageId": "ami-00000000000000000"}, "InvalidAMIID.NotFound"),
            ({"ImageId": "ami-nope"}, "InvalidAMIID.Malformed"),
            ({"ImageId": ami(compute.image), "InstanceType": "m9.huge"},
             "InvalidParameterValue"),
            ({"ImageId": ami(compute.image), "KeyName": "absent"}, "InvalidKeyPair.NotFound"),
            ({"ImageId": ami(compute.image), "MinCount": 3, "MaxCount": 2},
             "InvalidParameterValue")):
        with pytest.raises(ClientError) as refused:
            ec2.run_instances(**{"InstanceType": "m1.tiny", "MinCount": 1, "MaxCount": 1,
                                 **kwargs})
        assert code(refused) == expected, kwargs
    with pytest.raises(ClientError) as unknown:
        ec2.describe_instances(InstanceIds=["i-00000000000000000"])
    assert code(unknown) == "InvalidInstanceID.NotFound"
    with pytest.raises(ClientError) as unknown_stop:
        ec2.stop_instances(InstanceIds=["i-00000000000000000"])
    assert code(unknown_stop) == "InvalidInstanceID.NotFound"
    assert compute.cloud.app.recorder.max_notification_id() == before
    response = client.put(f"/compute/v2.1/os-quota-sets/{member_a['project_id']}",
                          headers=admin, json={"quota_set": {"instances": 1}})
    assert response.status_code == 200, response.text
    with pytest.raises(ClientError) as full:
        ec2.run_instances(ImageId=ami(compute.image), InstanceType="m1.tiny", MinCount=2,
                          MaxCount=2)
    assert code(full) == "InstanceLimitExceeded"


def test_an_ec2_server_is_recorded_as_an_openstack_one(ec2: Any, compute: Compute,
                                                       client: TestClient,
                                                       member_a: dict[str, str]) -> None:
    """The same events, with the same fields, for a server booted through either API; only
    the values (its name, the request id) differ."""
    nova_id = compute.booted(member_a, flavorRef="1")
    run = ec2.run_instances(ImageId=ami(compute.image), InstanceType="m1.tiny", MinCount=1,
                            MaxCount=1)
    ec2_uuid = server_ids(client, member_a)[run["Instances"][0]["InstanceId"]]
    store = compute.cloud.app.repository.event_store

    def shape(server_id: str) -> list[tuple[str, list[str]]]:
        return [(type(e).__name__, sorted(vars(e))) for e in store.get(UUID(server_id))]

    assert shape(ec2_uuid) == shape(nova_id)
    first = next(iter(store.get(UUID(ec2_uuid))))
    assert first.meta["user_id"] == member_a["user_id"]  # type: ignore[attr-defined]
    assert first.meta["project_id"] == member_a["project_id"]  # type: ignore[attr-defined]


def test_a_client_token_runs_once(ec2: Any, compute: Compute) -> None:
    """The same ClientToken and parameters answer the first run's reservation, even once its
    instances are terminating; the token with other parameters is refused, recording nothing."""
    asked = {"ImageId": ami(compute.image), "InstanceType": "m1.tiny", "MinCount": 2,
             "MaxCount": 2, "ClientToken": "launch-1"}
    first = ec2.run_instances(**asked)
    again = ec2.run_instances(**asked)
    ids = sorted(i["InstanceId"] for i in first["Instances"])
    assert again["ReservationId"] == first["ReservationId"]
    assert sorted(i["InstanceId"] for i in again["Instances"]) == ids
    described = ec2.describe_instances()["Reservations"]
    assert sorted(i["InstanceId"] for r in described for i in r["Instances"]) == ids
    ec2.terminate_instances(InstanceIds=ids)
    later = ec2.run_instances(**asked)
    assert later["ReservationId"] == first["ReservationId"]
    assert {i["State"]["Name"] for i in later["Instances"]} == {"shutting-down"}
    before = compute.cloud.app.recorder.max_notification_id()
    for changed, expected in (({"InstanceType": "m1.small"}, "IdempotentParameterMismatch"),
                              ({"MaxCount": 3}, "IdempotentParameterMismatch"),
                              ({"ClientToken": "x" * 65}, "InvalidParameterValue")):
        with pytest.raises(ClientError) as refused:
            ec2.run_instances(**{**asked, **changed})
        assert code(refused) == expected, changed
    assert compute.cloud.app.recorder.max_notification_id() == before
    other = ec2.run_instances(**{**asked, "ClientToken": "launch-2"})
    assert other["ReservationId"] != first["ReservationId"]


def test_instance_ids_and_max_results_do_not_combine(ec2: Any, compute: Compute) -> None:
    run = ec2.run_instances(ImageId=ami(compute.image), InstanceType="m1.tiny", MinCount=1,
                            MaxCount=1)
    with pytest.raises(ClientError) as refused:
        ec2.describe_instances(InstanceIds=[run["Instances"][0]["InstanceId"]], MaxResults=5)
    assert code(refused) == "InvalidParameterCombination"
