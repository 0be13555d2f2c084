"""Time-driven work: reminder and escalation sweeps, daily summaries, wage periods (to come)."""
