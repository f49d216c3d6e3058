"""libvirt errors turned into a port's own error type at the adapter's edge: callers of a port
catch the domain's errors, never a libvirt type."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import libvirt

P = ParamSpec("P")
R = TypeVar("R")


def translated_to(error_type: Callable[[str], Exception],
                  ) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A decorator re-raising every libvirtError from the method as `error_type(message)`."""

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(*args, **kwargs)
            except libvirt.libvirtError as error:
                raise error_type(str(error)) from error

        return wrapper

    return decorate
