"""Parses newsdesk's /metrics with the Prometheus client library's own text parser and
checks the families operators' dashboards rely on. Run by run.py with the suite's venv."""
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

text = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
families = {family.name: family for family in text_string_to_metric_families(text)}
expected = {
    "newsdesk_http_request_duration_seconds": "histogram",
    "newsdesk_db_pool_in_use": "gauge",
    "newsdesk_db_pool_wait_microseconds": "counter",
    "newsdesk_response_cache": "counter",
    "newsdesk_stats_hit_buffer_depth": "gauge",
}
for name, kind in expected.items():
    if name not in families or families[name].type != kind:
        sys.exit(f"/metrics lacks the {kind} {name}")
routes = {sample.labels.get("route") for sample in families["newsdesk_http_request_duration_seconds"].samples}
raw = [route for route in routes if route and any(part.isdigit() for part in route.split("/"))]
if raw:
    sys.exit(f"routes are labelled by raw path: {raw}")
print(f"metrics: {len(families)} families parsed, {len(routes)} routes")
