"""The Django admin is for the installation's superusers, across all shops."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat

from shops.models import Branch, Invitation, Membership, PhotoStorage, Shop, User


def superusers_only(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = superusers_only


class AllShopsAdmin(admin.ModelAdmin):
    """Tenant rows are fail-closed; the superuser admin asks for every shop on purpose."""

    def get_queryset(self, request: HttpRequest):
        return self.model.objects.all_shops().select_related("shop")


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "currency", "numbering", "created_at"]
    search_fields = ["name", "slug"]
    readonly_fields = ["photo_storage_used"]

    @admin.display(description="photo storage used")
    def photo_storage_used(self, shop: Shop) -> str:
        storage = PhotoStorage.objects.filter(shop_id=shop.pk).first()
        if storage is None:
            return "nothing yet"
        return f"{filesizeformat(storage.used_bytes)} in {storage.photo_count:,} photos"


@admin.register(Branch)
class BranchAdmin(AllShopsAdmin):
    list_display = ["code", "name", "shop", "is_active"]
    list_filter = ["shop"]


@admin.register(Membership)
class MembershipAdmin(AllShopsAdmin):
    list_display = ["user", "shop", "role", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["user", "shop"]
    exclude = ["branches"]


@admin.register(Invitation)
class InvitationAdmin(AllShopsAdmin):
    list_display = ["email", "shop", "role", "created_at", "accepted_at", "revoked_at"]
    exclude = ["token_hash"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_superuser"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})
    ]
    filter_horizontal = []
    list_filter = ["is_active", "is_superuser"]
