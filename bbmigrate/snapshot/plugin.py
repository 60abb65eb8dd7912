"""pytest plugin registered by installing bbmigrate (entry point ``pytest11``).

Hooks and fixtures only; the logic lives in the snapshot extension.
"""
