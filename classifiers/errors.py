"""The classifier's error type, in a module of its own so that catching it imports no scikit-learn."""

from __future__ import annotations


class ModelLoadError(RuntimeError):
    """The artifact cannot be used. `reason` is one of: missing, corrupt, tampered, version, untrusted."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
