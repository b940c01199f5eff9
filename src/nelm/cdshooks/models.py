"""CDS Hooks 2.0 request and response bodies (https://cds-hooks.hl7.org/2.0/)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator

FHIR_ID = r"^[A-Za-z0-9\-.]{1,64}$"


class _Open(BaseModel):
    # Clients may add extension fields; the spec tells services to ignore what they do not understand.
    model_config = ConfigDict(extra="allow")


class FhirAuthorization(_Open):
    access_token: str = Field(min_length=1)
    token_type: str = Field(description="Fixed value: Bearer")
    expires_in: int | None = None
    scope: str | None = None
    subject: str | None = None

    @field_validator("token_type")
    @classmethod
    def _bearer(cls, value: str) -> str:
        if value.lower() != "bearer":
            raise ValueError("must be 'Bearer'")
        return value


class PatientViewContext(_Open):
    userId: str = Field(min_length=1, description="Practitioner/123, PractitionerRole/123, Patient/123 or RelatedPerson/123")
    patientId: str = Field(pattern=FHIR_ID, description="FHIR id of the patient whose chart is open")
    encounterId: str | None = None


class HookRequest(_Open):
    hook: str = Field(min_length=1)
    hookInstance: str = Field(min_length=1, max_length=200)
    fhirServer: AnyHttpUrl | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: PatientViewContext
    prefetch: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _server_for_token(self) -> HookRequest:
        if self.fhirAuthorization is not None and self.fhirServer is None:
            raise ValueError("fhirAuthorization is given but fhirServer is missing (cds-r-1)")
        return self


class Coding(_Open):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class AcceptedSuggestion(_Open):
    id: str = Field(min_length=1)


class OverrideReason(_Open):
    reason: Coding | None = None
    userComment: str | None = Field(default=None, max_length=10_000)


class FeedbackItem(_Open):
    card: str = Field(min_length=1, max_length=200)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] | None = None
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: datetime

    @model_validator(mode="after")
    def _accepted_names_suggestions(self) -> FeedbackItem:
        if self.outcome == "accepted" and not self.acceptedSuggestions:
            raise ValueError("acceptedSuggestions is required when the outcome is accepted")
        return self


class FeedbackRequest(_Open):
    feedback: list[FeedbackItem] = Field(min_length=1, max_length=1000)


# --- responses (documented in the OpenAPI spec) -------------------------------------------------------

class Source(BaseModel):
    label: str
    url: str | None = None
    topic: Coding | None = None


class Link(BaseModel):
    label: str
    url: str
    type: Literal["absolute", "smart"]
    appContext: str | None = None


class Card(BaseModel):
    uuid: str | None = None
    summary: str = Field(max_length=139)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    links: list[Link] | None = None


class CardsResponse(BaseModel):
    cards: list[Card]


class ServiceDescription(BaseModel):
    hook: str
    title: str | None = None
    description: str
    id: str
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None


class DiscoveryResponse(BaseModel):
    services: list[ServiceDescription]


class FeedbackResponse(BaseModel):
    stored: int


class ErrorBody(BaseModel):
    error: str
    message: str
    problems: list[str] = Field(default_factory=list)
