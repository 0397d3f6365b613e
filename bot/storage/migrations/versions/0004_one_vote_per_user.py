"""one verdict per person and event: a unique index on label_corrections (event_id, user_id)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 00:45:00

The store replaced a person's earlier verdict by reading it first, so two clicks landing together (a double
click, two gateway deliveries) could both find none and store two. Duplicates already stored are reduced to the
latest (highest id) before the index is built.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DEDUPLICATE = """
DELETE FROM label_corrections WHERE event_id IS NOT NULL AND id NOT IN (
    SELECT MAX(id) FROM label_corrections WHERE event_id IS NOT NULL GROUP BY event_id, user_id)
"""


def upgrade() -> None:
    op.execute(DEDUPLICATE)
    op.create_index("uq_label_corrections_event_user", "label_corrections", ["event_id", "user_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_label_corrections_event_user", table_name="label_corrections")
