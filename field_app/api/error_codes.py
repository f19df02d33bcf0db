"""Every error code the API answers, by kind (hence HTTP status), and the codes common to every operation
of a shape (signed in, with a body, with a query). Each documented operation lists its own codes
(``@documented(errors=...)``); the spec lists, per operation and status, the codes it may answer, and a
test checks that every error an operation answers is one it documents."""

from __future__ import annotations

from collections.abc import Iterable

#: a failed liveness burst (answered 422 with the verdict; the challenge is spent)
LIVENESS_VERDICTS = (
    "liveness_action_not_seen",
    "liveness_several_people",
    "liveness_not_caregiver",
    "liveness_duplicate_frames",
    "liveness_frame_unusable",
)
#: presence problems of a stored check-in/out, only inside its 200 answer (challenge_* are also 4xx of a burst)
PRESENCE_IN_ANSWER = (
    "liveness_required",
    "liveness_failed",
    "liveness_burst_missing",
    "challenge_other_visit",
    "tag_replayed",
    "tag_forged",
    "tag_other_client",
    "tag_unknown",
)

#: kind (errors.DomainError.kind) -> the codes of that kind
CODES_BY_KIND: dict[str, tuple[str, ...]] = {
    "bad_request": ("malformed_json", "bad_request"),
    "unauthenticated": (
        "authentication_required",
        "invalid_token",
        "invalid_credentials",
        "refresh_token_reused",
    ),
    "forbidden": (
        "forbidden",
        "not_yourself",
        "device_mismatch",
        "device_not_registered",
        "second_person_required",
        "bureau_decides",
        "agency_decides",
    ),
    "not_found": (
        "not_found",
        "visit_not_found",
        "caregiver_not_found",
        "client_not_found",
        "agency_not_found",
        "alert_not_found",
        "selfie_not_found",
        "spot_check_not_found",
        "spot_check_item_not_found",
        "unknown_registry_kind",
        "challenge_not_found",
        "confirmation_not_found",
        "enrolment_change_not_found",
        "tree_head_not_found",  # evidence log
        "upload_not_found",  # clips
        "clip_not_found",
        "care_plan_not_found",
        "scheme_rate_not_found",
        "phone_not_found",
        "planned_visit_not_found",
        "unknown_import_kind",
    ),
    "conflict": (
        "attempt_id_reused",
        "visit_conflict",
        "visit_not_open",
        "already_checked_in",
        "not_checked_in",
        "not_enrolled",
        "visit_closed",
        "visit_open",
        "feedback_exists",
        "invalid_transition",
        "second_reviewer_required",
        "registry_import_conflict",
        "challenge_used",
        "challenge_expired",
        "tag_exists",
        "confirmation_used",
        "confirmation_expired",
        "enrolment_change_decided",
        "already_enrolled",
        "chunk_offset_gap",  # clips: resumable uploads
        "chunk_differs",
        "upload_closed",
        "upload_incomplete",
        "credit_code_taken",
        "caregiver_code_taken",
        "agency_out_of_scope",
        "scheme_rate_exists",
        "phone_in_use",
        "phone_limit_reached",
        "phone_not_requested",
        "phone_not_active",
        "planned_visit_closed",
        "username_taken",
    ),
    "too_large": (
        "request_too_large",
        "image_too_large",
        "clip_too_large",
        "chunk_too_large",
        "clip_too_long",
    ),
    "unsupported": (
        "json_required",
        "unsupported_media_type",
        "image_unsupported",
        "clip_type_unsupported",
        "clip_unreadable",
        "import_format",
    ),
    "invalid": (
        "invalid_body",
        "missing_field",
        "unknown_field",
        "invalid_field",
        "coordinates_out_of_range",
        "invalid_accuracy",
        "timestamp_in_future",
        "timestamp_too_old",
        "invalid_base64",
        "image_invalid",
        "face_mismatch",  # only inside a stored attempt's 200 answer, never an HTTP error
        "no_face",
        "multiple_faces",
        "face_too_small",
        "check_out_before_check_in",
        "unknown_service_item",
        "device_required",
        "invalid_period",
        "unknown_agency",
        "registry_rows_invalid",
        # presence (README "Presence"): refusals, and verdicts inside a burst's or an attempt's answer
        "burst_size",
        "tag_uid_invalid",
        "tag_data_invalid",
        "confirmation_code_invalid",
        *LIVENESS_VERDICTS,
        *PRESENCE_IN_ANSWER,
        "invalid_visit_id",
        "invalid_attempt_id",
        "invalid_characters",
        "too_deeply_nested",
        "item_ends_before_start",
        "outside_visit_window",
        "password_too_short",
        "password_too_common",
        "password_repetitive",
        "password_sequential",
        "password_contains_username",
        "too_few_photos",
        "enrolment_photos_rejected",
        "enrolment_photos_disagree",
        "chunk_beyond_size",  # clips
        "clip_hash_mismatch",
        "invalid_deadline",
        "invalid_id_number",
        "invalid_credit_code",
        "unknown_caregiver",
        "unknown_client",
        "caregiver_not_eligible",
        "client_without_grade",
        "no_scheme_rate",
        "planned_visit_mismatch",
        "caregiver_not_in_plan",
        "no_care_plan",
        "unsupported_format",
        "unreadable_file",
        "import_rows_invalid",
        "invalid_account",
        "family_member_mismatch",
    ),
    "too_many": ("rate_limited", "too_many_attempts"),
    "unavailable": ("database_unavailable",),
}
KIND_BY_CODE = {code: kind for kind, codes in CODES_BY_KIND.items() for code in codes}

#: every operation: the database may be briefly down
ALWAYS = ("database_unavailable",)
#: operations that need a signed-in caller with an admitted role
SIGNED_IN = ("authentication_required", "invalid_token", "forbidden")
#: operations with a JSON body
BODY = (
    "malformed_json",
    "json_required",
    "request_too_large",
    "invalid_body",
    "missing_field",
    "unknown_field",
    "invalid_field",
    "invalid_characters",
    "too_deeply_nested",
)
#: operations with query parameters
QUERY = ("missing_field", "invalid_field", "unknown_field", "invalid_characters", "too_deeply_nested")
#: bodies with a GPS fix / a photo / event times
FIX = ("coordinates_out_of_range", "invalid_accuracy")
PHOTO = ("invalid_base64", "image_invalid", "image_too_large", "image_unsupported")
TIMES = ("timestamp_in_future", "timestamp_too_old")
#: a check-in or check-out
ATTEMPT = (
    *FIX,
    *PHOTO,
    *TIMES,
    "not_yourself",
    "device_mismatch",
    "device_required",
    "attempt_id_reused",
    "rate_limited",
    "too_many_attempts",
    "visit_not_found",
    "visit_not_open",
    "not_enrolled",
)
#: master data written (API bodies and import rows alike): every check of ``masterdata``
MASTER_WRITE = (
    "invalid_id_number",
    "invalid_credit_code",
    "unknown_agency",
    "unknown_caregiver",
    "unknown_client",
    "unknown_service_item",
    "credit_code_taken",
    "caregiver_code_taken",
    "agency_out_of_scope",
    "caregiver_not_eligible",
    "client_without_grade",
    "no_scheme_rate",
    "scheme_rate_exists",
)
PHONE_DECISION = ("phone_not_found", "phone_not_requested", "phone_in_use", "phone_limit_reached")


def by_status(codes: Iterable[str], status_by_kind: dict[str, int]) -> dict[int, list[str]]:
    """Codes grouped by the HTTP status they answer with, each list sorted and without repeats."""
    out: dict[int, set[str]] = {}
    for code in codes:
        out.setdefault(status_by_kind[KIND_BY_CODE[code]], set()).add(code)
    return {status: sorted(found) for status, found in sorted(out.items())}
