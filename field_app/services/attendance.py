"""Check-in and check-out (签到/签退): verify, store every attempt as evidence, open and close visits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from field_app.api.schemas import AttemptIn, CheckInIn, CheckOutIn
from field_app.errors import ApiError
from field_app.extensions import db
from field_app.models import Caregiver, Selfie, Visit, VisitAttempt
from field_app.models.visit import CHECK_IN, CHECK_OUT, CLOSED
from field_app.rules.facts import FACE_MATCHED
from field_app.services import audit, presence, visit_state
from field_app.services.checks import FaceOutcome, PlacedFix, check_face, client_fence, place_fix
from field_app.services.lookup import caregiver_or_404, client_or_404, visit_or_none


@dataclass(frozen=True)
class Verifier:
    """What the checks need besides the request: settings, the engine and the clock."""

    face_settings: Any
    engine: Any
    accuracy_factor: float
    max_attempts: int
    max_minutes: int
    now: datetime
    keep_selfies: bool = False  #: store the photo itself (only when a retention period is configured)
    presence: presence.PresenceSettings | None = None  #: liveness, tag, confirmation (None: not checked)


@dataclass
class AttemptResult:
    status: int  #: HTTP status to answer
    attempt: VisitAttempt
    visit: Visit
    error: ApiError | None = None
    replayed: bool = False


def find_replay(attempt_uuid: str, visit_uuid: str, kind: str, caregiver_id: int) -> AttemptResult | None:
    """A re-sent attempt is answered from what was stored; an id re-used elsewhere, or by another
    caregiver, is a conflict (their stored answer is not theirs to read)."""
    prior = db.session.scalar(select(VisitAttempt).where(VisitAttempt.uuid == attempt_uuid))
    if prior is None:
        return None
    if prior.visit.uuid != visit_uuid or prior.kind != kind or prior.caregiver_id != caregiver_id:
        raise ApiError(
            409, "attempt_id_reused", "This attempt_id was already used for another attempt.", "attempt_id"
        )
    return AttemptResult(prior.response_status, prior, prior.visit, replayed=True)


def _guard_attempts_left(visit: Visit, kind: str, max_attempts: int) -> None:
    if len(visit.attempts_of(kind)) >= max_attempts:
        raise ApiError(
            429,
            "too_many_attempts",
            f"{max_attempts} {kind.replace('_', '-')} attempts were already made for this visit; "
            "it is kept as unverified for review.",
        )


def _guard_open_visit(visit: Visit, caregiver: Caregiver, client_id: int | None = None) -> None:
    if visit.caregiver_id != caregiver.id:  # someone else's visit: as if it did not exist
        raise ApiError(404, "visit_not_found", f"No visit {visit.uuid} of this caregiver.")
    if client_id is not None and visit.client_id != client_id:
        raise ApiError(409, "visit_conflict", "This visit id was already used for another client.")
    if visit.state == CLOSED:
        raise ApiError(409, "visit_not_open", "This visit is already checked out.")


def _store_attempt(
    visit: Visit,
    kind: str,
    body: AttemptIn,
    face: FaceOutcome,
    place: PlacedFix,
    caregiver: Caregiver,
    now: datetime,
) -> VisitAttempt:
    fix = body.fix
    attempt = VisitAttempt(
        uuid=body.attempt_id,
        kind=kind,
        caregiver_id=caregiver.id,
        device_id=body.device_id,
        device_registered=any(d.device_id == body.device_id for d in caregiver.devices),
        lat=fix.lat,
        lng=fix.lng,
        datum=fix.datum,
        lat_wgs84=place.lat_wgs84,
        lng_wgs84=place.lng_wgs84,
        accuracy_m=fix.accuracy_m,
        mock=fix.mock,
        fix_time=fix.time,
        device_time=body.device_time,
        received_at=now,
        face_status=face.status,
        face_distance=face.distance,
        face_threshold=face.threshold,
        face_encoding=face.encoding,
        image_hash=face.image_hash,
        geofence_status=place.fence.status,
        distance_m=round(place.fence.distance_m, 1),
        response_status=422 if face.error else 200,
    )
    visit.attempts.append(attempt)
    return attempt


def _keep_selfie(attempt: VisitAttempt, photo: bytes) -> None:
    """Store the photo for auditors; it is purged after the retention period (selfies.purge_expired)."""
    kind = (
        "image/png"
        if photo.startswith(b"\x89PNG")
        else "image/jpeg"
        if photo.startswith(b"\xff\xd8")
        else "application/octet-stream"
    )
    db.session.add(Selfie(attempt=attempt, content_type=kind, data=photo))


def _run_checks(caregiver: Caregiver, body: AttemptIn, fence, v: Verifier) -> tuple[FaceOutcome, PlacedFix]:
    if not caregiver.enrolments:
        raise ApiError(
            409, "not_enrolled", "This caregiver has no enrolled face yet; enrol before checking in."
        )
    face = check_face(body.selfie, [e.encoding for e in caregiver.enrolments], v.face_settings, v.engine)
    return face, place_fix(body.fix, fence, v.accuracy_factor)


def _presence_check(caregiver, client_id, visit_uuid, kind, body, v: Verifier):
    if v.presence is None:
        return None
    return presence.check(caregiver, client_id, visit_uuid, kind, body, v.now, v.presence)


def _presence_record(checked, visit, attempt, v: Verifier) -> ApiError | None:
    if checked is None:
        return None
    problem = presence.record(checked, visit, attempt, v.now)
    return None if problem is None else ApiError(422, problem.code, problem.message, problem.field)


def _replay_or_count(
    body: AttemptIn, visit_uuid: str, kind: str, before_new: Callable[[], None] | None
) -> AttemptResult | None:
    """The stored answer to a re-sent attempt; for a new attempt None, after ``before_new``."""
    replay = find_replay(body.attempt_id, visit_uuid, kind, body.caregiver_id)
    if replay is None and before_new is not None:
        before_new()
    return replay


def check_in(
    visit_uuid: str, body: CheckInIn, v: Verifier, before_new: Callable[[], None] | None = None
) -> AttemptResult:
    """Record a check-in attempt; the first one opens the visit whatever its outcome. A re-sent attempt
    is answered from storage; ``before_new`` runs only for a new one (the API counts its rate limits)."""
    if replay := _replay_or_count(body, visit_uuid, CHECK_IN, before_new):
        return replay
    caregiver, client = caregiver_or_404(body.caregiver_id), client_or_404(body.client_id)
    if client.agency_id != caregiver.agency_id:  # another agency's client: as if it did not exist
        raise ApiError(
            404, "client_not_found", f"No client {client.id} served by this caregiver's agency.", "client_id"
        )
    visit = visit_or_none(visit_uuid)
    if visit is not None:
        _guard_open_visit(visit, caregiver, client.id)
        if visit.attempts_of(CHECK_IN)[-1].face_status == FACE_MATCHED:
            raise ApiError(
                409, "already_checked_in", "This visit is already checked in with a matching face."
            )
        _guard_attempts_left(visit, CHECK_IN, v.max_attempts)
    face, place = _run_checks(caregiver, body, client_fence(client), v)
    checked = _presence_check(caregiver, client.id, visit_uuid, CHECK_IN, body, v)
    if visit is None:
        visit = Visit(
            uuid=visit_uuid,
            caregiver_id=caregiver.id,
            client_id=client.id,
            agency_id=client.agency_id,
            check_in_at=body.fix.time,
        )
        db.session.add(visit)
    attempt = _store_attempt(visit, CHECK_IN, body, face, place, caregiver, v.now)
    if v.keep_selfies:
        _keep_selfie(attempt, body.selfie)
    problem = _presence_record(checked, visit, attempt, v)  # stored even when the face failed
    error = face.error or problem
    visit_state.refresh(visit, v.max_minutes)
    audit.record(
        f"caregiver:{caregiver.id}",
        "visit.check_in",
        "visit",
        visit_uuid,
        attempt=body.attempt_id,
        face=face.status,
        geofence=place.fence.status,
    )
    return AttemptResult(attempt.response_status, attempt, visit, error)


def check_out(
    visit_uuid: str, body: CheckOutIn, v: Verifier, before_new: Callable[[], None] | None = None
) -> AttemptResult:
    """Record a check-out attempt; it closes the visit unless the face failed and a retry is left.
    Re-sent attempts and ``before_new`` as for check_in."""
    if replay := _replay_or_count(body, visit_uuid, CHECK_OUT, before_new):
        return replay
    visit = visit_or_none(visit_uuid)
    if visit is None:
        raise ApiError(
            409, "not_checked_in", "There is no check-in for this visit, so it cannot be checked out."
        )
    caregiver = caregiver_or_404(body.caregiver_id)
    _guard_open_visit(visit, caregiver)
    _guard_attempts_left(visit, CHECK_OUT, v.max_attempts)
    if body.fix.time < visit.check_in_at:
        raise ApiError(
            422, "check_out_before_check_in", "The check-out fix is earlier than the check-in.", "fix.time"
        )
    face, place = _run_checks(caregiver, body, client_fence(visit.client), v)
    checked = _presence_check(caregiver, visit.client_id, visit_uuid, CHECK_OUT, body, v)
    attempt = _store_attempt(visit, CHECK_OUT, body, face, place, caregiver, v.now)
    if v.keep_selfies:
        _keep_selfie(attempt, body.selfie)
    problem = _presence_record(checked, visit, attempt, v)  # stored even when the face failed
    error = face.error or problem
    retries_left = v.max_attempts - len(visit.attempts_of(CHECK_OUT))
    if (face.matched and error is None) or retries_left == 0:
        visit.state, visit.check_out_at = CLOSED, body.fix.time
        if v.presence is not None:
            presence.after_check_out(visit, checked, v.now, v.presence)
    visit_state.refresh(visit, v.max_minutes)
    audit.record(
        f"caregiver:{caregiver.id}",
        "visit.check_out",
        "visit",
        visit_uuid,
        attempt=body.attempt_id,
        face=face.status,
        geofence=place.fence.status,
        state=visit.state,
    )
    return AttemptResult(attempt.response_status, attempt, visit, error)


def remember_response(result: AttemptResult, body: dict) -> None:
    """Keep the answer on the attempt so a re-send gets exactly the same one."""
    if not result.replayed:
        result.attempt.response_body = body
