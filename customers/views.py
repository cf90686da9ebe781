def customer_list(request): raise NotImplementedError
def customer_lookup(request): raise NotImplementedError
def customer_detail(request, customer_id): raise NotImplementedError
def customer_edit(request, customer_id): raise NotImplementedError
