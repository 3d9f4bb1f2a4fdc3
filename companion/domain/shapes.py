"""Typed values to plain data, back, and copied: one converter built per type, then reused.

Every command decodes the stored meeting, copies it for the rules and encodes the result. Asking
``typing`` and ``dataclasses`` about each field on every call cost more than the rules themselves
(docs/performance.md), so each type's field names and converters are worked out once, here.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any

Convert = Callable[[Any], Any]
FieldConverters = tuple[tuple[str, Convert], ...]
# Values that are their own plain form and are never shared mutably: kept as they are.
PLAIN = frozenset({str, int, float, bool, type(None)})


def decode(kind: Any, data: Any) -> Any:
    """A value of ``kind`` (a dataclass, enum, list, dict or optional of them) from plain data.
    Fields missing from ``data`` take their defaults, so older stored shapes still load."""
    return None if data is None else decoder(kind)(data)


def encode(value: Any) -> Any:
    """Plain data (dicts, lists, strings, numbers) for any value our dataclasses hold."""
    kind = type(value)
    if kind in PLAIN:
        return value
    if kind is list:
        return [encode(item) for item in value]
    if kind is dict:
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value):
        return encoder(kind)(value)
    return value


def copied(value: Any) -> Any:
    """A deep copy of a dataclass value: nothing in it is shared with ``value``."""
    return copier(type(value))(value)


@cache
def decoder(kind: Any) -> Convert:
    return _converter(kind, decoder, _dataclass_decoder, lambda enum_kind: enum_kind)


@cache
def encoder(kind: Any) -> Convert:
    return _converter(kind, encoder, _dataclass_encoder, lambda _: _enum_value)


@cache
def copier(kind: Any) -> Convert:
    """Enums, strings and numbers are immutable, so a copy shares them safely."""
    return _converter(kind, copier, _dataclass_copier, lambda _: _itself)


def _converter(
    kind: Any,
    converter_of: Callable[[Any], Convert],
    for_dataclass: Callable[[type], Convert],
    for_enum: Callable[[type], Convert],
) -> Convert:
    """The walk over a type that the three kinds of converter share: optionals, lists and dicts
    of what ``converter_of`` makes, and what they alone do with a dataclass and an enum."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        inner = converter_of(next(a for a in arguments if a is not type(None)))
        if inner is _itself:
            return _itself
        return lambda value: None if value is None else inner(value)
    if origin is list:
        return _each_in_list(converter_of(arguments[0]))
    if origin is dict:
        return _each_in_dict(converter_of(arguments[1]))
    if dataclasses.is_dataclass(kind):
        return for_dataclass(kind)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return for_enum(kind)
    return _itself


def _frozen(kind: type) -> bool:
    return bool(kind.__dataclass_params__.frozen)  # type: ignore[attr-defined]


def _itself(value: Any) -> Any:
    return value


def _enum_value(member: enum.Enum) -> Any:
    return member.value


def _each_in_list(convert: Convert) -> Convert:
    if convert is _itself:
        return list
    return lambda items: [convert(item) for item in items]


def _each_in_dict(convert: Convert) -> Convert:
    if convert is _itself:
        return dict
    return lambda items: {key: convert(item) for key, item in items.items()}


def _field_converters(
    kind: type, make: Callable[[Any], Convert], stored_only: bool = False
) -> tuple[tuple[str, Convert], ...]:
    """With ``stored_only``, without the fields marked ``kept_apart``: parts another record owns
    (a meeting's view of its set's roster), which travel with a value but are stored elsewhere."""
    hints = typing.get_type_hints(kind)
    return tuple(
        (f.name, make(hints[f.name]))
        for f in dataclasses.fields(kind)
        if not (stored_only and f.metadata.get("kept_apart"))
    )


def _dataclass_decoder(kind: type) -> Convert:
    converters = dict(_field_converters(kind, decoder))

    def decode_dataclass(data: dict[str, Any]) -> Any:
        return kind(
            **{
                name: None if value is None else converters[name](value)
                for name, value in data.items()
            }
        )

    return decode_dataclass


def _dataclass_encoder(kind: type) -> Convert:
    converters = _field_converters(kind, encoder, stored_only=True)

    def encode_dataclass(value: Any) -> dict[str, Any]:
        return {name: convert(getattr(value, name)) for name, convert in converters}

    return encode_dataclass


def _dataclass_copier(kind: type) -> Convert:
    """Fills a new instance's fields directly: ``__init__`` would only assign them again. A
    frozen dataclass of immutable fields (a line of the activity log) cannot change, so the copy
    shares it: the log alone was half the time of copying a meeting (docs/performance.md)."""
    converters = _field_converters(kind, copier)
    if _frozen(kind) and all(convert is _itself for _, convert in converters):
        return _itself
    new = object.__new__

    def copy_dataclass(value: Any) -> Any:
        duplicate = new(kind)
        fields = duplicate.__dict__
        for name, convert in converters:
            fields[name] = convert(getattr(value, name))
        return duplicate

    return copy_dataclass
