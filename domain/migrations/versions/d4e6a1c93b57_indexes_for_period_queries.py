"""indexes for period queries: partial work_report.rework_task_id, qc_inspection (status, decided_at)

Revision ID: d4e6a1c93b57
Revises: b7c41e9d2a05
Create Date: 2026-11-21 17:55:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = 'd4e6a1c93b57'
down_revision = 'b7c41e9d2a05'
branch_labels = None
depends_on = None

NOT_NULL = sa.text("rework_task_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table('work_report', schema=None) as batch_op:
        batch_op.drop_index('ix_work_report_rework_task_id')
        batch_op.create_index('ix_work_report_rework_task_id', ['rework_task_id'], unique=False,
                              sqlite_where=NOT_NULL, postgresql_where=NOT_NULL)
    with op.batch_alter_table('qc_inspection', schema=None) as batch_op:
        batch_op.create_index('ix_qc_inspection_status_decided_at', ['status', 'decided_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('qc_inspection', schema=None) as batch_op:
        batch_op.drop_index('ix_qc_inspection_status_decided_at')
    with op.batch_alter_table('work_report', schema=None) as batch_op:
        batch_op.drop_index('ix_work_report_rework_task_id')
        batch_op.create_index('ix_work_report_rework_task_id', ['rework_task_id'], unique=False)
