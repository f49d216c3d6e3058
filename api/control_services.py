"""The control services as the admin views list them beside the workers' services (Nova's
nova-scheduler and nova-conductor, Cinder's cinder-scheduler; domain/control/service.py).

Up or down is the age of the last beat of the API process that does the job, judged as the
workers' services are (`service_down_time`). They are never enabled or disabled here: Nova
refuses to update any service but nova-compute.
"""

from __future__ import annotations

from uuid import UUID

from api.deps import CloudServices
from api.volume_placement import is_up
from domain.control.service import CINDER_SCHEDULER, COMPUTE_CONTROL
from projections.control_services import ControlServiceViews
from projections.store import Row

# Nova's and Cinder's topics, which `/os-hosts` shows as a host's `service`.
TOPICS = {"nova-scheduler": "scheduler", "nova-conductor": "conductor",
          CINDER_SCHEDULER: CINDER_SCHEDULER}


def compute_control(cloud: CloudServices) -> list[Row]:
    """Nova's control services, each with `up` and its uuid `uuid`."""
    return [{**r, "up": is_up(cloud, r), "uuid": str(UUID(r["id"]))}
            for r in ControlServiceViews(cloud.store).all(COMPUTE_CONTROL)]


def volume_control(cloud: CloudServices) -> list[Row]:
    """Cinder's control services (its scheduler), each with `up`."""
    return [{**r, "up": is_up(cloud, r)}
            for r in ControlServiceViews(cloud.store).all((CINDER_SCHEDULER,))]
