"""invoices (invoice helper, issue #17): legal invoices, credit notes, commission invoices

The cooperative's legal details its invoices name it by (IF, TP, RC, VAT
rate or exemption mention; the ICE was already there), the issued
documents, and one numbering counter per series and year.

Revision ID: e5a1c9d3b7f2
Revises: 5b8e0c3a7d12
Create Date: 2026-12-02 17:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e5a1c9d3b7f2"
down_revision = "5b8e0c3a7d12"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cooperative", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tax_id", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("tp_number", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("rc_number", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("vat_rate_bp", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("vat_exemption_fr", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("vat_exemption_ar", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_cooperative_vat_rate_range"), "vat_rate_bp BETWEEN 0 AND 10000"
        )

    op.create_table(
        "invoice_counter",
        sa.Column("series", sa.String(length=30), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_number >= 0", name=op.f("ck_invoice_counter_last_not_negative")),
        sa.PrimaryKeyConstraint("series", "year", name=op.f("pk_invoice_counter")),
    )
    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "invoice",
                "credit_note",
                "commission",
                name="invoicekind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("series", sa.String(length=30), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("refers_to_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(length=7), server_default="", nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("net_cents", sa.Integer(), nullable=False),
        sa.Column("tax_cents", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("pdf_name", sa.String(length=120), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("rendered_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("sequence > 0", name=op.f("ck_invoice_sequence_positive")),
        sa.CheckConstraint(
            "total_cents = net_cents + tax_cents", name=op.f("ck_invoice_total_is_sum")
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperative.id"],
            name=op.f("fk_invoice_cooperative_id_cooperative"),
        ),
        sa.ForeignKeyConstraint(["order_id"], ["order.id"], name=op.f("fk_invoice_order_id_order")),
        sa.ForeignKeyConstraint(
            ["refers_to_id"], ["invoice.id"], name=op.f("fk_invoice_refers_to_id_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refund.id"], name=op.f("fk_invoice_refund_id_refund")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipment.id"], name=op.f("fk_invoice_shipment_id_shipment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice")),
        sa.UniqueConstraint("key", name=op.f("uq_invoice_key")),
        sa.UniqueConstraint(
            "series", "year", "sequence", name=op.f("uq_invoice_series_year_sequence")
        ),
    )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_invoice_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoice_number"), ["number"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoice_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoice_refers_to_id"), ["refers_to_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoice_refund_id"), ["refund_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoice_shipment_id"), ["shipment_id"], unique=False)


def downgrade():
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_refund_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_refers_to_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_order_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_number"))
        batch_op.drop_index(batch_op.f("ix_invoice_kind"))
        batch_op.drop_index(batch_op.f("ix_invoice_cooperative_id"))

    op.drop_table("invoice")
    op.drop_table("invoice_counter")
    with op.batch_alter_table("cooperative", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_cooperative_vat_rate_range"), type_="check")
        batch_op.drop_column("vat_exemption_ar")
        batch_op.drop_column("vat_exemption_fr")
        batch_op.drop_column("vat_rate_bp")
        batch_op.drop_column("rc_number")
        batch_op.drop_column("tp_number")
        batch_op.drop_column("tax_id")
