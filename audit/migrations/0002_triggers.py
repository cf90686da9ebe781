"""The audit triggers on every tracked table, and the seal on the trail itself.

One function, `audit_record_change()`, writes `audit_change` rows for all of them; each trigger
says with its arguments which kind of change it records and which columns:

    kind, 'only' | 'except', 'col,col,…'

An update that changes none of the recorded columns writes nothing. `id` and `shop_id` are
never copied (the row names them already). The customer's name, address and signature are left
out on purpose (consents, invoices): the trail then holds no customer's personal data, so
erasing a customer never has to touch it.

Who and where come from the session settings `benchdesk.audit_member`, `benchdesk.audit_actor`
and `benchdesk.audit_source` (set by audit.context); unset, the change is the system's.
"""

from django.db import migrations

RECORD = r"""
CREATE FUNCTION audit_record_change() RETURNS trigger AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    row_now jsonb := COALESCE(new_row, old_row);
    columns text[] := string_to_array(TG_ARGV[2], ',');
    before jsonb := '{}';
    after jsonb := '{}';
    key text;
BEGIN
    FOR key IN SELECT jsonb_object_keys(row_now) LOOP
        CONTINUE WHEN key IN ('id', 'shop_id');
        CONTINUE WHEN TG_ARGV[1] = 'only' AND NOT key = ANY(columns);
        CONTINUE WHEN TG_ARGV[1] = 'except' AND key = ANY(columns);
        IF TG_OP = 'UPDATE' THEN
            CONTINUE WHEN old_row -> key IS NOT DISTINCT FROM new_row -> key;
            before := before || jsonb_build_object(key, old_row -> key);
            after := after || jsonb_build_object(key, new_row -> key);
        ELSIF TG_OP = 'INSERT' THEN
            after := after || jsonb_build_object(key, new_row -> key);
        ELSE
            before := before || jsonb_build_object(key, old_row -> key);
        END IF;
    END LOOP;
    IF TG_OP = 'UPDATE' AND after = '{}' THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_change (shop_id, at, kind, table_name, object_id, works_order_id, action,
                              before, after, actor_member_id, actor, source)
    VALUES (
        CASE WHEN TG_TABLE_NAME = 'shops_shop' THEN (row_now ->> 'id')::bigint
             ELSE (row_now ->> 'shop_id')::bigint END,
        now(),
        TG_ARGV[0],
        TG_TABLE_NAME,
        (row_now ->> 'id')::bigint,
        CASE WHEN TG_TABLE_NAME = 'tickets_worksorder' THEN (row_now ->> 'id')::bigint
             ELSE (row_now ->> 'works_order_id')::bigint END,
        lower(TG_OP),
        before,
        after,
        NULLIF(current_setting('benchdesk.audit_member', true), '')::bigint,
        COALESCE(NULLIF(current_setting('benchdesk.audit_actor', true), ''), 'system'),
        COALESCE(current_setting('benchdesk.audit_source', true), '')
    );
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

SEAL = """
CREATE FUNCTION audit_change_is_sealed() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'an audit entry cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_change_sealed BEFORE UPDATE OR DELETE ON audit_change
    FOR EACH ROW EXECUTE FUNCTION audit_change_is_sealed();
"""
UNSEAL = """
DROP TRIGGER audit_change_sealed ON audit_change;
DROP FUNCTION audit_change_is_sealed();
"""

ALL = "INSERT OR UPDATE OR DELETE"

# (trigger name, table, events, WHEN condition or "", kind, mode, columns)
TRACKED = [
    # Prices: the pricebook, the quote and its extra work, the final price.
    ("audit_priceoption", "pricebook_priceoption", ALL, "", "prices", "except", ""),
    ("audit_pricebookentry", "pricebook_pricebookentry", ALL, "", "prices", "except", "updated_at"),
    ("audit_optionpart", "pricebook_optionpart", ALL, "", "prices", "except", ""),
    ("audit_quoteline", "tickets_quoteline", ALL, "", "prices", "except", ""),
    (
        "audit_worksorder_price",
        "tickets_worksorder",
        "UPDATE",
        "OLD.final_price IS DISTINCT FROM NEW.final_price",
        "prices",
        "only",
        "final_price",
    ),
    # Shop settings.
    ("audit_shop", "shops_shop", "UPDATE", "", "settings", "except", "wording_version"),
    ("audit_branch", "shops_branch", ALL, "", "settings", "except", ""),
    ("audit_openinghours", "shops_openinghours", ALL, "", "settings", "except", ""),
    ("audit_closeddate", "shops_closeddate", ALL, "", "settings", "except", ""),
    ("audit_slatarget", "tickets_slatarget", ALL, "", "settings", "except", ""),
    ("audit_termsversion", "shops_termsversion", ALL, "", "settings", "except", ""),
    # Roles and staff.
    ("audit_membership", "shops_membership", ALL, "", "staff", "except", ""),
    ("audit_membershipbranch", "shops_membershipbranch", ALL, "", "staff", "except", ""),
    ("audit_invitation", "shops_invitation", ALL, "", "staff", "except", "token_hash"),
    # Stock: adjustments to the ledger (sealed: only ever inserted) and reorder rules. A stock
    # level is created bare by whoever first moves the part; only a rule set on it counts.
    (
        "audit_stockmovement",
        "parts_stockmovement",
        "INSERT",
        "NEW.kind = 'adjusted'",
        "stock",
        "except",
        "on_hand_delta,reserved_delta",
    ),
    (
        "audit_stocklevel_new",
        "parts_stocklevel",
        "INSERT",
        "NEW.reorder_point <> 0 OR NEW.reorder_quantity <> 0",
        "stock",
        "except",
        "",
    ),
    ("audit_stocklevel", "parts_stocklevel", "UPDATE OR DELETE", "", "stock", "except", ""),
    # Approvals: the customer's consent to the quote, answers to extra work, QC sign-off.
    (
        "audit_consent",
        "tickets_consent",
        "INSERT",
        "",
        "approvals",
        "except",
        "signed_name,signature_png",
    ),
    ("audit_approval", "tickets_approval", ALL, "", "approvals", "except", "reply_code,evidence"),
    (
        "audit_worksorder_qc",
        "tickets_worksorder",
        "UPDATE",
        "OLD.qc_signed_by_id IS DISTINCT FROM NEW.qc_signed_by_id "
        "OR OLD.qc_failures IS DISTINCT FROM NEW.qc_failures",
        "approvals",
        "only",
        "qc_signed_by_id,qc_results,qc_failures",
    ),
    # Invoices (sealed: only ever inserted), payments and exemptions.
    (
        "audit_invoice",
        "billing_invoice",
        "INSERT",
        "",
        "invoices",
        "except",
        "supplier_name,supplier_address,supplier_vat_number,customer_name,customer_address",
    ),
    ("audit_payment", "billing_payment", ALL, "", "invoices", "except", ""),
    ("audit_paymentexemption", "billing_paymentexemption", ALL, "", "invoices", "except", ""),
]


def create_trigger(name, table, events, when, kind, mode, columns) -> str:
    condition = f"WHEN ({when})" if when else ""
    return (
        f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW {condition} "
        f"EXECUTE FUNCTION audit_record_change('{kind}', '{mode}', '{columns}');"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_change"),
        ("shops", "0012_reply_emails"),
        ("tickets", "0021_warranty_returns"),
        ("parts", "0005_works_order_part_repair"),
        ("pricebook", "0003_starter_repair_types"),
        ("billing", "0004_documents_and_till"),
    ]

    operations = [
        migrations.RunSQL(RECORD, "DROP FUNCTION audit_record_change();"),
        migrations.RunSQL(SEAL, UNSEAL),
        *(
            migrations.RunSQL(create_trigger(*spec), f"DROP TRIGGER {spec[0]} ON {spec[1]};")
            for spec in TRACKED
        ),
    ]
