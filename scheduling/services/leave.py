def check_appointments_before_leave(request, *, reassign_or_cancel: bool):
    return None
