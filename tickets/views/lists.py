# Being written by a helper: works_order_list, search.
def works_order_list(request): raise NotImplementedError
def search(request): raise NotImplementedError
