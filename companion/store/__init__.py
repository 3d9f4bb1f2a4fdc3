"""The only package that talks to Redis."""

from companion.store.meetings import (
    MeetingNotFound,
    MeetingStillOpen,
    MeetingStore,
    SetNotFound,
    StoreUnavailable,
)

__all__ = ["MeetingNotFound", "MeetingStillOpen", "MeetingStore", "SetNotFound", "StoreUnavailable"]
