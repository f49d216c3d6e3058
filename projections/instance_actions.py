"""Read model of instance actions (`/servers/{id}/os-instance-actions`), built from events.

An action is what a request asked of a server (keyed by its request id); its events are the
steps carried out for it, each opened when the step is asked for and finished by the outcome the
scheduler or the compute worker records. Outcomes come with the worker's own request id, so a
step is found by the instance and the step's name, newest open one first, as Nova's compute
manager finds its action by the instance and the request it was handed.

Volume attach and detach are actions of the server too; their outcomes are the volume's events,
which name no server, so the projection remembers which server each volume was last asked to
join (`instance_action_volumes`). Likewise an in-use extend: the `volume-extended` external event
(os-server-external-events) is Nova's extend_volume action, and its host's outcome, recorded
against the event's position in its batch, finishes the step of the server that position names
(`instance_action_extends`).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.compute.crash_dump import CrashDumpRequest
from domain.compute.external_events import ExternalEvents
from domain.compute.instance import Instance
from domain.compute.instance_evacuation import InstanceEvacuation
from domain.compute.instance_live_control import InstanceLiveControl
from domain.errors import InvalidInput
from domain.storage.volume import Volume
from projections import instance_action_hosts as hosts
from projections import migrations
from projections.base import Projection, hexid
from projections.store import ReadCursor, ReadStore, Row

# Nova's action names (nova/compute/instance_actions.py) for the aggregate's action names.
ACTION_NAMES = {"stop": "stop", "start": "start", "reboot": "reboot", "reboot_hard": "reboot",
                "pause": "pause", "unpause": "unpause", "suspend": "suspend",
                "resume": "resume", "resize": "resize", "confirm_resize": "confirmResize",
                "revert_resize": "revertResize", "rebuild": "rebuild", "snapshot": "createImage",
                "rescue": "rescue", "unrescue": "unrescue", "shelve": "shelve",
                "shelve_offload": "shelveOffload", "unshelve": "unshelve",
                "backup": "createBackup", "live_migrate": "live-migration",
                "soft_delete": "delete", "restore": "restore",
                "evacuate": "evacuate"}
# Nova's instance_actions names of a live migration's abort and force-complete.
LIVE_CONTROLS = {"abort": "live_migration_cancel",
                 "force_complete": "live_migration_force_complete"}
# The event Nova's compute manager records for each (its wrap_instance_event names).
STEP_NAMES = {"stop": "compute_stop_instance", "start": "compute_start_instance",
              "reboot": "compute_reboot_instance", "reboot_hard": "compute_reboot_instance",
              "pause": "compute_pause_instance", "unpause": "compute_unpause_instance",
              "suspend": "compute_suspend_instance", "resume": "compute_resume_instance",
              "resize": "compute_resize_instance", "confirm_resize": "compute_confirm_resize",
              "revert_resize": "compute_revert_resize", "rebuild": "compute_rebuild_instance",
              "snapshot": "compute_snapshot_instance", "rescue": "compute_rescue_instance",
              "unrescue": "compute_unrescue_instance", "shelve": "compute_shelve_instance",
              "shelve_offload": "compute_shelve_offload_instance",
              "unshelve": "compute_unshelve_instance", "backup": "compute_backup_instance",
              "live_migrate": "compute_live_migration",
              "soft_delete": "compute_soft_delete_instance",
              "restore": "compute_restore_instance",
              "evacuate": "compute_rebuild_instance"}
API_SNAPSHOT = "api_snapshot_instance"
ATTACH_VOLUME, DETACH_VOLUME = "compute_attach_volume", "compute_detach_volume"
CRASH_DUMP = "compute_trigger_crash_dump"
EXTEND_VOLUME = "compute_extend_volume"
SCHEDULE, BUILD, TERMINATE = ("conductor_schedule_and_build_instances",
                              "compute__do_build_and_run_instance", "compute_terminate_instance")


def moment(event: Any) -> str:
    """Nova prints action and event times as naive UTC with microseconds."""
    return str(event.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%f"))


def request_id(event: Any) -> str:
    return str((getattr(event, "meta", None) or {}).get("request_id") or f"req-{hexid(event)}")


class InstanceActionProjection(Projection):
    name = "instance_actions"
    tables = ("instance_action_events", "instance_actions", "instance_action_volumes",
              "instance_action_extends", hosts.TABLE, migrations.TABLE)
    ddl = (
        "CREATE TABLE IF NOT EXISTS instance_actions (instance_id TEXT NOT NULL,"
        " request_id TEXT NOT NULL, seq BIGINT NOT NULL, action TEXT NOT NULL, user_id TEXT,"
        " project_id TEXT, start_time TEXT NOT NULL, updated_at TEXT NOT NULL,"
        " finish_time TEXT, message TEXT, PRIMARY KEY (instance_id, request_id))",
        "CREATE TABLE IF NOT EXISTS instance_action_events (instance_id TEXT NOT NULL,"
        " seq BIGINT NOT NULL, request_id TEXT NOT NULL, event TEXT NOT NULL,"
        " start_time TEXT NOT NULL, finish_time TEXT, result TEXT, host TEXT, details TEXT,"
        " PRIMARY KEY (instance_id, seq))",
        "CREATE TABLE IF NOT EXISTS instance_action_volumes (volume_id TEXT PRIMARY KEY,"
        " instance_id TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS instance_action_extends (events_id TEXT NOT NULL,"
        " idx INTEGER NOT NULL, instance_id TEXT NOT NULL, seq BIGINT NOT NULL,"
        " PRIMARY KEY (events_id, idx))",
        hosts.DDL,
        migrations.DDL,
    )

    def __init__(self) -> None:
        super().__init__()
        S = Step  # noqa: N806 - a short alias keeps the table readable
        self.steps: dict[type, Callable[[ReadCursor, Any, int], None]] = {
            Instance.Requested: S(self, action="create", opens=SCHEDULE),
            Instance.HostClaimed: S(self, closes=SCHEDULE, opens=BUILD, of="create"),
            Instance.SchedulingFailed: S(self, closes=SCHEDULE, result="Error"),
            Instance.Spawned: S(self, closes=BUILD),
            Instance.SpawnFailed: S(self, closes=BUILD, result="Error"),
            Instance.BuildAborted: S(self, fails="create"),
            Instance.ActionRequested: self.action_requested,
            Instance.ActionSucceeded: self.action_finished,
            Instance.ActionFailed: self.action_finished,
            Instance.MigrationPrepared: lambda cur, e, position: None,  # its row's status
            InstanceEvacuation.EvacuationCleanedUp: lambda cur, e, position: None,  # its row's too
            InstanceLiveControl.LiveMigrationControlRequested: self.live_control,
            Instance.VolumesSnapshotted: self.volumes_snapshotted,
            Instance.Locked: S(self, action="lock"),
            Instance.Unlocked: S(self, action="unlock"),
            Instance.DeleteRequested: S(self, action="delete", opens=TERMINATE),
            Instance.VolumeAttachRequested: self.volume_requested,
            Instance.VolumeDetachRequested: S(self, action="detach_volume",
                                              opens=DETACH_VOLUME),
            Volume.Attached: self.volume_finished,
            Volume.AttachFailed: self.volume_finished,
            Volume.Detached: self.volume_finished,
            Volume.DetachFailed: self.volume_finished,
            Instance.Deleted: self.deleted,
            CrashDumpRequest.Requested: self.crash_dump,
            CrashDumpRequest.Triggered: self.crash_dump,
            CrashDumpRequest.Failed: self.crash_dump,
            ExternalEvents.Received: self.volume_extended,
            ExternalEvents.Handled: self.extend_handled,
        }

    def topics(self) -> list[str]:
        return [get_topic(cls) for cls in self.steps]

    def apply(self, cur: ReadCursor, event: Any, position: int) -> None:
        step = self.steps.get(type(event))
        if step is not None:
            migrations.follow(cur, event, position)  # before the host moves: the source
            hosts.follow(cur, event)  # first: a step this event opens runs where it leaves it
            step(cur, event, position)

    def action_requested(self, cur: ReadCursor, e: Any, position: int) -> None:
        # A cold migration is a resize to the same flavor elsewhere; Nova names it "migrate".
        cold = e.action == "resize" and e.params.get("migration_type") == "migration"
        action = "migrate" if cold else ACTION_NAMES[e.action]
        if e.params.get("deleting"):  # a resize confirmed by a soft delete: the delete's
            action = "delete"
        Step(self, action=action, opens=STEP_NAMES[e.action])(cur, e, position)

    def action_finished(self, cur: ReadCursor, e: Any, position: int) -> None:
        result = "Success" if isinstance(e, Instance.ActionSucceeded) else "Error"
        Step(self, closes=STEP_NAMES[e.action], result=result)(cur, e, position)

    def live_control(self, cur: ReadCursor, e: Any, position: int) -> None:
        Step(self, action=LIVE_CONTROLS[e.control])(cur, e, position)

    def volumes_snapshotted(self, cur: ReadCursor, e: Any, position: int) -> None:
        """A volume-backed server's createImage, done within the request: its one step
        (Nova's wrap_instance_event(prefix="api")) opens and finishes at once."""
        Step(self, action="createImage", opens=API_SNAPSHOT)(cur, e, position)
        self.close(cur, e, API_SNAPSHOT, "Success")

    def volume_requested(self, cur: ReadCursor, e: Any, position: int) -> None:
        cur.execute("INSERT INTO instance_action_volumes (volume_id, instance_id) VALUES (?, ?)"
                    " ON CONFLICT (volume_id) DO UPDATE SET instance_id = excluded.instance_id",
                    (e.volume_id, hexid(e)))
        Step(self, action="attach_volume", opens=ATTACH_VOLUME)(cur, e, position)

    def volume_finished(self, cur: ReadCursor, e: Any, position: int) -> None:
        """A volume's outcome finishes the step of the server it was asked to join."""
        row = cur.execute("SELECT instance_id FROM instance_action_volumes WHERE volume_id = ?",
                          (hexid(e),)).one()
        if row is None:
            return
        attach = isinstance(e, (Volume.Attached, Volume.AttachFailed))
        result = "Success" if isinstance(e, (Volume.Attached, Volume.Detached)) else "Error"
        self.close(cur, e, ATTACH_VOLUME if attach else DETACH_VOLUME, result,
                   row["instance_id"])

    def crash_dump(self, cur: ReadCursor, e: Any, position: int) -> None:
        """A trigger_crash_dump request and its outcome, filed under the server."""
        if isinstance(e, CrashDumpRequest.Requested):
            Step(self, action="trigger_crash_dump", opens=CRASH_DUMP)(cur, Of(e), position)
        else:
            ok = isinstance(e, CrashDumpRequest.Triggered)
            self.close(cur, Of(e), CRASH_DUMP, "Success" if ok else "Error")

    def volume_extended(self, cur: ReadCursor, e: Any, position: int) -> None:
        """Cinder told a server's host that a volume grew: Nova's API starts an extend_volume
        action and the host's compute manager runs its compute_extend_volume step. A step is
        keyed by the batch's position, so a server named twice in one batch has one step,
        finished by the first outcome."""
        for index, item in enumerate(e.events):
            if item["name"] != "volume-extended":
                continue
            opened = cur.execute("SELECT 1 FROM instance_action_extends WHERE events_id = ?"
                                 " AND instance_id = ?", (hexid(e), item["server_id"])).one()
            cur.execute("INSERT INTO instance_action_extends (events_id, idx, instance_id, seq)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (events_id, idx) DO NOTHING",
                        (hexid(e), index, item["server_id"], position))
            if opened is None:
                Step(self, action="extend_volume", opens=EXTEND_VOLUME)(
                    cur, Of(e, item["server_id"]), position)

    def extend_handled(self, cur: ReadCursor, e: Any, position: int) -> None:
        """The host's outcome of a volume-extended event: "completed", or "failed: why"."""
        row = cur.execute("SELECT instance_id, seq FROM instance_action_extends WHERE"
                          " events_id = ? AND idx = ?", (hexid(e), e.index)).one()
        if row is None:  # an outcome of another kind of event
            return
        why = e.outcome.removeprefix("failed: ")
        self.close(cur, Of(e, row["instance_id"], reason=why), EXTEND_VOLUME,
                   "Success" if e.outcome == "completed" else "Error", seq=row["seq"])

    def deleted(self, cur: ReadCursor, e: Any, position: int) -> None:
        # A delete the worker carried out finishes its step; a local delete (nothing on any
        # host) is a "delete" action of its own, with no step, as in Nova.
        if not self.close(cur, e, TERMINATE, "Success"):
            self.start(cur, e, position, "delete")

    # -- the three things a step does -------------------------------------------------------
    def start(self, cur: ReadCursor, e: Any, position: int, action: str) -> None:
        meta = getattr(e, "meta", None) or {}
        cur.execute("INSERT INTO instance_actions (instance_id, request_id, seq, action, user_id,"
                    " project_id, start_time, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (instance_id, request_id) DO NOTHING",
                    (hexid(e), request_id(e), position, action, meta.get("user_id"),
                     meta.get("project_id"), moment(e), moment(e)))

    def open(self, cur: ReadCursor, e: Any, position: int, name: str, of: str | None) -> None:
        owner = request_id(e)
        if of is not None:  # the step belongs to an earlier request's action (a reschedule)
            row = cur.execute("SELECT request_id FROM instance_actions WHERE instance_id = ?"
                              " AND action = ? ORDER BY seq DESC LIMIT 1", (hexid(e), of)).one()
            if row is None:
                return
            owner = row["request_id"]
        cur.execute("INSERT INTO instance_action_events (instance_id, seq, request_id, event,"
                    " start_time, host) VALUES (?, ?, ?, ?, ?, ?)",
                    (hexid(e), position, owner, name, moment(e), hosts.host_of(cur, hexid(e))))
        self.touch(cur, e, owner, None)

    def close(self, cur: ReadCursor, e: Any, name: str, result: str,
              instance_id: str | None = None, seq: int | None = None) -> bool:
        """Finish the newest open step of that name of the event's instance (or of
        `instance_id`, for another aggregate's event), or the one opened at `seq`."""
        instance_id = instance_id or hexid(e)
        which = "" if seq is None else f" AND seq = {int(seq)}"
        row = cur.execute("SELECT seq, request_id FROM instance_action_events WHERE"
                          f" instance_id = ? AND event = ? AND finish_time IS NULL{which}"
                          " ORDER BY seq DESC LIMIT 1", (instance_id, name)).one()
        if row is None:
            return False
        # A step opened before any host was chosen ran where it chose (the scheduler's). A
        # failed one keeps the failure's reason (Nova's event details, shown from 2.84).
        details = getattr(e, "reason", None) if result == "Error" else None
        cur.execute("UPDATE instance_action_events SET finish_time = ?, result = ?,"
                    " host = COALESCE(host, ?), details = ? WHERE instance_id = ? AND seq = ?",
                    (moment(e), result, hosts.host_of(cur, instance_id),
                     None if details is None else str(details), instance_id, row["seq"]))
        self.touch(cur, e, row["request_id"], result, instance_id)
        return True

    def touch(self, cur: ReadCursor, e: Any, owner: str, result: str | None,
              instance_id: str | None = None) -> None:
        """A step started or finished: the action was updated; a failed step marks it Error
        (Nova's action_event_finish does the same)."""
        finish = moment(e) if result is not None else None
        cur.execute("UPDATE instance_actions SET updated_at = ?,"
                    " finish_time = COALESCE(?, finish_time),"
                    " message = CASE WHEN ? THEN 'Error' ELSE message END"
                    " WHERE instance_id = ? AND request_id = ?",
                    (moment(e), finish, result == "Error", instance_id or hexid(e), owner))


class Of:
    """Another aggregate's event about a server (a crash dump request's, or an external event
    batch's about the server `instance_id`), seen as that server's: the actions and their
    steps are filed under the server. `shown` overrides the event's attributes (a reason)."""

    def __init__(self, event: Any, instance_id: str | None = None, **shown: Any) -> None:
        self.event = event
        self.originator_id = event.instance_id if instance_id is None else UUID(instance_id)
        self.__dict__.update(shown)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.event, name)


class Step:
    """One event's effect: start an action, finish a step, open the next step."""

    def __init__(self, projection: InstanceActionProjection, action: str | None = None,
                 opens: str | None = None, closes: str | None = None, result: str = "Success",
                 of: str | None = None, fails: str | None = None) -> None:
        self.p, self.action, self.opens, self.closes = projection, action, opens, closes
        self.result, self.of, self.fails = result, of, fails

    def __call__(self, cur: ReadCursor, e: Any, position: int) -> None:
        if self.action is not None:
            self.p.start(cur, e, position, self.action)
        if self.closes is not None:
            self.p.close(cur, e, self.closes, self.result)
        if self.opens is not None:
            self.p.open(cur, e, position, self.opens, self.of)
        if self.fails is not None:
            cur.execute("UPDATE instance_actions SET message = 'Error', updated_at = ?,"
                        " finish_time = ? WHERE instance_id = ? AND action = ?",
                        (moment(e), moment(e), hexid(e), self.fails))


class InstanceActionViews:
    """Queries over instance actions, newest first as Nova lists them."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def get(self, instance_id: str, request_id: str) -> Row | None:
        return self.store.query_one("SELECT * FROM instance_actions WHERE instance_id = ?"
                                    " AND request_id = ?", (instance_id, request_id))

    def list(self, instance_id: str, limit: int | None = None, marker: str | None = None,
             changes_since: str | None = None, changes_before: str | None = None) -> list[Row]:
        sql, params = "SELECT * FROM instance_actions WHERE instance_id = ?", [instance_id]
        if marker is not None:
            row = self.get(instance_id, marker)
            if row is None:
                raise InvalidInput(f"Marker {marker} could not be found.")
            sql += " AND seq < ?"
            params.append(row["seq"])
        if changes_since is not None:
            sql += " AND updated_at >= ?"
            params.append(changes_since)
        if changes_before is not None:
            sql += " AND updated_at <= ?"
            params.append(changes_before)
        sql += " ORDER BY seq DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.store.query(sql, params)

    def events(self, instance_id: str, request_id: str) -> builtins.list[Row]:
        return self.store.query("SELECT * FROM instance_action_events WHERE instance_id = ?"
                                " AND request_id = ? ORDER BY seq DESC", (instance_id, request_id))
