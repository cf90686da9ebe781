"""The one sanctioned change to sealed evidence: erasing a customer.

Issued invoices and recorded consents are sealed by triggers (billing 0002, tickets 0002). UK
law keeps the invoice (HMRC: VAT records for six years) but not the consumer's name and address
on it, and a consent stays as proof of what was agreed without the signer's name or drawn
signature. So the triggers now let one kind of UPDATE through: in a transaction that has set
`benchdesk.erasing_customer` (transaction-local, set only by privacy.services.customer_erase) to
the id of the customer being erased, a row of that customer's works orders may change its
copied name and address (invoice) or signed name and signature (consent), and nothing else.
Any other column, any DELETE, any other customer's row, and every statement outside such a
transaction is still refused. Invoice lines stay sealed without exception.
"""

from django.db import migrations

ALLOW_ERASURE = """
CREATE OR REPLACE FUNCTION privacy_erasing(works_order_id bigint) RETURNS boolean AS $$
    SELECT COALESCE(current_setting('benchdesk.erasing_customer', true), '') ~ '^[0-9]+$'
       AND EXISTS (SELECT 1 FROM tickets_worksorder w
                   WHERE w.id = works_order_id
                     AND w.customer_id = current_setting('benchdesk.erasing_customer')::bigint);
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION billing_invoice_is_sealed() RETURNS trigger AS $$
BEGIN
    -- Nested: PL/pgSQL resolves every field an expression names, and invoice lines have no
    -- works_order_id (they share this function and stay sealed without exception).
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'billing_invoice' THEN
        IF (to_jsonb(NEW) - 'customer_name' - 'customer_address')
               = (to_jsonb(OLD) - 'customer_name' - 'customer_address')
           AND privacy_erasing((to_jsonb(OLD) ->> 'works_order_id')::bigint) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'an issued invoice or credit note cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION tickets_consent_is_sealed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - 'signed_name' - 'signature_png')
           = (to_jsonb(OLD) - 'signed_name' - 'signature_png')
       AND privacy_erasing(OLD.works_order_id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'a recorded consent cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
"""

SEALED_AGAIN = """
CREATE OR REPLACE FUNCTION billing_invoice_is_sealed() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'an issued invoice or credit note cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION tickets_consent_is_sealed() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a recorded consent cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;

DROP FUNCTION privacy_erasing(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("billing", "0004_documents_and_till"),
        ("tickets", "0021_warranty_returns"),
    ]

    operations = [migrations.RunSQL(ALLOW_ERASURE, SEALED_AGAIN)]
