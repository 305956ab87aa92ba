"""Basketry's core: everything the CLI and the GUI share. Never imports Qt."""

__version__ = "0.1.0"
