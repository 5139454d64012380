"""deploy/prometheus/alerts.yml: well-formed rules, each watching a metric that exists: one HMS
really exports (scraped from /metrics here), or one of Prometheus, node_exporter or
blackbox_exporter. (promtool would check the PromQL grammar too, but Debian's prometheus package
is 96 MB installed; docs/DECISIONS.md, "Monitoring (#21)".)"""

import re
from pathlib import Path

import yaml
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
SCRAPE_EXAMPLE = ROOT / "deploy" / "prometheus" / "prometheus.yml"

# Metrics the rules may name that HMS does not export, by who does.
ELSEWHERE = {
    "up",  # Prometheus, per scrape target
    "probe_success",  # blackbox_exporter
    "node_filesystem_avail_bytes",  # node_exporter
    "node_filesystem_size_bytes",
    "node_filesystem_readonly",
}
PROMQL_WORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring"}
DURATION = re.compile(r"^\d+[smhd]$")
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("_count", "_sum", "_created", ""),
    "gauge": ("",),
}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, label names, label values,
    durations, keywords and numbers left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # label values
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", text)  # grouping labels
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        following = text[match.end() :].lstrip()
        if following.startswith("(") or match.group() in PROMQL_WORDS:
            continue  # a function, or a keyword
        names.add(match.group())
    return names


def exported_names() -> set[str]:
    """Every sample name /metrics can show (a labelled metric's name included before it has a
    sample), after the app has answered a page."""
    Client().get("/healthz")
    text = Client().get("/metrics").content.decode()
    names = set()
    for family in text_string_to_metric_families(text):
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
        names.update(sample.name for sample in family.samples)
    return names


def rules() -> list[dict]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_the_rule_file_is_well_formed():
    document = yaml.safe_load(ALERTS.read_text())
    names = [rule["alert"] for rule in rules()]

    assert all(set(group) == {"name", "rules"} and group["rules"] for group in document["groups"])
    assert len(names) == len(set(names)), "alert names are unique"
    for rule in rules():
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert DURATION.match(rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in {"page", "ticket"}, rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]


def test_the_issues_alerts_are_all_there():
    names = {rule["alert"] for rule in rules()}

    assert {
        "HmsInstanceDown",
        "HmsHealthCheckFailing",
        "HmsSlowPages",
        "HmsServerErrors",
        "HmsTaskQueueGrowing",
        "HmsDiskNearlyFull",
    } <= names


def test_every_rule_watches_a_metric_that_exists(db):
    exported = exported_names()

    for rule in rules():
        named = metric_names(rule["expr"])

        assert named, f"{rule['alert']} names no metric"
        assert named <= exported | ELSEWHERE, f"{rule['alert']}: {named - exported - ELSEWHERE}"


def test_the_name_reader_sees_through_functions_labels_and_ranges():
    expr = (
        'histogram_quantile(0.95, sum by (instance, le) (rate(x_bucket{status=~"5..",'
        ' view="a(b)"}[5m]))) > 2 and deriv(max(y_pending)[15m:1m]) > 0 unless on(job) up'
    )

    assert metric_names(expr) == {"x_bucket", "y_pending", "up"}


def test_the_scrape_example_loads_the_rules_and_scrapes_the_app_and_its_health_check():
    config = yaml.safe_load(SCRAPE_EXAMPLE.read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}

    assert config["rule_files"] == ["alerts.yml"]
    assert jobs["hms"]["metrics_path"] == "/metrics"
    assert jobs["hms-healthz"]["static_configs"][0]["targets"][0].endswith("/healthz")
    assert {"hms", "hms-healthz", "node"} <= set(jobs)
