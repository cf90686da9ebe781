def device_lookup(request): raise NotImplementedError
