from django.shortcuts import get_object_or_404

from customers.models import Customer
from shops.access import ShopRequest


def get_customer(request: ShopRequest, customer_id: int) -> Customer:
    return get_object_or_404(Customer.objects.for_shop(request.shop), pk=customer_id)
