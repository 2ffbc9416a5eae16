from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Groups"

    def ready(self):
        from groups.selectors import group_member_sessions_q
        from groups.services.sessions import refuse_archived_group_session
        from tracking.selectors import register_session_visibility
        from tracking.services.session_state import register_session_write_guard

        # Tracking knows nothing of groups: members see their groups' sessions, and an archived
        # group's sessions refuse writes, through the hooks tracking offers.
        register_session_visibility(group_member_sessions_q)
        register_session_write_guard(refuse_archived_group_session)
