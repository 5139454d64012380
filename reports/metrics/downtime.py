"""The dashboard's machine downtime: the hospital's and each department's hours down,
availability, MTBF and MTTR over the period, and the machines down longest. The figures are
engineering.downtime's (one rule, its definitions and its four queries); this module only picks
what the panel shows and lays it out as tables and a chart."""

from dataclasses import dataclass

from engineering.downtime import DowntimeReport, Figures, MachineFigures, downtime_report
from hms import params
from reports.charts import Chart, Series
from reports.metrics import Metric, Table, register
from reports.period import ReportPeriod

# The panel lists this many machines, the most hours down first; the rest are counted and
# linked to engineering's overview of the same days.
WORST_SHOWN = 10


@dataclass(frozen=True)
class DowntimeResult:
    """engineering.downtime's report of the period (`report.total`: the hospital) and the
    machines the panel lists (`worst`, at most WORST_SHOWN, hours down descending; only those
    with some down time)."""

    period: ReportPeriod
    report: DowntimeReport
    worst: list[MachineFigures]

    @property
    def total(self) -> Figures:
        return self.report.total

    @property
    def machines_not_shown(self) -> int:
        """Machines of the register not listed on the panel (engineering's overview has them)."""
        return len(self.report.machines) - len(self.worst)

    @property
    def overview_query(self) -> str:
        """The query string of engineering's overview for the same days."""
        first, last = params.day_value(self.period.first), params.day_value(self.period.last)
        return f"start={first}&end={last}"

    def tables(self) -> list[Table]:
        headers = ("machines", "hours down", "availability %", "failures", "MTBF hours")
        headers += ("restorations", "MTTR hours")
        rows = [("Hospital", *_row(self.total))]
        rows += [(name, *_row(figures)) for name, figures in self.report.departments]
        machines = [
            (m.asset_tag, m.name, m.department, *_row(m.figures)[1:]) for m in self.report.machines
        ]
        return [
            Table("downtime", "Machine downtime", ("scope", *headers), rows),
            Table(
                "downtime-machines",
                "Machine downtime by machine",
                ("asset tag", "machine", "department", *headers[1:]),
                machines,
            ),
        ]

    def charts(self) -> list[Chart]:
        names = [name for name, _figures in self.report.departments]
        hours = [round(figures.hours_down, 1) for _name, figures in self.report.departments]
        return [Chart("Hours down by department", "bar", names, [Series("Hours down", hours)], "h")]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _row(figures: Figures) -> tuple:
    return (
        figures.machines,
        round(figures.hours_down, 1),
        _rounded(figures.availability),
        figures.failures,
        _rounded(figures.mtbf_hours),
        figures.restorations,
        _rounded(figures.mttr_hours),
    )


def compute(period: ReportPeriod) -> DowntimeResult:
    """Machine downtime over the period's days [starts_at, ends_before) (hospital time), up to
    now for a period still running: engineering.downtime.downtime_report's figures (hours,
    availability %, MTBF/MTTR hours per IEC 60050-192; see that module), in its four queries
    whatever the number of machines. Read-only; raises nothing for an empty register."""
    report = downtime_report(start=period.starts_at, end=period.ends_before)
    worst = [m for m in report.machines if m.figures.down > 0][:WORST_SHOWN]
    return DowntimeResult(period, report, worst)


register(
    Metric(
        key="downtime",
        title="Machine downtime",
        definition=(
            "Hours machines were not Operational in the period; availability is up time over "
            "time in the register; MTBF is operating hours per failure, MTTR the mean hours "
            "from Out of order to Operational again."
        ),
        finance=False,
        compute=compute,
    )
)
