"""index work_report.voided_at (wages book a void on the day it happened)

Revision ID: b7c41e9d2a05
Revises: ee59027f3a93
Create Date: 2026-11-21 17:35:00.000000
"""
from alembic import op


revision = 'b7c41e9d2a05'
down_revision = 'ee59027f3a93'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('work_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_report_voided_at'), ['voided_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('work_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_report_voided_at'))
