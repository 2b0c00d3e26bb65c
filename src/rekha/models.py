"""Every ORM model, imported in one place so Alembic and the worker see the whole schema."""

from rekha.analyses.models import Analysis, AnalysisImage, AnalysisStatus
from rekha.auth.models import User
from rekha.conversations.models import Conversation, Message
from rekha.core.db import Base

__all__ = ["Analysis", "AnalysisImage", "AnalysisStatus", "Base", "Conversation", "Message", "User"]
