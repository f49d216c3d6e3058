"""Schema evolution of the compute node: `ComputeNode.Registered` is at class version 2, which
added `hypervisor_version`. A node registered before it (a version-1 event, stored as the old
class stored it) loads with version 0, the capacity view and `/os-hypervisors` show 0, and its
next start records the real number. Both stores."""

from __future__ import annotations

from eventsourcing.persistence import StoredEvent
from fastapi.testclient import TestClient

from domain.compute.node import ComputeNode, node_id
from domain.services.compute.hosts import HostRegistration
from ops.bootstrap import Cloud
from projections.capacity import HostCapacities
from tests.integration.test_event_upcasting import encoded, stored_state
from tests.support.compute_api import OPERATOR


def record_v1_node(cloud: Cloud, host: str) -> None:
    node = ComputeNode(host, "QEMU", 4, 8192, 100, "nova", 1.0, 1.0, 1.0, hypervisor_version=7)
    stored = cloud.app.mapper.to_stored_event(node.collect_events()[0])
    state = stored_state(cloud, stored)
    assert state.pop("class_version") == 2 and state.pop("hypervisor_version") == 7
    cloud.app.recorder.insert_events([StoredEvent(
        originator_id=stored.originator_id, originator_version=stored.originator_version,
        topic=stored.topic, state=encoded(cloud, state))])


def test_v1_registration_upcasts_to_version_zero(cloud: Cloud, client: TestClient,
                                                 admin: dict[str, str]) -> None:
    record_v1_node(cloud, "old-host")
    node = cloud.app.repository.get(node_id("old-host"))
    assert (node.hypervisor_version, node.vcpus, node.version) == (0, 4, 1)
    view = HostCapacities(cloud.app)
    assert view.hosts()["old-host"].hypervisor_version == 0
    cloud.sync_read_models()
    detail = client.get("/compute/v2.1/os-hypervisors/detail", headers=admin).json()
    assert [h["hypervisor_version"] for h in detail["hypervisors"]
            if h["hypervisor_hostname"] == "old-host"] == [0]
    # Its next start reports the hypervisor's number: a v2 Reregistered on top of the v1 event.
    cloud.hosts.register(OPERATOR, HostRegistration("old-host", "QEMU", 4, 8192, 100,
                                                    cpu_ratio=1.0, ram_ratio=1.0,
                                                    hypervisor_version=9000000))
    assert cloud.app.repository.get(node_id("old-host")).hypervisor_version == 9000000
    assert view.hosts()["old-host"].hypervisor_version == 9000000
