"""Schedules (排班): planned visits generated from care plans, changed by the agency, matched to check-ins."""
