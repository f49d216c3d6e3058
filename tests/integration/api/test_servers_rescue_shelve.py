"""The rescue and shelve server actions over REST: Nova's answers, bodies per microversion and
409s, with the worker's outcomes reported through OutcomeService as the worker does."""

from __future__ import annotations

from uuid import UUID

from domain.catalog.image import Image
from domain.compute.node import node_id
from tests.support.compute_api import WORKER, Compute


def status(compute: Compute, who: dict[str, str], server_id: str) -> tuple[str, str | None]:
    shown = compute.show(who, server_id)
    return shown["status"], shown["OS-EXT-STS:task_state"]


def test_rescue_answers_the_password_and_unrescue_202(
        compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    rescued = compute.action(member_a, server_id, {"rescue": {"adminPass": "s3cret"}})
    assert (rescued.status_code, rescued.json()) == (200, {"adminPass": "s3cret"})
    assert status(compute, member_a, server_id) == ("ACTIVE", "rescuing")
    compute.succeeded(server_id, "rescue")
    assert status(compute, member_a, server_id) == ("RESCUE", None)
    again = compute.action(member_a, server_id, {"rescue": None})
    assert again.status_code == 409, again.text
    unrescued = compute.action(member_a, server_id, {"unrescue": None})
    assert (unrescued.status_code, unrescued.content) == (202, b"")
    compute.succeeded(server_id, "unrescue")
    assert status(compute, member_a, server_id) == ("ACTIVE", None)


def test_rescue_without_a_password_makes_one_and_bad_input_is_400(
        compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    for body in ({"rescue": {"bogus": 1}}, {"rescue": {"rescue_image_ref": "nope"}}):
        refused = compute.action(member_a, server_id, body)
        assert refused.status_code == 400, refused.text
    assert status(compute, member_a, server_id) == ("ACTIVE", None)
    assert compute.action(member_a, server_id, {"unrescue": None}).status_code == 409
    rescued = compute.action(member_a, server_id, {"rescue": None})
    assert rescued.status_code == 200 and rescued.json()["adminPass"]


def test_shelve_offloads_the_claim_and_unshelve_claims_again(
        compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    host = compute.instance(server_id).host
    assert compute.action(member_a, server_id, {"shelve": None}).status_code == 202
    image_id = str(compute.instance(server_id).pending["image_id"])  # type: ignore[index]
    image = compute.cloud.app.find(UUID(image_id))
    assert isinstance(image, Image) and image.name == "vm-shelved"
    blob = compute.cloud.blobs.put(iter([b"root disk"]), 2**20)
    compute.cloud.outcomes.action_succeeded(WORKER, UUID(server_id), "shelve", blob)
    compute.cloud.sync_read_models()
    assert status(compute, member_a, server_id) == ("SHELVED_OFFLOADED", None)
    assert compute.instance(server_id).host is None
    node = compute.cloud.app.find(node_id(str(host)))
    assert server_id.replace("-", "") not in node.claims
    assert compute.action(member_a, server_id, {"shelve": None}).status_code == 409

    assert compute.action(member_a, server_id, {"unshelve": None}).status_code == 202
    target = compute.instance(server_id).pending["host"]  # type: ignore[index]
    assert server_id.replace("-", "") in compute.cloud.app.find(node_id(target)).claims
    compute.succeeded(server_id, "unshelve")
    assert status(compute, member_a, server_id) == ("ACTIVE", None)
    assert compute.instance(server_id).host == target
    assert compute.cloud.app.find(UUID(image_id)).deleted


def test_unshelve_of_an_active_server_is_409_and_offload_is_for_admins(
        compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    assert compute.action(member_a, server_id, {"unshelve": None}).status_code == 409
    shelve_offload = compute.action(member_a, server_id, {"shelveOffload": None})
    assert shelve_offload.status_code == 403  # admins only, by policy
    assert status(compute, member_a, server_id) == ("ACTIVE", None)


def test_force_delete_deletes_and_restore_finds_nothing_soft_deleted(
        compute: Compute, member_a: dict[str, str]) -> None:
    server_id = compute.active(member_a)
    assert compute.action(member_a, server_id, {"restore": None}).status_code == 409
    compute.action(member_a, server_id, {"os-stop": None})  # a task in progress: 409
    assert compute.action(member_a, server_id, {"forceDelete": None}).status_code == 409
    compute.succeeded(server_id, "stop")
    assert compute.action(member_a, server_id, {"forceDelete": None}).status_code == 202
    compute.deleted(server_id)
    assert compute.instance(server_id).deleted
