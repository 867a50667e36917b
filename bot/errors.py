"""Errors whose message is meant for the person who caused them."""

from __future__ import annotations


class UserFacingError(Exception):
    """An error with a message that can be shown to a user as it is."""

    def __init__(self, message: str) -> None:
        """Keep the message to show."""
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        """The message, as it is shown."""
        return self.message


DATABASE_BUSY = "The database is busy; try again in a minute."


class StoreUnavailable(UserFacingError):
    """The database refused a write for now (another writer holds it past the busy timeout, the
    disk is full, an I/O error): nothing of that write was kept; try it again later.

    Its message is the same whatever the driver said (which, on PostgreSQL, can name internal
    hosts): the store logs the driver's words, and a person is told only ``DATABASE_BUSY``."""

    def __init__(self, message: str = DATABASE_BUSY) -> None:
        """Always the same words for people (see the class)."""
        super().__init__(message)


class LimitReached(Exception):
    """A server already has as many of something (sources, routes) as it may: nothing was
    added. ``count`` is how many it has."""

    def __init__(self, count: int) -> None:
        """Keep how many there are."""
        super().__init__(f"the limit is reached ({count})")
        self.count = count


class CommandError(Exception):
    """A problem with a command line's arguments or input: printed, exit status 2."""
