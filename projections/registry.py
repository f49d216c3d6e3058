"""Every read model skyledger keeps, by name."""

from __future__ import annotations

from projections.app_credentials import AppCredentialProjection
from projections.audit import AuditProjection
from projections.base import Projection
from projections.catalog import CatalogProjection
from projections.console_logs import ConsoleLogProjection
from projections.control_services import ControlServiceProjection
from projections.credentials import CredentialProjection
from projections.domain_configs import DomainConfigProjection
from projections.endpoint_groups import EndpointGroupProjection
from projections.flavors import FlavorProjection
from projections.group_types import GroupTypeProjection
from projections.host_aggregates import HostAggregateProjection
from projections.identity import IdentityProjection
from projections.identity_domains import DomainGroupProjection
from projections.image_tasks import ImageTaskProjection
from projections.images import ImageProjection
from projections.instance_actions import InstanceActionProjection
from projections.keypairs import KeypairProjection
from projections.metadefs import MetadefProjection
from projections.network_agents import NetworkAgentProjection
from projections.network_details import NetworkDetailProjection
from projections.networks import NetworkProjection
from projections.oauth_consumers import OAuthConsumerProjection
from projections.policy_blobs import PolicyBlobProjection
from projections.qos_specs import QosSpecsProjection
from projections.quotas import QuotaProjection
from projections.resource_tags import ResourceTagProjection
from projections.routers import RouterProjection
from projections.security_groups import SecurityGroupProjection
from projections.servers import ServerProjection
from projections.storage_services import StorageServiceProjection
from projections.trusts import TrustProjection
from projections.user_messages import UserMessageProjection
from projections.volume_backups import VolumeBackupProjection
from projections.volume_groups import GroupSnapshotProjection, VolumeGroupProjection
from projections.volume_snapshots import VolumeSnapshotProjection
from projections.volume_transfers import VolumeTransferProjection
from projections.volume_type_encryption import TypeEncryptionProjection
from projections.volume_types import VolumeTypeProjection
from projections.volumes import VolumeProjection


def all_projections() -> list[Projection]:
    return [IdentityProjection(), DomainGroupProjection(), CatalogProjection(), FlavorProjection(),
            AppCredentialProjection(), CredentialProjection(), ImageProjection(),
            KeypairProjection(), TrustProjection(), PolicyBlobProjection(),
            OAuthConsumerProjection(), EndpointGroupProjection(), QuotaProjection(),
            DomainConfigProjection(), AuditProjection(), ServerProjection(),
            InstanceActionProjection(), NetworkProjection(), NetworkDetailProjection(),
            SecurityGroupProjection(), RouterProjection(), ResourceTagProjection(),
            VolumeProjection(), ConsoleLogProjection(), HostAggregateProjection(),
            ImageTaskProjection(), MetadefProjection(), VolumeTypeProjection(),
            QosSpecsProjection(), StorageServiceProjection(), VolumeSnapshotProjection(),
            NetworkAgentProjection(), VolumeBackupProjection(),
            VolumeTransferProjection(), UserMessageProjection(), GroupTypeProjection(),
            TypeEncryptionProjection(), VolumeGroupProjection(), GroupSnapshotProjection(),
            ControlServiceProjection()]
