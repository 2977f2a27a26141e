"""One exception family for everything the library rejects, so callers catch a single type."""


class BackhaulError(ValueError):
    """Base class for errors a caller can act on (bad input, infeasible request)."""


class ValidationError(BackhaulError):
    """Input that breaks the model's rules; `field` names where, e.g. ``requests[3].time_windows[0]``."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}" if field else reason)

    def within(self, prefix: str) -> "ValidationError":
        """The same error with its field path placed under `prefix` (for nested input)."""
        field = f"{prefix}.{self.field}" if self.field and not self.field.startswith("[") else prefix + self.field
        return ValidationError(field, self.reason)


class InfeasibleError(BackhaulError):
    """A hard requirement (for example a locked route prefix) that no plan can satisfy."""


class InputFileError(BackhaulError):
    """A file that cannot be read or parsed; the message names the file, line and field."""
