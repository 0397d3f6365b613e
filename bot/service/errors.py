"""Errors that end the service with one line (no traceback) and a non-zero exit."""

from __future__ import annotations


class ServiceFailed(Exception):
    """The service stopped because a part it cannot run without failed for good; the message says which and
    what to do."""
