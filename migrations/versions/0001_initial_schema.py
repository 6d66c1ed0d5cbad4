"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 03:34:33.314648
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import connector.store.models


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('run_locks',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=40), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('acquired_at', connector.store.models.UTCDateTime(), nullable=False),
    sa.Column('expires_at', connector.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('runs',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('started_at', connector.store.models.UTCDateTime(), nullable=False),
    sa.Column('finished_at', connector.store.models.UTCDateTime(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('source_records',
    sa.Column('resource', sa.String(length=40), nullable=False),
    sa.Column('dendreo_id', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('secret', sa.LargeBinary(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('session_dendreo_id', sa.String(length=40), nullable=True),
    sa.Column('fetched_at', connector.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('resource', 'dendreo_id')
    )
    with op.batch_alter_table('source_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_records_session_dendreo_id'), ['session_dendreo_id'], unique=False)

    op.create_table('sync_cursors',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('updated_at', connector.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('training_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dendreo_id', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('start', sa.Date(), nullable=True),
    sa.Column('end', sa.Date(), nullable=True),
    sa.Column('stage', sa.String(length=120), nullable=False),
    sa.Column('training', sa.JSON(), nullable=False),
    sa.Column('training_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', connector.store.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', connector.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dendreo_id')
    )
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_sessions_end'), ['end'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_number'), ['number'], unique=False)

    op.create_table('declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('declaration_type', sa.String(length=3), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('plan_key', sa.String(length=120), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempt_id', sa.String(length=40), nullable=True),
    sa.Column('run_id', sa.String(length=40), nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('titulaire_count', sa.Integer(), nullable=False),
    sa.Column('training', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('evidence_dir', sa.String(length=500), nullable=True),
    sa.Column('created_at', connector.store.models.UTCDateTime(), nullable=False),
    sa.Column('submitted_at', connector.store.models.UTCDateTime(), nullable=True),
    sa.Column('finished_at', connector.store.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_key', 'attempt', name='uq_declaration_plan_attempt')
    )
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declarations_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_declarations_state'), ['state'], unique=False)

    op.create_table('titulaires',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.String(length=40), nullable=False),
    sa.Column('lap_id', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('declaration_type', sa.String(length=3), nullable=True),
    sa.Column('nir_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('nir_hash', sa.String(length=64), nullable=True),
    sa.Column('nir_masked', sa.String(length=32), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('birth_name', sa.String(length=100), nullable=True),
    sa.Column('employer_present', sa.Boolean(), nullable=False),
    sa.Column('employer_siret', sa.String(length=20), nullable=True),
    sa.Column('employer_reference', sa.String(length=255), nullable=True),
    sa.Column('validity_start', sa.Date(), nullable=True),
    sa.Column('validity_end', sa.Date(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('optional', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('source_hash', sa.String(length=64), nullable=False),
    sa.Column('field_hashes', sa.JSON(), nullable=False),
    sa.Column('declared_hash', sa.String(length=64), nullable=True),
    sa.Column('declared_fields', sa.JSON(), nullable=True),
    sa.Column('declaration_id', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('declared_at', connector.store.models.UTCDateTime(), nullable=True),
    sa.Column('created_at', connector.store.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', connector.store.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'participant_id', name='uq_titulaire_session_participant')
    )
    with op.batch_alter_table('titulaires', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_titulaires_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_titulaires_nir_hash'), ['nir_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_titulaires_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_titulaires_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_titulaires_state'), ['state'], unique=False)
        batch_op.create_index('ix_titulaires_state_deadline', ['state', 'deadline'], unique=False)

    op.create_table('declaration_items',
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('titulaire_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], ),
    sa.ForeignKeyConstraint(['titulaire_id'], ['titulaires.id'], ),
    sa.PrimaryKeyConstraint('declaration_id', 'titulaire_id'),
    sa.UniqueConstraint('partner_id')
    )
    with op.batch_alter_table('declaration_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declaration_items_titulaire_id'), ['titulaire_id'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', connector.store.models.UTCDateTime(), nullable=False),
    sa.Column('run_id', sa.String(length=40), nullable=True),
    sa.Column('titulaire_id', sa.Integer(), nullable=True),
    sa.Column('declaration_id', sa.Integer(), nullable=True),
    sa.Column('from_state', sa.String(length=32), nullable=True),
    sa.Column('to_state', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], ),
    sa.ForeignKeyConstraint(['titulaire_id'], ['titulaires.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_titulaire_id'), ['titulaire_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_titulaire_id'))
        batch_op.drop_index(batch_op.f('ix_events_run_id'))
        batch_op.drop_index(batch_op.f('ix_events_declaration_id'))
        batch_op.drop_index(batch_op.f('ix_events_at'))

    op.drop_table('events')
    with op.batch_alter_table('declaration_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declaration_items_titulaire_id'))

    op.drop_table('declaration_items')
    with op.batch_alter_table('titulaires', schema=None) as batch_op:
        batch_op.drop_index('ix_titulaires_state_deadline')
        batch_op.drop_index(batch_op.f('ix_titulaires_state'))
        batch_op.drop_index(batch_op.f('ix_titulaires_session_id'))
        batch_op.drop_index(batch_op.f('ix_titulaires_participant_id'))
        batch_op.drop_index(batch_op.f('ix_titulaires_nir_hash'))
        batch_op.drop_index(batch_op.f('ix_titulaires_declaration_id'))

    op.drop_table('titulaires')
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declarations_state'))
        batch_op.drop_index(batch_op.f('ix_declarations_session_id'))

    op.drop_table('declarations')
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_sessions_number'))
        batch_op.drop_index(batch_op.f('ix_training_sessions_end'))

    op.drop_table('training_sessions')
    op.drop_table('sync_cursors')
    with op.batch_alter_table('source_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_records_session_dendreo_id'))

    op.drop_table('source_records')
    op.drop_table('runs')
    op.drop_table('run_locks')

