"""Full-text search over entries on PostgreSQL.

The document is `to_tsvector('simple', activity || ' ' || notes)`, written here exactly as
tracking's migration 0004 indexes it (GIN), so the planner uses the index. The `simple`
configuration neither stems nor drops stop words: activities and notes are in any language.
Each word of the search matches as a prefix, and all of them must match.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db.models import Func

# Must stay identical to the expression of tracking_entry_search_idx.
DOCUMENT_SQL = (
    "to_tsvector('simple'::regconfig, ((%(table)s.\"activity\")::text || ' '::text || (%(table)s.\"notes\")::text))"
)


class EntryDocument(Func):
    output_field = SearchVectorField()
    arity = 0

    def as_sql(self, compiler, connection, **extra):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return DOCUMENT_SQL % {"table": table}, []


def prefix_query(words: list[str]) -> SearchQuery:
    """`w1:* & w2:*`. Words are \\w+ runs, so they carry no tsquery operators."""
    return SearchQuery(" & ".join(f"{word.lower()}:*" for word in words), search_type="raw", config="simple")
