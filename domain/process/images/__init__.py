"""The image import process manager (Glance's web-download)."""
