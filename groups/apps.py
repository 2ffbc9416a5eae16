from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Groups"

    def ready(self):
        from groups.selectors import group_member_sessions_q
        from groups.services.sessions import (
            archived_group_fact,
            group_session_create_by_id,
            refuse_archived_group_session,
        )
        from tracking.hooks import group_session_create, session_visibility, session_write_facts, session_write_guard

        # Tracking knows nothing of groups: members see their groups' sessions, and an archived
        # group's sessions refuse writes, through the hooks tracking offers.
        session_visibility.register(group_member_sessions_q)
        session_write_guard.register(refuse_archived_group_session)
        # The guard's question rides along with the session row tracking locks for the write.
        session_write_facts.register(archived_group_fact)
        # `POST /sessions/` with `group` creates the session through groups, with groups' checks.
        group_session_create.register(group_session_create_by_id)
