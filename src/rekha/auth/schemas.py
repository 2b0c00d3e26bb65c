"""Request and response bodies of /api/v1/auth."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, HttpUrl, field_validator


def normalise_email(value: str) -> str:
    # Addresses are compared case-insensitively: "Asha@Example.com" is "asha@example.com".
    return value.strip().lower()


class RegisterIn(BaseModel):
    email: EmailStr
    # Length rules (8 characters .. 72 bytes) are checked by the service for specific codes.
    password: str = Field(max_length=1024)
    name: str | None = Field(default=None, max_length=200)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalise_email(value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None


class LoginIn(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=1024)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalise_email(value)


class ProfileIn(BaseModel):
    """Only the fields present are changed; send null to clear one."""

    name: str | None = Field(default=None, max_length=200)
    picture: HttpUrl | None = Field(default=None, max_length=2000)
    dominant_hand: Literal["left", "right"] | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None


class DeleteAccountIn(BaseModel):
    password: str = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    name: str | None
    picture: str | None
    dominant_hand: str | None
    created_at: datetime


class CsrfTokenOut(BaseModel):
    csrf_token: str


class ExportImage(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    hand: str
    mime: str
    bytes: int
    width: int
    height: int
    sha256: str
    created_at: datetime


class ExportAnalysis(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    status: str
    stage: str
    focus: str
    dominant_hand: str | None
    provider: str | None
    summary: dict[str, Any] | None
    report: dict[str, Any] | None
    error_code: str | None
    error_message: str | None
    created_at: datetime
    updated_at: datetime
    images: list[ExportImage]


class ExportMessage(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    role: str
    content: str
    status: str
    created_at: datetime


class ExportConversation(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    analysis_id: str
    title: str
    template_id: str | None
    created_at: datetime
    updated_at: datetime
    messages: list[ExportMessage]


class ExportOut(BaseModel):
    format: Literal["rekha-export/1"] = "rekha-export/1"
    exported_at: datetime
    profile: UserOut
    analyses: list[ExportAnalysis]
    conversations: list[ExportConversation]
