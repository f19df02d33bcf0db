"""Who may change what (the written policy, enforced by the API and checked by the access matrix).

| kind          | create / update / deactivate            | read                                      |
| ------------- | --------------------------------------- | ----------------------------------------- |
| agencies      | admin (bureau, 医保局)                   | admin; supervisor, auditor: their agencies |
| clients       | admin (grades and care types included)  | admin; supervisor, auditor: their agencies |
| care plans    | admin                                   | admin; supervisor, auditor: their agencies |
| scheme table  | admin (new rows only, never edits)      | admin, supervisor, auditor                 |
| caregivers    | supervisor (agency staff): their agency | admin; supervisor, auditor: their agencies |
| phones        | supervisor: their agency's caregivers   | admin; supervisor, auditor: their agencies |
| schedules     | supervisor: their agency (move/add/cancel); admin and supervisor generate | admin, supervisor, auditor (scope) |
| accounts      | admin: any; supervisor: caregiver accounts of their agency | — |

Caregivers read their own schedule and clients (``/me/...``); family accounts read their client's
visits and the star ratings, nothing else. Objects outside a caller's agencies answer 404 as if absent.
"""

from __future__ import annotations

from field_app.models.user import ADMIN, AUDITOR, SUPERVISOR

STAFF_READ = (ADMIN, SUPERVISOR, AUDITOR)
WRITE: dict[str, tuple[str, ...]] = {
    "agencies": (ADMIN,),
    "clients": (ADMIN,),
    "care_plans": (ADMIN,),
    "scheme_rates": (ADMIN,),
    "caregivers": (SUPERVISOR,),
    "phones": (SUPERVISOR,),
}
READ: dict[str, tuple[str, ...]] = dict.fromkeys(WRITE, STAFF_READ)
#: who may import a kind of file: the writers of that kind
IMPORT = WRITE
