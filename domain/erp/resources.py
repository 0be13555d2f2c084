"""How each thing the API lists reads as JSON: the same shape in a list, alone, and in a webhook
event. Times are ISO 8601 in UTC, money and rates are decimal strings (never floats), codes
(statuses, kinds, reasons) stay codes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.andon.posts import exception_code
from domain.erp.endpoints import Endpoint
from domain.kpis import Kpi
from domain.models import Order
from domain.records import ExceptionRecord, InspectionRecord, ReportRecord
from domain.status import WorkOrderView
from domain.wages import LINE_KINDS, Payslip

Json = dict[str, Any]


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return value


def _with_external(record: Any, external_ids: dict[str, str | None]) -> Json:
    data: Json = jsonable(dataclasses.asdict(record))
    data["work_order_external_id"] = external_ids.get(record.work_order)
    return data


def report(record: ReportRecord, external_ids: dict[str, str | None]) -> Json:
    return _with_external(record, external_ids)


def inspection(record: InspectionRecord, external_ids: dict[str, str | None]) -> Json:
    return _with_external(record, external_ids)


def exception(record: ExceptionRecord, external_ids: dict[str, str | None]) -> Json:
    return {"code": exception_code(record.id), **_with_external(record, external_ids)}


@dataclass(frozen=True)
class WorkOrderFacts:
    """What a work order resource shows beyond its status view."""

    external_id: str | None
    order_external_id: str | None
    created_at: datetime
    released_at: datetime | None
    done_at: datetime | None


def work_order(view: WorkOrderView, facts: WorkOrderFacts) -> Json:
    data = view.to_dict()
    data.pop("id")
    return {"code": data.pop("code"), "external_id": facts.external_id,
            "order_external_id": facts.order_external_id, **data,
            "created_at": jsonable(facts.created_at), "released_at": jsonable(facts.released_at),
            "done_at": jsonable(facts.done_at)}


def order(row: Order, work_orders: list[Json]) -> Json:
    return {"external_id": row.external_id, "order_no": row.order_no, "customer": row.customer,
            "due_date": row.due_date.isoformat(), "priority": row.priority,
            "created_at": jsonable(row.created_at), "work_orders": work_orders}


def payslip(slip: Payslip) -> Json:
    return {
        "person_code": slip.person_code, "name": slip.name, "team": slip.team,
        "wage_mode": slip.wage_mode, "from": slip.period.start.isoformat(),
        "to": slip.period.end.isoformat(), "total": jsonable(slip.total),
        "subtotals": {kind: jsonable(slip.subtotal(kind)) for kind in LINE_KINDS},
        "pieces": slip.pieces, "hourly_minutes": slip.hourly_minutes,
        "pending_qc_pieces": slip.pending_qc_pieces,
        "open_clock_since": jsonable(slip.open_clock_since),
        "lines": [{"day": line.day.isoformat(), "kind": line.kind, "subject": line.subject,
                   "operation_code": line.operation_code, "quantity": jsonable(line.quantity),
                   "rate": jsonable(line.rate), "amount": jsonable(line.amount),
                   "refs": list(line.refs)} for line in slip.lines],
    }


def kpi(figure: Kpi) -> Json:
    return {"name": figure.name, "value": jsonable(figure.value), "unit": figure.unit,
            "numerator": jsonable(figure.numerator),
            "denominator": jsonable(figure.denominator), "better": figure.better,
            "target": jsonable(figure.target), "p90": jsonable(figure.p90), "met": figure.met}


def webhook(endpoint: Endpoint) -> Json:
    return {"id": endpoint.id, "url": endpoint.url, "events": list(endpoint.events),
            "active": endpoint.active, "created_at": jsonable(endpoint.created_at),
            "deliveries": endpoint.deliveries}
