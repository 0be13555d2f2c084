"""The dispatch suggestion 排产建议: a pure heuristic (heuristic.py) over working time
(capacity.py), fed from the database (loading.py), stored, edited and accepted as plans
(plans.py). Rush orders (domain/rush.py) reuse all of it. docs/dispatch.md explains the rules."""
