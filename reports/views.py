"""Reports for managers: an index, and the SLA view (where promises stand and where they broke)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from reports import dashboard as shown
from reports import kpis, selectors
from reports.forms import OrdsExportForm, SlaViewForm
from reports.ords import ords_csv
from shops.access import ShopRequest, shop_member_required
from shops.models import MANAGERS
from tickets import sla
from tickets.models import OPEN_STATUSES
from tickets.sla_status import SlaStatus

WATCH_ROWS = 50  # at risk and breached: the soonest due first; the list filter has the rest
BREACH_ROWS = 25  # the latest; the count says how many more


@shop_member_required(*MANAGERS, to="see reports")
@require_GET
def reports_index(request: ShopRequest) -> HttpResponse:
    return render(request, "reports/index.html")


OPEN_QUERY = urlencode([("status", status.value) for status in OPEN_STATUSES])


def _list_url(base: str, **filters) -> str:
    """The works-order list (at `base`) filtered to open jobs and `filters` (branch, technician,
    sla)."""
    chosen = [(name, value) for name, value in filters.items() if value not in (None, "")]
    return f"{base}?{OPEN_QUERY}&{urlencode(chosen)}".rstrip("&")


def _link(row: selectors.StatusCounts, **where) -> selectors.StatusCounts:
    """Give a row links to the list: per SLA status (the list filters by it) and all open."""
    if row.linkable:
        base = reverse("works_orders")
        row.links = {
            status.value: _list_url(base, **where, sla=status.value) for status in SlaStatus
        }
        row.links["open"] = _list_url(base, **where)
    return row


@shop_member_required(*MANAGERS, to="see the SLA view")
@require_GET
def sla_view(request: ShopRequest) -> HttpResponse:
    form = SlaViewForm(request.GET, shop=request.shop)
    now = timezone.now()
    period, branch = form.chosen(timezone.localdate(now))
    by_id = {b.pk: b for b in form.branches.values()}
    code = branch.code if branch else ""
    by_branch = [
        _link(row, branch=row.key.code)
        for row in selectors.open_by_branch(request.shop, by_id, now, branch)
    ]
    by_technician = [
        _link(row, branch=code, technician=row.key)
        for row in selectors.open_by_technician(request.shop, now, branch)
    ]
    everywhere = _link(
        selectors.totals(by_branch, branch.name if branch else "All branches"), branch=code
    )
    watch = selectors.watch_list(request.shop, now, branch, limit=WATCH_ROWS)
    # Business time left, for the rows shown only: their branches' calendars read at once.
    shown = {job.branch_id for job in watch}
    calendars = sla.calendars_for(request.shop, [b for pk, b in by_id.items() if pk in shown])
    for job in watch:
        job.seconds_left = sla.business_seconds_left(job, now, calendars[job.branch_id])
    breaches, breach_count = selectors.breaches(
        request.shop, period.start, period.end, now, branch, limit=BREACH_ROWS
    )
    compliance = selectors.compliance_by_priority(request.shop, period.start, period.end, branch)
    context = {
        "form": form,
        "period": period,
        "branch": branch,
        "now": now,
        "by_branch": by_branch,
        "by_technician": by_technician,
        "everywhere": everywhere,
        "watch": watch,
        "watch_more": everywhere.at_risk + everywhere.breached - len(watch),
        "breaches": breaches,
        "breach_count": breach_count,
        "compliance": compliance,
        "compliance_all": selectors.Compliance(
            "", "All", sum(row.jobs for row in compliance), sum(row.met for row in compliance)
        ),
        "waits": selectors.time_in_status(request.shop, period.start, period.end, branch),
    }
    return render(request, "reports/sla.html", context)


# The KPI dashboard -----------------------------------------------------------------------------


@shop_member_required(*MANAGERS, to="see the dashboard")
@require_GET
def dashboard(request: ShopRequest) -> HttpResponse:
    """Every KPI for a period and a branch (or all), beside the period before; `?export=<table>`
    downloads one table as CSV."""
    form = SlaViewForm(request.GET, shop=request.shop)
    chosen, branch = form.chosen(timezone.localdate())
    period = kpis.Period(chosen.first, chosen.last)
    branches = [branch] if branch else None
    export = request.GET.get("export", "")
    if export:
        if export not in kpis.TABLES:
            raise Http404("No such table.")
        table = kpis.dashboard(request.shop, branches, period, only=export)[export]
        response = HttpResponse(shown.csv_text(table), content_type="text/csv; charset=utf-8")
        where = branch.code.lower() if branch else "all"
        name = f"{request.shop.slug}-{export}-{where}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["Cache-Control"] = "private, no-store"
        return response
    full = request.GET.get("full", "")
    board = kpis.dashboard(request.shop, branches, period, top=shown.SHOWN_ROWS, full=full)
    by_id = {b.pk: b for b in form.branches.values()}
    base = reverse("works_orders")
    sections, charts = [], {}
    for table in board.tables.values():
        limit = None if table.name == full else shown.SHOWN_ROWS
        rows = shown.shown_rows(
            table,
            base=base,
            branches=by_id,
            branch=branch,
            currency=request.shop.currency,
            limit=limit,
        )
        sections.append(
            {
                "table": table,
                "rows": rows,
                "more": table.more or len(table.rows) > len(rows),
                # Every row of it shown: the template offers the first rows again.
                "all": len(table.rows) > shown.SHOWN_ROWS and limit is None,
            }
        )
        if table.chart and table.rows:
            charts[table.name] = shown.chart_data(table, rows)
    context = {
        "form": form,
        "chosen": chosen,
        "period": period,
        "previous": period.previous(),
        "branch": branch,
        "sections": sections,
        "charts": charts,
        "headline": shown.headline(board, request.shop.currency),
        "first_rows": shown.SHOWN_ROWS,
    }
    return render(request, "reports/dashboard.html", context)


@shop_member_required(*MANAGERS, to="export open repair data")
@require_GET
def ords_export(request: ShopRequest) -> HttpResponse:
    """Choose a period and a branch; a valid choice streams the closed works orders as Open
    Repair Data (reports/ords.py)."""
    asked = bool(request.GET)
    today = timezone.localdate()
    form = OrdsExportForm(
        request.GET if asked else None,
        shop=request.shop,
        initial={"start": today.replace(month=1, day=1), "end": today},
    )
    if asked and form.is_valid():
        period, branch = form.chosen()
        response = StreamingHttpResponse(
            ords_csv(request.shop, period.start, period.end, branch),
            content_type="text/csv; charset=utf-8",
        )
        where = f"-{branch.code.lower()}" if branch else ""
        days = f"{period.first:%Y%m%d}-{period.last:%Y%m%d}"
        name = f"{request.shop.slug}{where}-open-repair-data-{days}.csv"
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "reports/ords.html", {"form": form})
