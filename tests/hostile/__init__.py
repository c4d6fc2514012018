"""Hostile input for the importers: the small files in this folder, and `generate` for the big
ones (made at test time) and for rebuilding the small ones."""
