"""The ORM models of the factory. Import them from here."""

from domain.models.andon import (
    ExceptionBlock,
    ExceptionKind,
    ExceptionStatus,
    FloorException,
    Severity,
)
from domain.models.base import Base, utcnow
from domain.models.catalog import BomLine, Operation, Product, Routing
from domain.models.conversation import InputDraft, InputStatus
from domain.models.integration import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from domain.models.materials import Material, MaterialMovement, MovementKind
from domain.models.messaging import (
    AuditEvent,
    BotProcess,
    ChatState,
    InboxUpdate,
    OutboxChatLease,
    OutboxMessage,
    OutboxStatus,
    Priority,
    ProcessedUpdate,
    SendBudget,
)
from domain.models.people import ROLE_RANK, Invite, Person, Role, WageMode
from domain.models.planning import (
    ChangeKind,
    ChangeNotice,
    DispatchLine,
    DispatchPlan,
    DispatchStatus,
    LiveStatus,
    PlanChange,
    TaskCardMessage,
)
from domain.models.production import (
    OPEN_WORK_ORDER,
    REPORTABLE_WORK_ORDER,
    AssignedHow,
    DraftStage,
    DraftStatus,
    OperationTask,
    Order,
    ReportDraft,
    ReportSource,
    ReportStatus,
    TaskAssignee,
    TaskStatus,
    WorkOrder,
    WorkOrderStatus,
    WorkReport,
)
from domain.models.quality import InspectionStatus, QCInspection, ReworkStatus, ReworkTask
from domain.models.settings import (
    DefectReason,
    FactorySetting,
    GroupLink,
    LadderStep,
    Responsibility,
    Shift,
)
from domain.models.timing import EscalationStep, Reminder, ReminderStatus
from domain.models.wages import AccessToken, ClockEntry, ClockSource, WageAdjustment

__all__ = [
    "AuditEvent", "Base", "BomLine", "ChatState", "DraftStage", "DraftStatus", "InboxUpdate",
    "Invite", "OPEN_WORK_ORDER", "Operation", "OperationTask", "Order", "OutboxMessage",
    "OutboxStatus", "Person", "Priority", "ProcessedUpdate", "REPORTABLE_WORK_ORDER", "ROLE_RANK",
    "ReportDraft", "ReportSource", "ReportStatus", "Role", "Routing", "Product", "TaskAssignee",
    "TaskStatus", "WageMode", "WorkOrder", "WorkOrderStatus", "WorkReport", "utcnow",
    "DefectReason", "EscalationStep", "ExceptionBlock", "ExceptionKind", "ExceptionStatus",
    "FactorySetting", "FloorException", "GroupLink", "InputDraft", "InputStatus",
    "InspectionStatus", "LadderStep", "QCInspection", "Reminder", "ReminderStatus",
    "Responsibility", "ReworkStatus", "ReworkTask", "Severity", "Shift",
    "AccessToken", "ClockEntry", "ClockSource", "WageAdjustment",
    "AssignedHow", "ChangeKind", "ChangeNotice", "DispatchLine", "DispatchPlan", "DispatchStatus",
    "LiveStatus", "Material", "MaterialMovement", "MovementKind", "PlanChange", "TaskCardMessage",
    "DeliveryStatus", "OutboxChatLease", "SendBudget", "WebhookDelivery", "WebhookEndpoint",
    "BotProcess",
]
