"""Time-driven work: the reminder and escalation sweep and planning ahead (scheduler/jobs.py)."""
