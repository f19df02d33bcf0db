"""Master data of a scheme: agencies, caregivers, phones, clients, care plans, the scheme table.

Every change goes through these services (API, file import, CLI and the demo seed alike): checked by
``shapes``, upserted by natural key, audited with the actor and the before/after values. Nothing a visit
references is ever deleted: deactivating sets a status.
"""
