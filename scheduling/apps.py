from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Appointments"

    def ready(self):
        from leave.hooks import before_approve
        from scheduling.services.leave import check_appointments_before_leave

        # Leave cannot import scheduling: approving leave asks, through leave's hook, whether the
        # staff member has appointments then (409 listing them, or reassign/cancel on request).
        before_approve.register(check_appointments_before_leave)
