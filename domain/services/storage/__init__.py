"""Block storage commands: volumes (volumes.py), attaching them to instances (attachments.py) and
what the storage worker reports back (outcomes.py), behind one `VolumeService`."""
