"""The workers `skyledger serve` runs inside its own process (ops/commands/serve.py): the
compute worker of its libvirt URI, the volume worker of its pool, the image import process
manager and, when asked, the host's network agent, each built by the composition root
(ops/bootstrap.py) and stopped with the cloud; and in each API process, the beat of the control
services that process is (its scheduler, conductor and volume scheduler)."""

from __future__ import annotations

import logging

from domain.compute.backends import HypervisorError
from domain.process.images.copy_image import CopyImages
from domain.services.control_services import ControlServices
from domain.storage.backends import VolumeBackendError
from ops.bootstrap import Cloud
from ops.roles.compute import ComputeHost, HostBusy
from ops.roles.control import ControlHost, control_zones
from ops.roles.image_import import ImageImportHost, assemble_image_import
from ops.roles.network import NetworkAgentHost
from ops.roles.storage import VolumeHost, VolumeHostBusy

log = logging.getLogger(__name__)


def start_embedded_compute(cloud: Cloud) -> ComputeHost | None:
    """Run a compute worker for settings.libvirt_uri (host settings.host) inside this process,
    when settings.embedded_compute; `cloud.close()` stops it. None (and the API keeps serving)
    when the hypervisor cannot be opened or another worker has the host."""
    if cloud.settings.embedded_compute and cloud.compute is None:
        try:
            cloud.compute = cloud.roles.compute().start()
        except (HostBusy, HypervisorError) as error:
            log.error("embedded compute worker for %s not started: %s", cloud.settings.host,
                      error)
    return cloud.compute


def start_embedded_volume(cloud: Cloud) -> VolumeHost | None:
    """Run the volume worker of this host's pool inside this process, when
    settings.embedded_volume; `cloud.close()` stops it. None (and the API keeps serving) when
    the pool cannot be opened or another worker has it."""
    if cloud.settings.embedded_volume and cloud.volume is None:
        try:
            cloud.volume = cloud.roles.volume().start()
        except (VolumeHostBusy, VolumeBackendError) as error:
            log.error("embedded volume worker for %s not started: %s", cloud.settings.host,
                      error)
    return cloud.volume


def image_copier(cloud: Cloud) -> CopyImages:
    """copy-image's part of the image import process manager, with this cloud's stores."""
    return CopyImages(cloud.image_copies, cloud.image_stores.get)


def start_embedded_image_import(cloud: Cloud) -> ImageImportHost:
    """Run the image import process manager (web-download, copy-image) in this process."""
    if cloud.image_import is None:
        running = assemble_image_import(cloud.settings, cloud.app, cloud.store,
                                        cloud.image_stores, cloud.web_downloads,
                                        image_copier(cloud))
        cloud.roles.stack.callback(running.stop)
        cloud.image_import = running.start()
    return cloud.image_import


def start_embedded_network(cloud: Cloud) -> NetworkAgentHost | None:
    """Run the network agent of settings.host inside this process (in
    settings.network_namespace when set), when settings.embedded_network; the composition
    stops it with the cloud. It registers as the host's Linux bridge, DHCP and L3 agent."""
    if not cloud.settings.embedded_network:
        return None
    return cloud.roles.network_agent().start()


def start_control_heartbeat(cloud: Cloud) -> ControlHost:
    """Beat for the control services of this API process (on settings.host) while its scheduler
    can read the capacity view; the composition stops it with the cloud."""
    settings = cloud.settings
    running = ControlHost(ControlServices(cloud.app), settings.host,
                          control_zones(settings.availability_zone), settings.report_interval,
                          check=cloud.capacity.hosts)
    cloud.roles.stack.callback(running.stop)
    return running.start()
