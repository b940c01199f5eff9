"""The patient-view hook from request to cards: prefetch (or FHIR queries) -> case -> engine -> cards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import uuid4

from nelm.cdshooks.answer_cache import AnswerCache
from nelm.cdshooks.cards import build_cards
from nelm.cdshooks.fhir_client import FhirFetcher, FhirUnavailable
from nelm.cdshooks.models import HookRequest
from nelm.cdshooks.prefetch import REQUIRED, BadPrefetch, as_bundle, query_for, split_prefetch
from nelm.interop.fhir_import import BadBundle, import_bundle
from nelm.knowledge.protocol import Protocol
from nelm.services.assessment import assess_checked

HOOK = "patient-view"


@lru_cache(maxsize=16)
def _protocol_key(protocol: Protocol) -> str:
    return protocol.model_dump_json()


class HookError(Exception):
    """A request the service cannot answer with cards; `status` is the HTTP status to send."""

    def __init__(self, status: int, error: str, message: str, problems: list[str] | None = None):
        self.status, self.error, self.message, self.problems = status, error, message, problems or []
        super().__init__(message)


async def patient_view(request: HookRequest, *, fetcher: FhirFetcher, protocol: Protocol, base_url: str, today: date,
                       cache: AnswerCache | None = None, new_id: Callable[[], str] = lambda: str(uuid4()),
                       server_allowed: Callable[[str], bool] = lambda url: True) -> list[dict[str, Any]]:
    if request.hook != HOOK:
        raise HookError(400, "wrong_hook", f"this service answers the {HOOK} hook, not {request.hook!r}")
    patient_id = request.context.patientId
    try:
        values, missing = split_prefetch(request.prefetch)
    except BadPrefetch as bad:
        raise HookError(400, "bad_prefetch", "the prefetch data are not FHIR resources", bad.problems) from None
    lacking = [name for name in missing if name in REQUIRED]
    fetch = bool(missing) and request.fhirServer is not None
    if lacking and not fetch:
        raise HookError(412, "precondition_failed", f"prefetch lacks {', '.join(lacking)} and the request names no fhirServer to fetch them from")
    key = None
    if cache is not None and not fetch:  # the answer depends on the request alone: cacheable
        key = AnswerCache.key(values, HOOK, patient_id, today.isoformat(), base_url, _protocol_key(protocol))
        cached = cache.get(key) if key else None
        if cached is not None:
            return [{**card, "uuid": new_id()} for card in cached]  # each card shown is a new card (feedback)
    if fetch:
        if not server_allowed(str(request.fhirServer)):
            raise HookError(412, "precondition_failed", f"fhirServer {request.fhirServer} is not on this service's allowlist (NELM_FHIR_SERVER_ALLOWLIST)")
        token = request.fhirAuthorization.access_token if request.fhirAuthorization else None
        queries = {name: query_for(name, patient_id) for name in missing}
        try:
            values.update(await fetcher.fetch(str(request.fhirServer), token, queries, required=REQUIRED))
        except FhirUnavailable as exc:
            raise HookError(412, "precondition_failed", str(exc)) from None
    try:
        result = import_bundle(as_bundle(values), as_of=today, as_of_source="the date of the hook call", patient_id=patient_id)
    except (BadBundle, BadPrefetch) as bad:
        raise HookError(400, "bad_prefetch", "the patient's FHIR data could not be read", bad.problems) from None
    if not (result.report.neuroendocrine_neoplasm or result.report.liver_metastases):
        cards: list[dict[str, Any]] = []  # no neuroendocrine neoplasm in this chart: nelm has nothing to say
    else:
        assessment = assess_checked(result.check, protocol, robustness=False, evidence=False)
        cards = build_cards(assessment, result.report, patient_id=patient_id, base_url=base_url, new_id=new_id)
    if key is not None and cache is not None:
        cache.put(key, cards)
    return cards
