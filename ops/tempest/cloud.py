"""Leave a fresh skyledger the way devstack leaves a cloud before it runs Tempest.

Devstack's `stack.sh` creates the `admin` project and user, the `demo` and `alt_demo` projects
with their users, the `service` and `manager` roles that Tempest asks for by name, uploads two
images, adds the flavors `m1.nano` (id 42) and `m1.micro` (id 84) that lib/tempest makes, has a
`public` external network, and a `shared` network. Everything goes through the REST API, as any
client would, so a set-up step the API refuses is a finding (kept in `Cloud.gaps`), not a crash.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx

IDENTITY = "/identity/v3"
# Devstack's lib/tempest: TEMPEST_FLAVOR_RAM / TEMPEST_FLAVOR_ALT_RAM.
FLAVORS = (("42", "m1.nano", 192), ("84", "m1.micro", 256))
ROLES = ("service", "manager")
# project -> (member user, reader user); devstack makes demo and alt_demo with one user each,
# the readers are what Tempest's persona tests expect to exist in a cloud with the new defaults.
PROJECTS = {"demo": ("demo", "demo_reader"), "alt_demo": ("alt_demo", "alt_demo_reader")}
IMAGE_NAMES = ("cirros-0.6.3-x86_64-disk", "cirros-0.6.3-x86_64-disk-alt")


@dataclass
class Cloud:
    """What tempest.conf needs to know about the cloud that was set up."""
    url: str
    admin_password: str
    image_ids: list[str] = field(default_factory=list)
    flavor_ids: list[str] = field(default_factory=list)
    public_network_id: str = ""
    # Where web-download imports fetch a small qcow2 (ops/tempest/image_server.py).
    http_image: str = ""
    # Set-up steps the API refused: printed with the report, since devstack would have done them.
    gaps: list[str] = field(default_factory=list)


class Api:
    """An admin session: one project-scoped token, and the service endpoints from its catalog."""

    def __init__(self, url: str, password: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=60)
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"name": "Default"}, "password": password}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
        answer = self.client.post(f"{IDENTITY}/auth/tokens", json=body)
        answer.raise_for_status()
        self.client.headers["X-Auth-Token"] = answer.headers["X-Subject-Token"]
        token = answer.json()["token"]
        self.project_id: str = token["project"]["id"]
        self.endpoints = {entry["type"]: next(e["url"] for e in entry["endpoints"]
                                              if e["interface"] == "public")
                          for entry in token["catalog"]}

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        return self.client.request(method, url, **kwargs)  # type: ignore[arg-type]


def set_up(url: str, password: str, workdir: Path, http_image: str = "") -> Cloud:
    cloud = Cloud(url=url, admin_password=password, http_image=http_image)
    api = Api(url, password)
    try:
        roles = _ensure_roles(api, cloud)
        _ensure_projects(api, cloud, password, roles)
        _ensure_flavors(api, cloud)
        _ensure_images(api, cloud, workdir)
        _ensure_networks(api, cloud)
    finally:
        api.close()
    return cloud


def _refused(cloud: Cloud, what: str, answer: httpx.Response) -> bool:
    if answer.is_success:
        return False
    cloud.gaps.append(f"{what}: {answer.status_code} {answer.text[:200]}")
    return True


def _ensure_roles(api: Api, cloud: Cloud) -> dict[str, str]:
    for name in ROLES:
        _refused(cloud, f"create role {name}",
                 api.request("POST", f"{IDENTITY}/roles", json={"role": {"name": name}}))
    return {r["name"]: r["id"] for r in api.request("GET", f"{IDENTITY}/roles").json()["roles"]}


def _ensure_projects(api: Api, cloud: Cloud, password: str, roles: dict[str, str]) -> None:
    for project_name, (member, reader) in PROJECTS.items():
        answer = api.request("POST", f"{IDENTITY}/projects",
                             json={"project": {"name": project_name, "domain_id": "default"}})
        if _refused(cloud, f"create project {project_name}", answer):
            continue
        project_id = answer.json()["project"]["id"]
        for user_name, role in ((member, "member"), (reader, "reader")):
            answer = api.request("POST", f"{IDENTITY}/users", json={"user": {
                "name": user_name, "password": password, "domain_id": "default",
                "default_project_id": project_id}})
            if _refused(cloud, f"create user {user_name}", answer):
                continue
            user_id = answer.json()["user"]["id"]
            _refused(cloud, f"grant {role} to {user_name}", api.request(
                "PUT", f"{IDENTITY}/projects/{project_id}/users/{user_id}/roles/{roles[role]}"))


def _ensure_flavors(api: Api, cloud: Cloud) -> None:
    compute = api.endpoints["compute"]
    for flavor_id, name, ram in FLAVORS:
        answer = api.request("POST", f"{compute}/flavors", json={"flavor": {
            "id": flavor_id, "name": name, "ram": ram, "vcpus": 1, "disk": 1}})
        if not _refused(cloud, f"create flavor {name}", answer):
            cloud.flavor_ids.append(flavor_id)


def tiny_disk(workdir: Path) -> Path:
    """A small, valid qcow2 (devstack uploads CirrOS; the test driver boots nothing)."""
    disk = workdir / "tiny.qcow2"
    if not disk.exists():
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "1G"],
                       check=True)
    return disk


def _ensure_images(api: Api, cloud: Cloud, workdir: Path) -> None:
    """Two images of the tiny qcow2."""
    image_api = api.endpoints["image"].rstrip("/")
    disk = tiny_disk(workdir)
    for name in IMAGE_NAMES:
        answer = api.request("POST", f"{image_api}/v2/images", json={
            "name": name, "disk_format": "qcow2", "container_format": "bare",
            "visibility": "public"})
        if _refused(cloud, f"create image {name}", answer):
            continue
        image_id = answer.json()["id"]
        answer = api.request("PUT", f"{image_api}/v2/images/{image_id}/file",
                             content=disk.read_bytes(),
                             headers={"Content-Type": "application/octet-stream"})
        if not _refused(cloud, f"upload image {name}", answer):
            cloud.image_ids.append(image_id)


def _ensure_networks(api: Api, cloud: Cloud) -> None:
    network = api.endpoints["network"].rstrip("/")
    networks = api.request("GET", f"{network}/v2.0/networks",
                           params={"name": "public"}).json()["networks"]
    if networks:
        cloud.public_network_id = networks[0]["id"]
    else:
        cloud.gaps.append("no external network named public")
    # lib/tempest: `network create --share shared` and a subnet 192.168.233.0/24 on it.
    answer = api.request("POST", f"{network}/v2.0/networks",
                         json={"network": {"name": "shared", "shared": True}})
    if _refused(cloud, "create shared network", answer):
        return
    _refused(cloud, "create shared-subnet", api.request(
        "POST", f"{network}/v2.0/subnets", json={"subnet": {
            "name": "shared-subnet", "network_id": answer.json()["network"]["id"],
            "ip_version": 4, "cidr": "192.168.233.0/24"}}))
