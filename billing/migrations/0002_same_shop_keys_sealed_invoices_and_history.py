"""Same-shop keys; issued invoices sealed in the database; the counter's old "paid" tick and
typed exemptions carried over from tickets as payments and exemptions.

A job collected with "paid at the counter" ticked becomes one payment of its final price (method
"recorded": how it was paid was never asked), taken when it was collected; a typed reason for no
payment becomes an exemption of kind "recorded". No invoice is made for them: an invoice is
issued once, with a number of its day, and those days are gone. Plain SQL: one statement each,
however many jobs a shop has.
"""

from django.db import migrations

from shops.db import SameShopForeignKey

SEAL = """
CREATE FUNCTION billing_invoice_is_sealed() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'an issued invoice or credit note cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_invoice_sealed BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_is_sealed();
CREATE TRIGGER billing_invoiceline_sealed BEFORE UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_is_sealed();
"""
UNSEAL = """
DROP TRIGGER billing_invoiceline_sealed ON billing_invoiceline;
DROP TRIGGER billing_invoice_sealed ON billing_invoice;
DROP FUNCTION billing_invoice_is_sealed();
"""

CARRY_OVER = """
INSERT INTO billing_payment (shop_id, works_order_id, method, amount, is_deposit, reference,
                             reason, provider_id, taken_at)
SELECT shop_id, id, 'recorded', COALESCE(final_price, agreed_gross), false, '', '', '',
       collected_at
FROM tickets_worksorder
WHERE status = 'collected' AND paid_at_counter AND COALESCE(final_price, agreed_gross) > 0;

INSERT INTO billing_paymentexemption (shop_id, works_order_id, kind, note, granted_at)
SELECT shop_id, id, 'recorded', LEFT(payment_exemption, 200), COALESCE(collected_at, now())
FROM tickets_worksorder
WHERE payment_exemption <> '';
"""
CARRY_BACK = """
UPDATE tickets_worksorder w SET paid_at_counter = true
FROM billing_payment p WHERE p.works_order_id = w.id AND p.method = 'recorded';
UPDATE tickets_worksorder w SET payment_exemption = e.note
FROM billing_paymentexemption e WHERE e.works_order_id = w.id AND e.kind = 'recorded';
DELETE FROM billing_payment WHERE method = 'recorded';
DELETE FROM billing_paymentexemption WHERE kind = 'recorded';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
    ]

    operations = [
        SameShopForeignKey("invoice", "works_order"),
        SameShopForeignKey("invoice", "credits"),
        SameShopForeignKey("invoice", "issued_by"),
        SameShopForeignKey("invoiceline", "invoice"),
        SameShopForeignKey("payment", "works_order"),
        SameShopForeignKey("payment", "refund_of"),
        SameShopForeignKey("payment", "taken_by"),
        SameShopForeignKey("paymentexemption", "works_order"),
        SameShopForeignKey("paymentexemption", "granted_by"),
        migrations.RunSQL(SEAL, UNSEAL),
        migrations.RunSQL(CARRY_OVER, CARRY_BACK),
    ]
