"""privacy refusals keep keyed account digests (issue 12)

The unkeyed SHA-256 of an account like `alipay:138…` is reversible by enumerating the
mobile-number space. Each stored digest becomes HMAC-SHA256(secret, old digest), which is
exactly domain.privacy.account_digest of the same account: repeats still match, and the
accounts never have to be known. The secret is the keyring's (runtime/keys.py) of the
environment that runs the migration, which must be the workers' keyring.

Revision ID: 0012_keyed_digests
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_keyed_digests"
down_revision = "0001"
branch_labels = None
depends_on = "0004_complaints"  # the privacy_refusals table

refusals = sa.table("privacy_refusals", sa.column("id", sa.Integer), sa.column("account_digest", sa.String(64)))


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(refusals.c.id, refusals.c.account_digest)).all()
    if not rows:
        return  # a new store: nothing to convert, no keyring needed
    from domain.privacy import keyed_digest
    from runtime.keys import load_keyring

    secret = load_keyring().pseudonym_secret
    for row_id, old in rows:
        conn.execute(refusals.update().where(refusals.c.id == row_id).values(account_digest=keyed_digest(old, secret)))


def downgrade() -> None:
    raise NotImplementedError("keyed digests cannot be turned back into unkeyed ones")
