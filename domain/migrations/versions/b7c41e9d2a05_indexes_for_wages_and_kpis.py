"""indexes for wages and KPIs: voids by day, inspections by decision time, tasks and work
orders by due time

Revision ID: b7c41e9d2a05
Revises: ee59027f3a93
Create Date: 2026-11-21 17:35:00.000000
"""
from alembic import op


revision = 'b7c41e9d2a05'
down_revision = 'ee59027f3a93'
branch_labels = None
depends_on = None

# (table, column): each gets ix_<table>_<column>, as the models name them.
INDEXED = (("work_report", "voided_at"), ("qc_inspection", "decided_at"),
           ("operation_task", "planned_end"), ("work_order", "due_date"))


def upgrade() -> None:
    for table, column in INDEXED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)


def downgrade() -> None:
    for table, column in INDEXED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
