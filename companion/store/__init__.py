"""The only package that talks to Redis."""

from companion.store.meetings import MeetingNotFound, MeetingStore, SetNotFound, StoreUnavailable

__all__ = ["MeetingNotFound", "MeetingStore", "SetNotFound", "StoreUnavailable"]
