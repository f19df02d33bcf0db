"""Verification of check-ins and visits: datums, geofences, durations, faces (pure, no Flask)."""
