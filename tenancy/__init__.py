"""Database-enforced tenancy: row-level security (rls.py) and its two paths (context.py)."""

from tenancy.context import all_shops, for_shop, set_shop

__all__ = ["all_shops", "for_shop", "set_shop"]
