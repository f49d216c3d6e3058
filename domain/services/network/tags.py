"""Tagging Neutron resources (`/{resources}/{id}/tags`): each command loads the tagged
resource's aggregate to check that it lives and that the caller may change it, then saves the
resource's `ResourceTags` (domain/network/tags.py) alone.
"""

from __future__ import annotations

from domain.app import SkyLedger
from domain.commands import command
from domain.context import RequestContext
from domain.errors import InvalidInput
from domain.network.router import Router
from domain.network.tags import TAGGED_KINDS, ResourceTags, tags_id
from domain.services.network.workset import Workset, check_owner, parse_id


class TagService:
    """Commands on the tags of networks, subnets, ports, routers and subnet pools. A subnet
    is named with its network (hex or dashed ids), since it lives in that aggregate."""

    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    @command
    def replace_tags(self, ctx: RequestContext, kind: str, resource_id: str,
                     tags: list[str], network_id: str | None = None) -> list[str]:
        ws = Workset(self.app)
        tagged = self.tags_of(ctx, ws, kind, resource_id, network_id)
        tagged.replace(tags)
        self.app.save(*ws.changed())
        return tagged.tags

    @command
    def add_tag(self, ctx: RequestContext, kind: str, resource_id: str, tag: str,
                network_id: str | None = None) -> list[str]:
        ws = Workset(self.app)
        tagged = self.tags_of(ctx, ws, kind, resource_id, network_id)
        tagged.add(tag)
        self.app.save(*ws.changed())
        return tagged.tags

    @command
    def remove_tag(self, ctx: RequestContext, kind: str, resource_id: str, tag: str,
                   network_id: str | None = None) -> list[str]:
        """NotFound when the resource has no such tag."""
        ws = Workset(self.app)
        tagged = self.tags_of(ctx, ws, kind, resource_id, network_id)
        tagged.remove(tag)
        self.app.save(*ws.changed())
        return tagged.tags

    def tags_of(self, ctx: RequestContext, ws: Workset, kind: str, resource_id: str,
                network_id: str | None) -> ResourceTags:
        hex_id = self.check_resource(ctx, ws, kind, resource_id, network_id)
        return ws.open(tags_id(kind, hex_id), lambda: ResourceTags(kind, hex_id))

    @staticmethod
    def check_resource(ctx: RequestContext, ws: Workset, kind: str, resource_id: str,
                       network_id: str | None) -> str:
        """The resource's hex id, once its aggregate shows it lives and is the caller's
        (another project's resource is not found, as everywhere in Neutron)."""
        if kind == "networks":
            owner = ws.network(resource_id).project_id
            what = "Network"
        elif kind == "subnets":
            network = ws.network(network_id or "")
            owner = network.subnet_spec(parse_id(resource_id, "Subnet").hex).project_id
            what = "Subnet"
        elif kind == "ports":
            owner, what = ws.port(resource_id).project_id, "Port"
        elif kind == "routers":
            router = ws.live(resource_id, Router, "Router")
            owner, what = router.project_id, "Router"
        elif kind == "subnetpools":
            owner, what = ws.prefix_pool(resource_id).project_id, "Subnet pool"
        else:
            raise InvalidInput(f"Tags are not supported on {kind}; only on "
                               f"{', '.join(TAGGED_KINDS)}.")
        check_owner(ctx, owner, what, resource_id)
        return parse_id(resource_id, what).hex
