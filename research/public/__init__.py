"""The public door: pages for residents, without login, that read only the published view."""
