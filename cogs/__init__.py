"""Slash-command adapters (one GroupCog per noun); the logic lives in ``bot``."""
