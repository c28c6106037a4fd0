"""Changing flow state only through validation."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def evolve(model: M, **changes: object) -> M:
    """`model` with `changes`, validated as if built anew, so a wrong value fails in the flow that
    made it and is never stored. Unchanged nested models are taken as they are (pydantic does not
    validate an instance of the right type again), so this costs about what the changed fields do."""
    # the fields as they are (`__dict__`: what dict(model) iterates to build, at a fraction of the cost)
    return type(model).model_validate({**model.__dict__, **changes})
