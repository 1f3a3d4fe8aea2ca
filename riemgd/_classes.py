"""Which class in a method resolution order provides an attribute."""

from __future__ import annotations


def defined_with(cls: type, attribute: str, reference: str) -> bool:
    """Whether the class that provides ``attribute`` is (a subclass of) the one that provides
    ``reference``: a subclass that overrides ``reference`` alone must not be trusted with an
    inherited ``attribute`` (a fast path, or a promise about ``reference``'s results)."""
    owner = {name: next((c for c in cls.__mro__ if name in c.__dict__), object) for name in (attribute, reference)}
    return issubclass(owner[attribute], owner[reference])
