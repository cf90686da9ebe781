def intake(request): raise NotImplementedError
