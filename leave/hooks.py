"""Hooks leave offers the apps to its right (see config.hooks)."""

from config.hooks import declare

before_approve = declare(
    "leave.before_approve",
    "fn(request, *, reassign_or_cancel: bool, actor) runs inside the approval's transaction, after the "
    "balance check and before the request turns approved (also for types approved when submitted). "
    "It returns None, a warning (a string, or a dict with `message` and optionally `code`), or a list "
    "of them; the approval answers with every warning. It raises config.errors.Conflict to block "
    "the approval. `reassign_or_cancel` is what the approver asked for: scheduling, for instance, "
    "lists clashing appointments as warnings, or reassigns or cancels them when it is true. `actor` "
    "is the approver (the user to name in audit rows and notifications), None when a type without "
    "approval is approved as it is submitted.",
)

request_clashes = declare(
    "leave.request_clashes",
    "fn(requests) reads what clashes, elsewhere in the system, with each of `requests` (pending or "
    "approved leave requests, saved or not: the preview asks about one it has not written; "
    "`request.user` is set). It returns None (nothing to say) or a list as long as `requests` whose "
    'items are lists of dicts: `kind` (e.g. "appointment"), `id` (a public id), `start_utc` and '
    "`end_utc` (aware datetimes) and a short `message` for people. The approval console asks once "
    "per page and shows them on each request, the preview lists them: a fixed number of queries "
    "whatever the number of requests, and no writes. Scheduling lists the requester's appointments.",
)
