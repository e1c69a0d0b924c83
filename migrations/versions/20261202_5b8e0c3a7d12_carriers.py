"""carriers, tracking links, out for delivery, COD remittance statements (carriers helper, issue #17)

The carriers were a setting (``CARRIERS``) or a list in the code; they are now
the ``carrier`` table, which administrators edit, seeded here with Amana,
CTM Messagerie and the former defaults. A shipment points at its carrier
(``carrier_id``); its ``carrier`` text stays as the name it was shipped
under, and parcels shipped before are linked to the carrier whose name or
alias they typed. ``out_for_delivery_at`` records the carrier's "out for
delivery"; ``cod_remittance`` the carriers' remittance statements, each file
imported once.

Revision ID: 5b8e0c3a7d12
Revises: 5d1e8a3f2b70
Create Date: 2026-12-02 17:30:00.000000

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8e0c3a7d12'
down_revision = '5d1e8a3f2b70'
branch_labels = None
depends_on = None

# (code, ar, fr, en, tracking page, cash on delivery, aliases) — a copy frozen at
# this revision (orders/carriers.py DEFAULT_CARRIERS may change later).
CARRIERS = (
    ("amana", "أمانة (بريد المغرب)", "Amana", "Amana",
     "https://bam-tracking.barid.ma/Tracking/Search?trackingCode={number}", True,
     "Amana (Barid Al-Maghrib)\nBarid Al-Maghrib\nPoste Maroc\nأمانة\nبريد المغرب"),
    ("ctm", "ستيام للإرساليات", "CTM Messagerie", "CTM Messagerie",
     "https://www.ctm.ma/messagerie/suivi?numero={number}", True,
     "CTM\nCTM Messagerie\nستيام"),
    ("aramex", "أرامكس", "Aramex", "Aramex",
     "https://www.aramex.com/ma/en/track/results?ShipmentNumber={number}", False, "أرامكس"),
    ("dhl", "دي إتش إل إكسبريس", "DHL Express", "DHL Express",
     "https://www.dhl.com/ma-fr/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
     False, "DHL"),
    ("ups", "يو بي إس", "UPS", "UPS", "https://www.ups.com/track?tracknum={number}", False, ""),
    ("fedex", "فيديكس", "FedEx", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}",
     False, ""),
)


def _key(name):
    return " ".join((name or "").casefold().split())


def upgrade():
    op.create_table('carrier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_ar', sa.String(length=80), nullable=False),
    sa.Column('name_fr', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('tracking_url', sa.String(length=300), nullable=False),
    sa.Column('aliases', sa.Text(), nullable=False),
    sa.Column('cod', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carrier')),
    sa.UniqueConstraint('code', name=op.f('uq_carrier_code'))
    )
    with op.batch_alter_table('carrier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carrier_active'), ['active'], unique=False)

    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carrier_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('out_for_delivery_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_shipment_carrier_id'), ['carrier_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_shipment_carrier_id_carrier'), 'carrier',
                                    ['carrier_id'], ['id'])

    op.create_table('cod_remittance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carrier_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('parcel_count', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('parcel_count > 0', name=op.f('ck_cod_remittance_parcel_count_positive')),
    sa.CheckConstraint('total_cents > 0', name=op.f('ck_cod_remittance_total_positive')),
    sa.ForeignKeyConstraint(['carrier_id'], ['carrier.id'], name=op.f('fk_cod_remittance_carrier_id_carrier')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_cod_remittance_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cod_remittance')),
    sa.UniqueConstraint('sha256', name=op.f('uq_cod_remittance_sha256'))
    )
    with op.batch_alter_table('cod_remittance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cod_remittance_carrier_id'), ['carrier_id'], unique=False)

    # The carriers, then the parcels already shipped linked to the one they named.
    carrier = sa.table('carrier', sa.column('id', sa.Integer), sa.column('code', sa.String),
                       sa.column('name_ar', sa.String), sa.column('name_fr', sa.String),
                       sa.column('name_en', sa.String), sa.column('tracking_url', sa.String),
                       sa.column('aliases', sa.Text), sa.column('cod', sa.Boolean),
                       sa.column('active', sa.Boolean), sa.column('updated_at', sa.DateTime),
                       sa.column('created_at', sa.DateTime))
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(carrier, [
        {"code": code, "name_ar": ar, "name_fr": fr, "name_en": en, "tracking_url": url,
         "cod": cod, "aliases": aliases, "active": True, "updated_at": now, "created_at": now}
        for code, ar, fr, en, url, cod, aliases in CARRIERS
    ])
    conn = op.get_bind()
    ids = dict(conn.execute(sa.select(carrier.c.code, carrier.c.id)).all())
    by_name = {}
    for code, ar, fr, en, _url, _cod, aliases in CARRIERS:
        for name in (code, ar, fr, en, *aliases.splitlines()):
            by_name.setdefault(_key(name), ids[code])
    shipment = sa.table('shipment', sa.column('carrier', sa.String),
                        sa.column('carrier_id', sa.Integer))
    typed = conn.execute(sa.select(shipment.c.carrier).where(shipment.c.carrier != '').distinct())
    for (name,) in typed.all():
        carrier_id = by_name.get(_key(name))
        if carrier_id is not None:
            conn.execute(shipment.update().where(shipment.c.carrier == name)
                         .values(carrier_id=carrier_id))


def downgrade():
    with op.batch_alter_table('cod_remittance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cod_remittance_carrier_id'))
    op.drop_table('cod_remittance')

    # The shipments keep their carrier's name in ``carrier``.
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_shipment_carrier_id_carrier'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_shipment_carrier_id'))
        batch_op.drop_column('out_for_delivery_at')
        batch_op.drop_column('carrier_id')

    with op.batch_alter_table('carrier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carrier_active'))
    op.drop_table('carrier')
