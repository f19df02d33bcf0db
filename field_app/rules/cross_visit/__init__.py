"""Rules of the cross_visit group."""
