"""Volume type and qos-specs commands (administrators only, by policy).

Names are unique (a NameClaim saved with the type or specs); the default type `__DEFAULT__` is
made once at first start. An association is saved on both sides in one `save()`, and so is a
forced qos delete with the disassociation of every type it had.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.app import SkyLedger
from domain.commands import changed, command
from domain.context import RequestContext
from domain.errors import AlreadyExists, InvalidInput, NotFound
from domain.naming import claim_id
from domain.naming_service import claim_name, release_name
from domain.services.storage.lookup import as_uuid, live
from domain.storage.qos_specs import QosSpecs
from domain.storage.volume_type import (
    DEFAULT_DESCRIPTION,
    DEFAULT_TYPE,
    DEFAULT_TYPE_ID,
    VolumeType,
)

TYPE_KIND, QOS_KIND = "volume-type", "qos-specs"


def find_type(app: SkyLedger, ref: str | UUID) -> VolumeType | None:
    """A live type by id, or by name (Cinder accepts either where a type is named)."""
    found = live(app, ref, VolumeType)
    if found is None and isinstance(ref, str):
        claim = app.find(claim_id(TYPE_KIND, "", ref))
        if claim is not None and claim.is_held:
            found = live(app, claim.owner_id, VolumeType)
    return found if isinstance(found, VolumeType) else None


def usable_type(app: SkyLedger, ctx: RequestContext, ref: str | None) -> VolumeType | None:
    """The type a volume request names (by id or name), as the caller may use it (Cinder's 404
    for a type the caller cannot see); None for the default type, which volumes record as no
    type at all (it is never deleted, so nothing need be counted on it)."""
    if ref is None:
        return None
    found = find_type(app, ref)
    if found is None or not found.visible_to(ctx.project_id, ctx.is_admin):
        raise NotFound(f"Volume type with name {ref} could not be found.")
    if found.encryption is not None:  # no key manager here to hold the volumes' keys
        raise InvalidInput(f"Invalid input received: Volume type {ref} is encrypted, and "
                           "encrypted volumes are not supported (there is no key manager).")
    return None if found.is_default else found


class VolumeTypeService:
    def __init__(self, app: SkyLedger) -> None:
        self.app = app

    def get(self, ref: str | UUID) -> VolumeType:
        found = live(self.app, ref, VolumeType)
        if not isinstance(found, VolumeType):
            raise NotFound(f"Volume type {ref} could not be found.")
        return found

    @command
    def create(self, ctx: RequestContext, name: str, description: str | None = None,
               is_public: bool = True, extra_specs: dict[str, str] | None = None) -> VolumeType:
        if name == DEFAULT_TYPE:  # its id is fixed: only seed_default makes it
            raise AlreadyExists(f"Volume Type {name} already exists.")
        vtype = VolumeType(name, description, is_public, dict(extra_specs or {}))
        self.app.save(vtype, self._claim(name, vtype.id))
        return vtype

    def _claim(self, name: str, owner: UUID) -> Any:
        try:
            return claim_name(self.app, TYPE_KIND, "", name, owner)
        except AlreadyExists:
            raise AlreadyExists(f"Volume Type {name} already exists.") from None

    @command
    def seed_default(self, ctx: RequestContext) -> bool:
        """Cinder's `__DEFAULT__` type, made once; returns whether this call made it."""
        if self.app.find(DEFAULT_TYPE_ID) is not None:
            return False
        vtype = VolumeType(DEFAULT_TYPE, DEFAULT_DESCRIPTION, True, {})
        self.app.save(vtype, self._claim(DEFAULT_TYPE, vtype.id))
        return True

    @command
    def update(self, ctx: RequestContext, type_id: str, changes: dict[str, Any]) -> VolumeType:
        vtype = self.get(type_id)
        different = {k: v for k, v in changes.items() if getattr(vtype, k) != v}
        if not different:
            return vtype
        if vtype.is_default and "name" in different:
            raise InvalidInput("The default volume type can not be renamed.")
        saved: list[Any] = [vtype]
        if "name" in different:
            saved += [self._claim(different["name"], vtype.id),
                      release_name(self.app, TYPE_KIND, "", vtype.name, vtype.id)]
        vtype.update(different)
        self.app.save(*changed(*saved))
        return vtype

    @command
    def delete(self, ctx: RequestContext, type_id: str) -> None:
        vtype = self.get(type_id)
        vtype.delete()
        qos = self._qos_of(vtype)
        if qos is not None:
            qos.disassociate(vtype.id.hex)
        self.app.save(*changed(vtype, qos,
                               release_name(self.app, TYPE_KIND, "", vtype.name, vtype.id)))

    @command
    def encrypt(self, ctx: RequestContext, type_id: str, specs: dict[str, Any]) -> VolumeType:
        vtype = self.get(type_id)
        vtype.encrypt(specs)
        self.app.save(vtype)
        return vtype

    @command
    def change_encryption(self, ctx: RequestContext, type_id: str, encryption_id: str,
                          changes: dict[str, Any]) -> VolumeType:
        vtype = self.get(type_id)
        vtype.change_encryption(encryption_id, changes)
        self.app.save(vtype)
        return vtype

    @command
    def remove_encryption(self, ctx: RequestContext, type_id: str, encryption_id: str) -> None:
        vtype = self.get(type_id)
        vtype.remove_encryption(encryption_id)
        self.app.save(vtype)

    @command
    def set_extra_specs(self, ctx: RequestContext, type_id: str,
                        specs: dict[str, str]) -> VolumeType:
        vtype = self.get(type_id)
        vtype.set_extra_specs(specs)
        self.app.save(vtype)
        return vtype

    @command
    def unset_extra_spec(self, ctx: RequestContext, type_id: str, key: str) -> None:
        vtype = self.get(type_id)
        vtype.unset_extra_spec(key)
        self.app.save(vtype)

    @command
    def grant_access(self, ctx: RequestContext, type_id: str, project_id: str) -> None:
        vtype = self.get(type_id)
        vtype.grant_access(project_id)
        self.app.save(vtype)

    @command
    def revoke_access(self, ctx: RequestContext, type_id: str, project_id: str) -> None:
        vtype = self.get(type_id)
        vtype.revoke_access(project_id)
        self.app.save(vtype)

    # -- qos specs ------------------------------------------------------------------------------
    def qos(self, qos_id: str | UUID) -> QosSpecs:
        found = live(self.app, qos_id, QosSpecs)
        if not isinstance(found, QosSpecs):
            raise NotFound(f"QoS Specs {qos_id} could not be found.")
        return found

    def _qos_of(self, vtype: VolumeType) -> QosSpecs | None:
        found = live(self.app, vtype.qos_specs_id, QosSpecs) if vtype.qos_specs_id else None
        return found if isinstance(found, QosSpecs) else None

    @command
    def create_qos(self, ctx: RequestContext, name: str, consumer: str,
                   specs: dict[str, str]) -> QosSpecs:
        qos = QosSpecs(name, consumer, specs)
        try:
            claim = claim_name(self.app, QOS_KIND, "", name, qos.id)
        except AlreadyExists:
            raise AlreadyExists(f"QoS Specs {name} already exists.") from None
        self.app.save(qos, claim)
        return qos

    @command
    def set_qos(self, ctx: RequestContext, qos_id: str, specs: dict[str, str],
                consumer: str | None) -> QosSpecs:
        qos = self.qos(qos_id)
        qos.set_specs(specs, consumer or qos.consumer)
        self.app.save(qos)
        return qos

    @command
    def unset_qos_keys(self, ctx: RequestContext, qos_id: str, keys: list[str]) -> None:
        qos = self.qos(qos_id)
        qos.unset_keys(keys)
        self.app.save(*changed(qos))

    @command
    def delete_qos(self, ctx: RequestContext, qos_id: str, force: bool) -> None:
        qos = self.qos(qos_id)
        types = self._associated(qos)
        qos.delete(force)
        for vtype in types:
            vtype.set_qos_specs(None)
        self.app.save(*changed(qos, *types,
                               release_name(self.app, QOS_KIND, "", qos.name, qos.id)))

    def _associated(self, qos: QosSpecs) -> list[VolumeType]:
        found = [live(self.app, t, VolumeType) for t in qos.types]
        return [t for t in found if isinstance(t, VolumeType)]

    @command
    def associate_qos(self, ctx: RequestContext, qos_id: str, type_id: str) -> None:
        qos, vtype = self.qos(qos_id), self.get(type_id)
        if vtype.qos_specs_id == qos.id.hex:
            return
        if vtype.qos_specs_id is not None:
            raise InvalidInput(f"Invalid volume type: Type {type_id} is already associated "
                               f"with another qos specs: {as_uuid(vtype.qos_specs_id)}")
        vtype.set_qos_specs(qos.id.hex)
        qos.associate(vtype.id.hex)
        self.app.save(vtype, qos)

    @command
    def disassociate_qos(self, ctx: RequestContext, qos_id: str, type_id: str) -> None:
        qos, vtype = self.qos(qos_id), self.get(type_id)
        if vtype.qos_specs_id != qos.id.hex:
            raise NotFound(f"Volume type {type_id} is not associated with qos specs "
                           f"{qos_id}.")
        vtype.set_qos_specs(None)
        qos.disassociate(vtype.id.hex)
        self.app.save(vtype, qos)

    @command
    def disassociate_all_qos(self, ctx: RequestContext, qos_id: str) -> None:
        qos = self.qos(qos_id)
        types = self._associated(qos)
        for vtype in types:
            vtype.set_qos_specs(None)
            qos.disassociate(vtype.id.hex)
        self.app.save(*changed(qos, *types))

