"""An adapter Protocol read as an API: each method is one operation, POST
/<system>/v1/<method-name> with the request model as body and the answer model as
response. The HTTP adapters and the simulator service both follow it, so a method a
Protocol gains is served and called over HTTP without further code."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, get_type_hints

from pydantic import BaseModel


def operations(protocol: type) -> dict[str, tuple[type[BaseModel], Any]]:
    """{method name: (request model, answer type)} of every public method of the Protocol."""
    found: dict[str, tuple[type[BaseModel], Any]] = {}
    for name, member in vars(protocol).items():
        if name.startswith("_") or not inspect.iscoroutinefunction(member):
            continue
        hints = get_type_hints(member)
        params = [p for p in inspect.signature(member).parameters if p != "self"]
        if len(params) != 1:
            raise TypeError(f"{protocol.__name__}.{name}: an operation takes exactly one request model")
        found[name] = (hints[params[0]], hints["return"])
    return found


def path_of(name: str) -> str:
    return name.replace("_", "-")


def speaks(protocol: type) -> Callable[[type], type]:
    """Give an HTTP adapter class every operation of the Protocol it does not define
    itself; each posts its request to the operation's path through `self.service`."""

    def add(cls: type) -> type:
        for name, (_, answer) in operations(protocol).items():
            if name not in vars(cls):
                setattr(cls, name, _remote(name, answer))
        return cls

    return add


def _remote(name: str, answer: Any) -> Callable[..., Any]:
    async def call(self: Any, request: BaseModel) -> Any:
        return await self.service.post(path_of(name), request, answer)

    call.__name__ = call.__qualname__ = name
    return call
