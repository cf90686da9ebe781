"""Row-level security: the database itself keeps each shop's rows apart.

Every table with a `shop_id` column (and `shops_shop`, keyed on `id`) has row-level security
ENABLEd and FORCEd with one policy, `shop_isolation`: a row is visible and writable only when its
shop is the transaction's `benchdesk.shop` setting. Unset or empty (a setting once set in a
session reads '' after its transaction), no row matches: a query that forgot its shop sees nothing.

Two tables are read before a shop is chosen, at sign-in and for the shop menu: a user's own
memberships (`benchdesk.user`) and the shops they belong to. They get a second, read-only policy,
`own_rows`; writing still needs the shop.

Roles (cluster-wide; created by tenancy 0001 when missing):

- `benchdesk_app`: what the app connects as. LOGIN, NOSUPERUSER, NOBYPASSRLS, owns nothing;
  reads and writes every table and sequence (and every later one, by default privileges).
- `benchdesk_all_shops`: NOLOGIN, BYPASSRLS, granted to benchdesk_app, so that
  `SET LOCAL ROLE benchdesk_all_shops` inside one transaction is the named cross-shop path
  (sweeps, the data generator, superusers' reports). Role attributes are never inherited, so
  benchdesk_app gets the bypass only by switching, for that one transaction.

A migration adding a tenant table protects it with one call (idempotent):

    from tenancy.rls import protect
    operations = [..., protect("app_newtable")]
"""

from django.db import migrations

APP_ROLE = "benchdesk_app"
ALL_SHOPS_ROLE = "benchdesk_all_shops"

SHOP_SETTING = "benchdesk.shop"
USER_SETTING = "benchdesk.user"

# In a scalar subquery, the setting is read once per statement (an InitPlan) rather than once per
# row a filter looks at: on the board's 300 cards and their timelines, half its SQL time.
CURRENT_SHOP = "(SELECT NULLIF(current_setting('benchdesk.shop', true), '')::bigint)"
CURRENT_USER = "(SELECT NULLIF(current_setting('benchdesk.user', true), '')::bigint)"

# Tables read before the shop is known, and what of them may be read then (SELECT only).
OWN_ROWS = {
    "shops_membership": f"user_id = {CURRENT_USER}",
    "shops_shop": (
        f"id IN (SELECT m.shop_id FROM shops_membership m WHERE m.user_id = {CURRENT_USER})"
    ),
}

PROTECT_FUNCTION = """
CREATE OR REPLACE FUNCTION tenancy_protect(tbl regclass, shop_column text DEFAULT 'shop_id',
                                           own_rows text DEFAULT NULL) RETURNS void AS $$
DECLARE
    current_shop text := $q$(SELECT NULLIF(current_setting('benchdesk.shop', true), '')::bigint)$q$;
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('DROP POLICY IF EXISTS shop_isolation ON %s', tbl);
    EXECUTE format('CREATE POLICY shop_isolation ON %s USING (%I = %s) WITH CHECK (%I = %s)',
                   tbl, shop_column, current_shop, shop_column, current_shop);
    EXECUTE format('DROP POLICY IF EXISTS own_rows ON %s', tbl);
    IF own_rows IS NOT NULL THEN
        EXECUTE format('CREATE POLICY own_rows ON %s FOR SELECT USING (%s)', tbl, own_rows);
    END IF;
END;
$$ LANGUAGE plpgsql;
"""

# Every table of the public schema with a shop_id column, as the catalogue has them now.
PROTECT_ALL = """
SELECT tenancy_protect(c.oid::regclass)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'shop_id' AND NOT a.attisdropped
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p');
"""

UNPROTECT_ALL = """
DO $$
DECLARE t regclass;
BEGIN
    FOR t IN SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relrowsecurity LOOP
        EXECUTE format('DROP POLICY IF EXISTS shop_isolation ON %s', t);
        EXECUTE format('DROP POLICY IF EXISTS own_rows ON %s', t);
        EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END $$;
DROP FUNCTION tenancy_protect(regclass, text, text);
"""

# Roles are cluster-wide: a second database (the tests') finds them made and only grants.
ROLES = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ALL_SHOPS_ROLE}') THEN
        CREATE ROLE {ALL_SHOPS_ROLE} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS;
    END IF;
END $$;
GRANT {ALL_SHOPS_ROLE} TO {APP_ROLE};
"""

GRANTS = f"""
DO $$
BEGIN
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO {APP_ROLE}', current_database());
END $$;
GRANT USAGE ON SCHEMA public TO {APP_ROLE}, {ALL_SHOPS_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}, {ALL_SHOPS_ROLE};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}, {ALL_SHOPS_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}, {ALL_SHOPS_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}, {ALL_SHOPS_ROLE};
"""

REVOKES = f"""
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}, {ALL_SHOPS_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    REVOKE USAGE, SELECT ON SEQUENCES FROM {APP_ROLE}, {ALL_SHOPS_ROLE};
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}, {ALL_SHOPS_ROLE};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}, {ALL_SHOPS_ROLE};
REVOKE ALL ON SCHEMA public FROM {APP_ROLE}, {ALL_SHOPS_ROLE};
DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM {APP_ROLE}', current_database());
END $$;
"""


def _quote(sql: str) -> str:
    return "'" + sql.replace("'", "''") + "'"


def protect(table: str, *, shop_column: str = "shop_id") -> migrations.RunSQL:
    """The migration operation that puts `table` under the shop policy (idempotent)."""
    own_rows = OWN_ROWS.get(table)
    extra = f", own_rows => {_quote(own_rows)}" if own_rows else ""
    return migrations.RunSQL(
        f"SELECT tenancy_protect({_quote(table)}, shop_column => {_quote(shop_column)}{extra})",
        reverse_sql=(
            f"DROP POLICY IF EXISTS shop_isolation ON {table};"
            f"DROP POLICY IF EXISTS own_rows ON {table};"
            f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;"
            f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"
        ),
    )


def _leakproof_sql(functions: list[str], leakproof: bool, slower: str) -> str:
    setting = "LEAKPROOF" if leakproof else "NOT LEAKPROOF"
    statements = "\n".join(f"        ALTER FUNCTION {f} {setting};" for f in functions)
    return f"""
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
{statements}
    ELSE
        RAISE NOTICE 'not a superuser: {slower}';
    END IF;
END $$;
"""


def mark_leakproof(functions: list[str], *, slower: str) -> migrations.RunSQL:
    """The migration operation that marks `functions` LEAKPROOF, so that conditions using them
    can be index conditions beneath the shop policy. Only a superuser may; for an owner that is
    not one, a notice names what is then `slower` and the functions are left as they are."""
    return migrations.RunSQL(
        _leakproof_sql(functions, True, slower),
        reverse_sql=_leakproof_sql(functions, False, slower),
    )
