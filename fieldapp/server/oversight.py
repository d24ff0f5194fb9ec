"""Who oversees whom, the one place the API and the console ask it.

A supervisor oversees their unit and the workers who report to them. A manager oversees the units whose
supervisors report to them (a supervisor's staff record names the manager as its `supervisor_id`, as a
worker's names the supervisor), and anyone reporting to them directly; nobody else's records. The reporting
lines come from the state system's staff feed, so they are read from the server's staff table when asked,
never cached.
"""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from fieldapp.domain.records import StaffRole, Worker
from fieldapp.server.caseload import parse_worker
from fieldapp.server.models import Staff


def units_overseen(session: Session | Connection, me: Worker) -> frozenset[str]:
    """The units whose records `me` may see: a supervisor's own, a manager's supervisors' units."""
    if me.role is StaffRole.SUPERVISOR:
        return frozenset({me.unit})
    if me.role is not StaffRole.MANAGER:
        return frozenset()
    rows = session.execute(select(Staff.unit, Staff.record).where(Staff.role == str(StaffRole.SUPERVISOR)))
    return frozenset(unit for unit, record in rows if parse_worker(record).supervisor_id == me.id)


def may_supervise(session: Session | Connection, me: Worker, worker: Worker) -> bool:
    """Whether `me` may see and act on `worker`'s records (approve, amend, set a case's MVR, print)."""
    if me.role not in (StaffRole.SUPERVISOR, StaffRole.MANAGER):
        return False
    if worker.supervisor_id == me.id:
        return True
    if me.role is StaffRole.SUPERVISOR:
        return worker.unit == me.unit
    return worker.unit in units_overseen(session, me)
