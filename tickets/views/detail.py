def works_order_detail(request, number): raise NotImplementedError
def passcode_reveal(request, number): raise NotImplementedError
def photo_add(request, number): raise NotImplementedError
def photo_file(request, number, photo_id): raise NotImplementedError
def consent_record(request, number): raise NotImplementedError
def note_add(request, number): raise NotImplementedError
def works_order_cancel(request, number): raise NotImplementedError
