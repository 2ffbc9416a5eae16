"""The stack a user would pick instead: FastAPI + SQLAlchemy 2 ORM (async, psycopg 3) + pydantic v2
under uvicorn, answering the week listing the way a hand-written service would.

    DATABASE_URL=postgres://... JWT_SECRET_KEY=... uvicorn --app-dir bench/peers fastapi_peer:app

It maps the project's own tables read-only and does what the project's listing does for a USER:
HS256 access-token decode (type, expiry, token version), the user's row with the active check,
the week's entries overlapping [from, to) newest first with a count, and the same JSON fields in
the same `{"count", "next", "previous", "results"}` page. Nothing here is tuned beyond what the
libraries' own documentation shows.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from pydantic import BaseModel
from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Uuid, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, aliased, mapped_column

DATABASE_URL = os.environ["DATABASE_URL"].replace("postgres://", "postgresql+psycopg://", 1)
SECRET = os.environ["JWT_SECRET_KEY"]
MAX_PAGE_SIZE = 200

# Four connections a worker: the service is CPU-bound long before that, and 4 servers x 4 workers
# share the database server's 100 connections with everything else on the machine.
engine = create_async_engine(DATABASE_URL, pool_size=4, max_overflow=0)
Sessions = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "accounts_user"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid)
    email: Mapped[str] = mapped_column(String)
    role: Mapped[str] = mapped_column(String)
    is_active: Mapped[bool] = mapped_column(Boolean)
    token_version: Mapped[int] = mapped_column(Integer)


class Project(Base):
    __tablename__ = "tracking_project"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid)
    code: Mapped[str] = mapped_column(String)


class Task(Base):
    __tablename__ = "tracking_task"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid)


class WorkSession(Base):
    __tablename__ = "tracking_session"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid)


class TimeEntry(Base):
    __tablename__ = "tracking_timeentry"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("accounts_user.id"))
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("tracking_project.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tracking_task.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("tracking_session.id"))
    activity: Mapped[str] = mapped_column(String)
    notes: Mapped[str] = mapped_column(String)
    billable: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TimeEntryOut(BaseModel):
    id: uuid.UUID
    user: uuid.UUID
    start_utc: datetime
    end_utc: datetime | None
    duration: int
    running: bool
    project: uuid.UUID | None
    project_code: str | None
    task: uuid.UUID | None
    activity: str
    notes: str
    billable: bool
    session: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class Page(BaseModel):
    count: int
    next: str | None
    previous: str | None
    results: list[TimeEntryOut]


app = FastAPI()


async def db():
    async with Sessions() as session:
        yield session


Db = Annotated[AsyncSession, Depends(db)]


async def current_user(session: Db, authorization: Annotated[str, Header()] = "") -> User:
    scheme, _, token = authorization.partition(" ")
    if scheme != "Bearer" or not token:
        raise HTTPException(401, "Authentication credentials were not provided.")
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["exp", "jti"]})
    except jwt.PyJWTError as exc:
        raise HTTPException(401, "Access token is not valid.") from exc
    if claims.get("token_type") != "access":
        raise HTTPException(401, "Access token is not valid.")
    user = (await session.execute(select(User).where(User.uuid == uuid.UUID(claims["sub"])))).scalar_one_or_none()
    if user is None or not user.is_active or user.token_version != claims.get("ver"):
        raise HTTPException(401, "User not found, inactive or token revoked.")
    return user


def page_url(request: Request, page: int | None) -> str | None:
    if page is None:
        return None
    return str(request.url.include_query_params(page=page))


@app.get("/api/v1/time-entries/", response_model=Page)
async def time_entries(
    request: Request,
    start: Annotated[datetime, Query(alias="from")],
    end: Annotated[datetime, Query(alias="to")],
    user: Annotated[User, Depends(current_user)],
    session: Db,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
):
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise HTTPException(400, "from/to must carry an offset and to must be after from.")
    where = (TimeEntry.user_id == user.id, TimeEntry.start < end, or_(TimeEntry.end.is_(None), TimeEntry.end > start))
    count = (await session.execute(select(func.count()).select_from(TimeEntry).where(*where))).scalar_one()
    owner, project, task, work = aliased(User), aliased(Project), aliased(Task), aliased(WorkSession)
    rows = await session.execute(
        select(TimeEntry, owner.uuid, project.uuid, project.code, task.uuid, work.uuid)
        .join(owner, owner.id == TimeEntry.user_id)
        .outerjoin(project, project.id == TimeEntry.project_id)
        .outerjoin(task, task.id == TimeEntry.task_id)
        .outerjoin(work, work.id == TimeEntry.session_id)
        .where(*where)
        .order_by(TimeEntry.start.desc(), TimeEntry.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    now = datetime.now(UTC)
    results = [
        TimeEntryOut(
            id=entry.uuid,
            user=user_uuid,
            start_utc=entry.start,
            end_utc=entry.end,
            duration=max(0, int(((entry.end or now) - entry.start).total_seconds())),
            running=entry.end is None,
            project=project_uuid,
            project_code=project_code,
            task=task_uuid,
            activity=entry.activity,
            notes=entry.notes,
            billable=entry.billable,
            session=session_uuid,
            created_at=entry.created_at,
            updated_at=entry.updated_at,
        )
        for entry, user_uuid, project_uuid, project_code, task_uuid, session_uuid in rows
    ]
    pages = max(1, -(-count // page_size))
    return Page(
        count=count,
        next=page_url(request, page + 1 if page < pages else None),
        previous=page_url(request, page - 1 if page > 1 else None),
        results=results,
    )
