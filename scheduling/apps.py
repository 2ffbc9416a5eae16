from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Appointments"

    def ready(self):
        from leave.hooks import before_approve, request_clashes
        from scheduling.services.leave import appointments_clashing_requests, check_appointments_before_leave

        # Leave cannot import scheduling: approving leave asks, through leave's hook, whether the
        # staff member has appointments then (409 listing them, or reassign/cancel on request).
        before_approve.register(check_appointments_before_leave)
        # The leave console and preview show those appointments before anyone approves.
        request_clashes.register(appointments_clashing_requests)
