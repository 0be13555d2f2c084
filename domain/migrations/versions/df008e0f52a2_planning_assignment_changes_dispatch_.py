"""planning: assignment, changes, dispatch, materials, live status

Revision ID: df008e0f52a2
Revises: d4e6a1c93b57
Create Date: 2026-11-21 18:45:30.374267
"""
from alembic import op
import sqlalchemy as sa


revision = 'df008e0f52a2'
down_revision = 'd4e6a1c93b57'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('material',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('on_hand', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material')),
    sa.UniqueConstraint('code', name=op.f('uq_material_code'))
    )
    op.create_table('dispatch_plan',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('team', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['person.id'], name=op.f('fk_dispatch_plan_created_by_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_plan'))
    )
    op.create_table('live_status',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('team', sa.String(length=64), nullable=False),
    sa.Column('outbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=True),
    sa.Column('dirty_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_message.id'], name=op.f('fk_live_status_outbox_id_outbox_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_status')),
    sa.UniqueConstraint('chat_id', 'team', name=op.f('uq_live_status_chat_id_team'))
    )
    with op.batch_alter_table('live_status', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_status_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_status_dirty_at'), ['dirty_at'], unique=False)

    op.create_table('plan_change',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('work_order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('actor_person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_person_id'], ['person.id'], name=op.f('fk_plan_change_actor_person_id_person')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_plan_change_work_order_id_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_change')),
    sa.UniqueConstraint('key', name=op.f('uq_plan_change_key'))
    )
    with op.batch_alter_table('plan_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_change_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('change_notice',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('change_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('outbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['change_id'], ['plan_change.id'], name=op.f('fk_change_notice_change_id_plan_change')),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_message.id'], name=op.f('fk_change_notice_outbox_id_outbox_message')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_change_notice_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_notice')),
    sa.UniqueConstraint('change_id', 'person_id', name=op.f('uq_change_notice_change_id_person_id'))
    )
    with op.batch_alter_table('change_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_notice_person_id'), ['person_id'], unique=False)

    op.create_table('dispatch_line',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('task_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('workstation', sa.String(length=64), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('planned_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('planned_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('late_seconds', sa.Integer(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_dispatch_line_person_id_person')),
    sa.ForeignKeyConstraint(['plan_id'], ['dispatch_plan.id'], name=op.f('fk_dispatch_line_plan_id_dispatch_plan')),
    sa.ForeignKeyConstraint(['task_id'], ['operation_task.id'], name=op.f('fk_dispatch_line_task_id_operation_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_line')),
    sa.UniqueConstraint('plan_id', 'task_id', name=op.f('uq_dispatch_line_plan_id_task_id'))
    )
    with op.batch_alter_table('dispatch_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_line_plan_id'), ['plan_id'], unique=False)

    op.create_table('task_card_message',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('work_order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('task_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('outbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outdated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_message.id'], name=op.f('fk_task_card_message_outbox_id_outbox_message')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_task_card_message_person_id_person')),
    sa.ForeignKeyConstraint(['task_id'], ['operation_task.id'], name=op.f('fk_task_card_message_task_id_operation_task')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_task_card_message_work_order_id_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_card_message'))
    )
    with op.batch_alter_table('task_card_message', schema=None) as batch_op:
        batch_op.create_index('ix_task_card_live', ['work_order_id', 'outdated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_card_message_task_id'), ['task_id'], unique=False)

    op.create_table('material_movement',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('material_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('work_order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('qty', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['material_id'], ['material.id'], name=op.f('fk_material_movement_material_id_material')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_material_movement_person_id_person')),
    sa.ForeignKeyConstraint(['report_id'], ['work_report.id'], name=op.f('fk_material_movement_report_id_work_report')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_material_movement_work_order_id_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_movement')),
    sa.UniqueConstraint('key', name=op.f('uq_material_movement_key'))
    )
    with op.batch_alter_table('material_movement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_movement_material_id'), ['material_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_material_movement_work_order_id'), ['work_order_id'], unique=False)

    with op.batch_alter_table('floor_exception', schema=None) as batch_op:
        batch_op.alter_column('reported_by', existing_type=sa.BigInteger().with_variant(
            sa.Integer(), 'sqlite'), nullable=True)

    with op.batch_alter_table('bom_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operation_code', sa.String(length=32), nullable=True))

    with op.batch_alter_table('operation_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_for_claim', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('claim_team', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('ready_notified_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('report_draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=100), nullable=True))

    with op.batch_alter_table('task_assignee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('how', sa.String(length=16), nullable=False,
                                      server_default='assigned'))
        batch_op.add_column(sa.Column('assigned_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_index(batch_op.f('ix_task_assignee_person_id'), ['person_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_task_assignee_assigned_by_person'), 'person', ['assigned_by'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('task_assignee', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_task_assignee_assigned_by_person'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_task_assignee_person_id'))
        batch_op.drop_column('assigned_by')
        batch_op.drop_column('how')

    with op.batch_alter_table('report_draft', schema=None) as batch_op:
        batch_op.drop_column('reason')

    with op.batch_alter_table('operation_task', schema=None) as batch_op:
        batch_op.drop_column('ready_notified_at')
        batch_op.drop_column('claim_team')
        batch_op.drop_column('open_for_claim')

    with op.batch_alter_table('bom_line', schema=None) as batch_op:
        batch_op.drop_column('operation_code')

    with op.batch_alter_table('floor_exception', schema=None) as batch_op:
        batch_op.alter_column('reported_by', existing_type=sa.BigInteger().with_variant(
            sa.Integer(), 'sqlite'), nullable=False)

    with op.batch_alter_table('material_movement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_movement_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_material_movement_material_id'))

    op.drop_table('material_movement')
    with op.batch_alter_table('task_card_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_card_message_task_id'))
        batch_op.drop_index('ix_task_card_live')

    op.drop_table('task_card_message')
    with op.batch_alter_table('dispatch_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_line_plan_id'))

    op.drop_table('dispatch_line')
    with op.batch_alter_table('change_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_notice_person_id'))

    op.drop_table('change_notice')
    with op.batch_alter_table('plan_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_change_work_order_id'))

    op.drop_table('plan_change')
    with op.batch_alter_table('live_status', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_status_dirty_at'))
        batch_op.drop_index(batch_op.f('ix_live_status_chat_id'))

    op.drop_table('live_status')
    op.drop_table('dispatch_plan')
    op.drop_table('material')
