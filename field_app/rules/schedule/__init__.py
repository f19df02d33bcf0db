"""Schedule rules (排班): planned visits against the visits made (EVV's core exceptions)."""
