"""A pydantic error ``loc`` in, the YAML path it points at and the model it is about out.

Pydantic's ``loc`` differs from the YAML path in two ways: it inserts a union member's tag
(``('sections', 2, 'analysis', 'chart')``, ``('data', 'orders', 'path', 'list[str]', 0)``), and
it may name a field by its Python name (``else_``) instead of the key the user writes (``else``).
Walking the loc along the models' annotations removes the one and maps the other.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from reportgen.spec.positions import Loc


@dataclass(frozen=True)
class Located:
    """Where a pydantic error points in the YAML document, and what is expected there."""

    yaml_loc: Loc
    expected: Any  # the annotation the value at ``yaml_loc`` must satisfy (``Any`` when unknown)
    owner: type[BaseModel] | None = None  # the model whose mapping holds the last key
    owner_loc: Loc = ()
    field_name: str | None = None  # the Python name of the last key, if it is a model field
    union_loc: Loc | None = None  # a plain (untagged) union the loc went through, and the member
    union_member: Any = None
    variants: tuple[type[BaseModel], ...] = ()  # the owner's sibling kinds (same ``type:`` union)


def unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``| None`` down to the type that matters."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
            continue
        if origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation


def is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def union_members(annotation: Any) -> tuple[Any, ...]:
    """The members of a union (``None`` left out), or ``()`` if ``annotation`` is not one."""
    annotation = unwrap(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        return tuple(a for a in get_args(annotation) if a is not type(None))
    return ()


def literal_values(annotation: Any) -> tuple[Any, ...]:
    """The allowed values of a ``Literal`` (or ``()``)."""
    annotation = unwrap(annotation)
    return get_args(annotation) if get_origin(annotation) is Literal else ()


def type_tag(model: type[BaseModel]) -> Any:
    """The ``type:`` value that selects ``model`` in a discriminated union (or ``None``)."""
    field = model.model_fields.get("type")
    values = literal_values(field.annotation) if field else ()
    return values[0] if values else None


def key_of(model: type[BaseModel], name: str) -> str:
    """The key the user writes for field ``name`` (its alias, if it has one)."""
    return model.model_fields[name].alias or name


def field_by_key(model: type[BaseModel], step: object) -> str | None:
    """The field of ``model`` written as ``step`` (by alias or by name)."""
    for name, field in model.model_fields.items():
        if step in (name, field.alias):
            return name
    return None


def _member_tag(member: Any) -> str:
    """Pydantic's name for a member of a plain union in an error loc, e.g. 'list[str]'."""
    if isinstance(member, type) and not get_args(member):
        return member.__name__
    origin = get_origin(member)
    args = ",".join(_member_tag(a) for a in get_args(member))
    name = getattr(origin, "__name__", str(origin))
    return f"{name}[{args}]"


def _pick_member(members: tuple[Any, ...], step: object) -> tuple[Any, bool]:
    """The union member named by ``step``, and whether it is a discriminated (``type:``) one."""
    models = [m for m in members if is_model(m)]
    if models and len(models) == len(members) and all(type_tag(m) is not None for m in models):
        for model in models:
            if type_tag(model) == step:
                return model, True
        return Any, True
    for member in members:
        if _member_tag(member) == step:
            return member, False
    return Any, False


def locate(root: type[BaseModel], loc: Loc) -> Located:
    """Walk ``loc`` from the ``root`` model to the YAML path and the model context at its end."""
    annotation: Any = root
    yaml_loc: list[str | int] = []
    owner: type[BaseModel] | None = None
    owner_loc: Loc = ()
    field_name: str | None = None
    union_loc: Loc | None = None
    union_member: Any = None
    variants: tuple[type[BaseModel], ...] = ()
    pending_variants: tuple[type[BaseModel], ...] = ()
    for step in loc:
        annotation = unwrap(annotation)
        members = union_members(annotation)
        if members:
            member, tagged = _pick_member(members, step)
            if tagged:
                pending_variants = tuple(m for m in members if is_model(m))
            else:
                union_loc, union_member = tuple(yaml_loc), member
            annotation = member
            continue
        if is_model(annotation):
            owner, owner_loc = annotation, tuple(yaml_loc)
            variants, pending_variants = pending_variants, ()
            field_name = field_by_key(annotation, step)
            if field_name is None:
                yaml_loc.append(step)
                annotation = Any
                continue
            yaml_loc.append(key_of(annotation, field_name))
            annotation = annotation.model_fields[field_name].annotation
            continue
        origin = get_origin(annotation)
        yaml_loc.append(step)
        field_name = None
        if origin is list:
            annotation = get_args(annotation)[0]
        elif origin is dict:
            annotation = get_args(annotation)[1]
        else:
            annotation = Any
    if is_model(unwrap(annotation)) and pending_variants:
        variants = pending_variants
    return Located(
        yaml_loc=tuple(yaml_loc),
        expected=annotation,
        owner=owner,
        owner_loc=owner_loc,
        field_name=field_name,
        union_loc=union_loc,
        union_member=union_member,
        variants=variants,
    )
