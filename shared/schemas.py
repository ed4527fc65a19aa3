"""What the services' API answers share: the base of every response model and its scalar types.

Response models describe the JSON an operation really sends (FastAPI validates and serialises
through them, and Schemathesis checks the running services against them). They allow keys
they do not declare (``extra="allow"``), so a field added to a stored document reaches
clients as before instead of vanishing; routes that return plain documents set
``response_model_exclude_unset`` so a key the document lacks is not added as ``null``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Strict, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

#: A JSON number kept as it came: an integer stays ``3``, not ``3.0`` (``float`` would convert it).
Number = Annotated[int | float, WithJsonSchema({"type": "number"})]


class Out(BaseModel):
    """Base of every response model: declared fields checked, other keys passed through."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class In(BaseModel):
    """Base of every request body: strict, so a value of the wrong JSON type is refused (422)
    instead of converted (``false`` is not a headcount, ``0`` is not a date), as the documented
    schema says; a date and time is a ``DateTimeIn``. A number with no fraction (``5.0``) is an
    integer, as JSON Schema says."""

    model_config = ConfigDict(strict=True)

    @model_validator(mode="before")
    @classmethod
    def _whole_numbers(cls, data: Any) -> Any:
        return _whole(data)


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole(v) for v in value]
    return value


def _text_or_datetime(value: object) -> object:
    if isinstance(value, str | datetime):
        return value
    raise PydanticCustomError("datetime_type", "Input should be a valid datetime")


#: A date and time in a request body: the ISO 8601 string JSON carries (parsed as before), never a
#: number. Strict mode alone would refuse the string too: FastAPI validates the parsed body as Python
#: objects, where strict ``datetime`` takes only ``datetime`` instances.
DateTimeIn = Annotated[datetime, Strict(False), BeforeValidator(_text_or_datetime)]
