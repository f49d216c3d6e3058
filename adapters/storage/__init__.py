"""Volume backends: the VolumeBackend port over libvirt storage pools."""
