"""Registries of other agencies (多部门协同): hospital stays, deaths, caregiver certificates and grade changes,
imported from the insurer's data exchange and read by the R rules. One feature package, as Indico keeps
its features: the records (``models``), the row checks (``rows``), the import (``imports``), the API
(``api``, ``POST /api/v1/registry/{kind}``) and the command line (``cli``, ``flask registry import``).
The layer contract places each module in its layer (pyproject.toml)."""
