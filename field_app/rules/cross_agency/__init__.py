"""Rules of the cross_agency group."""
