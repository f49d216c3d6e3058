"""Cinder's bodies of volume types, their access lists and qos-specs. The access flag
(`os-volume-type-access:is_public`) shows to project members and admins, the qos-specs id to
admins (Cinder's policy defaults)."""

from __future__ import annotations

from pydantic import Field

from api.responses.base import MISSING, Body, Link

NullStr = str | None


class VolumeType(Body):
    id: str
    name: str
    is_public: bool
    description: NullStr
    extra_specs: dict[str, str] = MISSING  # type: ignore[assignment]
    access_is_public: bool = Field(default=MISSING,  # type: ignore[assignment]
                                   alias="os-volume-type-access:is_public")
    qos_specs_id: NullStr = MISSING  # type: ignore[assignment]


class VolumeTypeShow(Body):
    volume_type: VolumeType


class VolumeTypeList(Body):
    volume_types: list[VolumeType]


class ExtraSpecs(Body):
    extra_specs: dict[str, str]


class TypeAccess(Body):
    volume_type_id: str
    project_id: str


class TypeAccessList(Body):
    volume_type_access: list[TypeAccess]


class QosSpecs(Body):
    id: str
    name: str
    consumer: str
    specs: dict[str, str]


class QosSpecsShow(Body):
    qos_specs: QosSpecs
    links: list[Link]


class QosSpecsList(Body):
    qos_specs: list[QosSpecs]


class QosSpecsSet(Body):
    qos_specs: dict[str, str]


class QosAssociation(Body):
    association_type: str
    id: str
    name: str


class QosAssociations(Body):
    qos_associations: list[QosAssociation]
