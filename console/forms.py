"""Answer forms generated from the answer models of service/catalogue.py, and the form data
turned back into the model's fields. The model validates; nothing here repeats a rule.

Actor fields are left out (the service sets them to whoever the credential says); an amount
in fen is asked for in yuan, because that is what people read and type."""

from __future__ import annotations

import enum
import json
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel

from domain.actors import ActorRef
from domain.models import EvidenceRef

# What an uploaded photo is, as the kinds' evidence answers name it (domain/replies.py)
EVIDENCE_KINDS = ("photo", "barcode_photo")


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: str  # checkbox, select, yuan, number, text, json, photo
    required: bool
    help: str = ""
    options: tuple[str, ...] = field(default_factory=tuple)


class FormError(ValueError):
    pass


def _bare(annotation: Any) -> tuple[Any, bool]:
    """The annotation without `| None`, and whether None was allowed."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return (args[0] if len(args) == 1 else annotation), len(args) < len(typing.get_args(annotation))
    return annotation, False


def fields_of(model: type[BaseModel] | None) -> list[FormField]:
    if model is None:
        return []
    out = []
    for name, f in model.model_fields.items():
        annotation, optional = _bare(f.annotation)
        if annotation is ActorRef:
            continue
        required = f.is_required() and not optional
        label = name.replace("_fen", "").replace("_", " ")
        help_ = f.description or ""
        if annotation is bool:
            out.append(FormField(name, label, "checkbox", False, help_))
        elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            out.append(FormField(name, label, "select", required, help_, tuple(str(m.value) for m in annotation)))
        elif annotation is int and name.endswith("_fen"):
            out.append(FormField(name, f"{label} (元)", "yuan", required, help_))
        elif annotation is int:
            out.append(FormField(name, label, "number", required, help_))
        elif typing.get_origin(annotation) is tuple and typing.get_args(annotation)[:1] == (EvidenceRef,):
            out.append(FormField(name, "photo 照片", "photo", required, help_, EVIDENCE_KINDS))
        elif annotation is str:
            out.append(FormField(name, label, "text", required, help_))
        else:  # lists, nested models: JSON, validated by the model like any other field
            out.append(FormField(name, f"{label} (JSON)", "json", required, help_))
    return out


def yuan_to_fen(text: str) -> int:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise FormError(f"{text!r} is not an amount in yuan, e.g. 12.50") from None
    fen = value * 100
    if fen != fen.to_integral_value():
        raise FormError(f"{text!r}: at most two decimals (fen)")
    return int(fen)


def data_from(model: type[BaseModel] | None, form: dict[str, str]) -> dict[str, Any] | None:
    """The answer's fields from a submitted form; empty optional fields are left out."""
    if model is None:
        return None
    data: dict[str, Any] = {}
    for f in fields_of(model):
        raw = form.get(f.name, "")
        if f.widget == "checkbox":
            data[f.name] = raw in ("on", "true", "1")
            continue
        if raw == "":
            continue
        if f.widget == "photo":  # the page stored the upload; the form carries its reference
            data[f.name] = [{"kind": form.get(f"{f.name}_kind") or EVIDENCE_KINDS[0], "uri": raw}]
        elif f.widget == "yuan":
            data[f.name] = yuan_to_fen(raw)
        elif f.widget == "number":
            try:
                data[f.name] = int(raw)
            except ValueError:
                raise FormError(f"{f.label}: a whole number") from None
        elif f.widget == "json":
            try:
                data[f.name] = json.loads(raw)
            except ValueError:
                raise FormError(f"{f.label}: not valid JSON") from None
        else:
            data[f.name] = raw
    return data
