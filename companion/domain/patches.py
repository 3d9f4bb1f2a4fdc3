"""What changed between two views of a meeting, as the widgets are sent it after their first
snapshot, and how a view takes the change.

A patch names top-level keys of the view: ``set`` gives each changed key its new value, ``unset``
lists keys that are gone, and ``splice`` edits a list in place, which pays for the big lists that
mostly grow at one end or change one item (the activity log slides by one line a change, one
person's presence flips in ``participants``). Each edit is ``[start, delete_count, items]``, as
JavaScript's ``Array.prototype.splice`` takes it, applied in order. A part with nothing in it is
left out. The message around a patch (``type``, ``version``, ``from``) is the edge's to add.

Both functions are pure and never change what they are given; ``apply`` refuses anything it
cannot apply exactly, so whoever holds the view asks for a whole snapshot instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

View = dict[str, Any]
Patch = dict[str, Any]
Edit = list[Any]
PARTS = ("set", "unset", "splice")
HEADER = ("type", "version", "from")  # the message's own keys: its holder checks them, not apply


class PatchDoesNotApply(ValueError):
    """The patch does not fit the view it was given (its shape, a key, a position): the holder
    of the view needs a whole snapshot."""

    code = "patch_does_not_apply"


def diff(before: View, after: View, always: Iterable[str] = ()) -> Patch:
    """What turns ``before`` into ``after``. Keys in ``always`` are sent whole whether or not
    they changed: they depend on the moment a view was rendered (``codec.MOMENT_KEYS``), so two
    widgets holding the same version may hold different values for them."""
    fresh = frozenset(always)
    changed: dict[str, Any] = {}
    spliced: dict[str, list[Edit]] = {}
    for key, value in after.items():
        if key in fresh or key not in before:
            changed[key] = value
        elif before[key] != value:
            edits = list_edits(before[key], value)
            if edits is None:
                changed[key] = value
            else:
                spliced[key] = edits
    patch: Patch = {}
    if changed:
        patch["set"] = changed
    if gone := [key for key in before if key not in after]:
        patch["unset"] = gone
    if spliced:
        patch["splice"] = spliced
    return patch


def list_edits(before: Any, after: Any) -> list[Edit] | None:
    """The splices that turn list ``before`` into list ``after`` while resending the fewest
    items; ``None`` when they are not lists, or when nothing of ``before`` would be kept, so the
    whole new list is as small to send."""
    if not isinstance(before, list) or not isinstance(after, list):
        return None
    prefix = _common_prefix(before, after)
    suffix = _common_suffix(before, after, prefix)
    edits: list[Edit] = [
        [prefix, len(before) - prefix - suffix, after[prefix : len(after) - suffix]]
    ]
    resent = len(after) - prefix - suffix
    shift = _window_shift(before, after)
    if shift is not None and len(after) - (len(before) - shift) < resent:
        kept = len(before) - shift
        edits = [[0, shift, []]] + ([[kept, 0, after[kept:]]] if len(after) > kept else [])
        resent = len(after) - kept
    if resent == len(after):
        return None
    return edits


def _common_prefix(before: list[Any], after: list[Any]) -> int:
    count, limit = 0, min(len(before), len(after))
    while count < limit and before[count] == after[count]:
        count += 1
    return count


def _common_suffix(before: list[Any], after: list[Any], prefix: int) -> int:
    count, limit = 0, min(len(before), len(after)) - prefix
    while count < limit and before[-1 - count] == after[-1 - count]:
        count += 1
    return count


def _window_shift(before: list[Any], after: list[Any]) -> int | None:
    """How many items fell off the front of ``before`` if ``after`` is what was left of it, then
    more: a window sliding along a log. The fewest that fits, or ``None``."""
    for shift in range(1, len(before)):
        kept = len(before) - shift
        if kept <= len(after) and before[shift] == after[0] and before[shift:] == after[:kept]:
            return shift
    return None


def apply(view: View, patch: Patch) -> View:
    """``view`` with ``patch`` applied, as a new dict sharing the values it did not change.
    ``patch`` may be the whole message (``HEADER`` is left alone); any other key is an unknown
    shape. Raises ``PatchDoesNotApply`` unless every part fits the view exactly."""
    if not isinstance(patch, dict) or not isinstance(view, dict):
        raise PatchDoesNotApply("a view and a patch are objects")
    if unknown := set(patch) - {*PARTS, *HEADER}:
        raise PatchDoesNotApply(f"a patch has no part named {sorted(unknown)[0]!r}")
    changed = _part(patch, "set", dict)
    gone = _part(patch, "unset", list)
    spliced = _part(patch, "splice", dict)
    named = [*changed, *gone, *spliced]
    if len(named) != len(set(named)):
        raise PatchDoesNotApply("a key may be named once in a patch")
    result = dict(view)
    result.update(changed)
    for key in gone:
        if not isinstance(key, str) or key not in result:
            raise PatchDoesNotApply("unset names a key the view does not have")
        del result[key]
    for key, edits in spliced.items():
        result[key] = _spliced(result.get(key), edits)
    return result


def _part(patch: Patch, name: str, kind: type) -> Any:
    value = patch.get(name, kind())
    if not isinstance(value, kind):
        raise PatchDoesNotApply(f"{name} is not a {kind.__name__}")
    return value


def _spliced(items: Any, edits: Any) -> list[Any]:
    if not isinstance(items, list) or not isinstance(edits, list):
        raise PatchDoesNotApply("splice edits a list the view has, with a list of edits")
    result = list(items)
    for edit in edits:
        if not (isinstance(edit, list) and len(edit) == 3 and isinstance(edit[2], list)):
            raise PatchDoesNotApply("an edit is [start, delete_count, items]")
        start, count, inserted = edit
        if not (_whole(start) and _whole(count) and start + count <= len(result)):
            raise PatchDoesNotApply("an edit reaches past the end of the list")
        result[start : start + count] = inserted
    return result


def _whole(value: Any) -> bool:
    """A count or a position: an int of at least 0 (``True`` is an int to Python, not to JSON)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
