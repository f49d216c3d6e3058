"""Domain errors. The API maps each family to one OpenStack-shaped HTTP error in one place."""


class DomainError(Exception):
    """Base of every error a command can raise on purpose."""


class NotFound(DomainError):
    pass


class AlreadyExists(DomainError):
    pass


class InvalidInput(DomainError):
    pass


class Forbidden(DomainError):
    pass


class InvalidState(DomainError):
    """The aggregate is not in a state that allows the command (Nova's 409)."""


class QuotaExceeded(Forbidden):
    """Nova answers quota refusals with 403 and this message shape."""

    def __init__(self, resource: str, requested: int, used: int, limit: int) -> None:
        self.resource, self.requested, self.used, self.limit = resource, requested, used, limit
        super().__init__(
            f"Quota exceeded for {resource}: Requested {requested}, but already used "
            f"{used} of {limit} {resource}"
        )


class ConcurrencyConflict(DomainError):
    """Optimistic concurrency kept failing after the bounded number of retries."""
