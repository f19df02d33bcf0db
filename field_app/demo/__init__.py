"""Demo data and simulated phones (GPS, faces) for the demo, tests and benchmarks."""
