"""The scanner: loads facts, runs the rule library, writes alerts (see scanner.py)."""
