"""Rules of the visit group."""
