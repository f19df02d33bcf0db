"""Database models, one module per aggregate."""

from field_app.models.agency import Agency
from field_app.models.alert import Alert, ScanLock, ScanRun, alert_visits
from field_app.models.audit import AuditEntry
from field_app.models.caregiver import Caregiver, Device, EnrolmentChange, FaceEnrolment
from field_app.models.catalogue import ServiceItem
from field_app.models.client import CarePlan, Client, FamilyMember, care_plan_items
from field_app.models.plan import CarePlanCaregiver, CarePlanLine, PlannedVisit, SchemeRate
from field_app.models.presence import (
    ClientFaceEnrolment,
    LivenessChallenge,
    NfcTag,
    PresenceDecision,
    TagTap,
    VisitConfirmation,
)
from field_app.models.review import AlertComment, SpotCheck, SpotCheckItem, VisitFeedback
from field_app.models.user import ApiToken, RateCounter, Selfie, User, user_agencies
from field_app.models.visit import PerformedItem, TrailPoint, Visit, VisitAttempt
from field_app.registries.models import CertificateRecord, DeathRecord, GradeChange, HospitalStay

__all__ = [
    "Agency",
    "Alert",
    "AuditEntry",
    "CarePlan",
    "CarePlanCaregiver",
    "CarePlanLine",
    "FamilyMember",
    "PlannedVisit",
    "SchemeRate",
    "Caregiver",
    "CertificateRecord",
    "Client",
    "DeathRecord",
    "Device",
    "EnrolmentChange",
    "FaceEnrolment",
    "GradeChange",
    "HospitalStay",
    "PerformedItem",
    "ScanLock",
    "ScanRun",
    "ServiceItem",
    "TrailPoint",
    "Visit",
    "VisitAttempt",
    "alert_visits",
    "care_plan_items",
    "ApiToken",
    "RateCounter",
    "Selfie",
    "User",
    "user_agencies",
    "AlertComment",
    "SpotCheck",
    "SpotCheckItem",
    "VisitFeedback",
    "ClientFaceEnrolment",
    "LivenessChallenge",
    "NfcTag",
    "PresenceDecision",
    "TagTap",
    "VisitConfirmation",
]
