"""docker-compose.yml agrees with the code: the variables our services set are the ones
runtime/settings.py reads, their addresses point at services that exist, and their
commands are real `aftersales` subcommands."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from runtime.settings import ENV_VARS, ROOT
from starter.cli import build_parser

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict] = COMPOSE["services"]
OURS = {name: s for name, s in SERVICES.items() if "build" in s}
# Every service that starts or answers cases needs these to find Temporal and the store.
NEEDS_TEMPORAL = {"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TASK_QUEUE", "DATABASE_URL"}
TALKS_TO_TEMPORAL = {"worker", "up", "replay", "webhooks", "api"}


def env(service: dict) -> dict[str, str]:
    e = service.get("environment") or {}
    if isinstance(e, list):
        e = dict(item.split("=", 1) for item in e)
    return {k: str(v) for k, v in e.items()}


def image_of(name: str) -> str:
    return SERVICES[name].get("image", "")


def service_named(host: str) -> dict:
    assert host in SERVICES, f"{host!r} is not a service in docker-compose.yml"
    return SERVICES[host]


def subcommand(service: dict) -> str:
    cmd = service["command"]
    return (cmd if isinstance(cmd, list) else cmd.split())[1]


def test_the_stack_has_its_parts():
    images = {name: image_of(name) for name in SERVICES}
    assert any(i.startswith("postgres") for i in images.values())
    assert any(i.startswith("temporalio/auto-setup") for i in images.values())
    assert any(i.startswith("temporalio/ui") for i in images.values())
    assert "worker" in OURS and subcommand(OURS["worker"]) == "worker"


@pytest.mark.parametrize("name", sorted(OURS))
def test_our_services_set_only_known_variables(name):
    unknown = set(env(OURS[name])) - set(ENV_VARS)
    assert not unknown, f"{name} sets {sorted(unknown)}, which runtime/settings.py does not read"


@pytest.mark.parametrize("name", sorted(OURS))
def test_services_that_use_temporal_set_what_they_need(name):
    if subcommand(OURS[name]) not in TALKS_TO_TEMPORAL:
        pytest.skip(f"{name} does not talk to Temporal")
    missing = NEEDS_TEMPORAL - set(env(OURS[name]))
    assert not missing, f"{name} does not set {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(OURS))
def test_database_url_points_at_the_postgres_service(name):
    e = env(OURS[name])
    if "DATABASE_URL" not in e:
        assert subcommand(OURS[name]) not in TALKS_TO_TEMPORAL | {"migrate"}
        return
    url = urlparse(e["DATABASE_URL"])
    assert url.scheme in ("postgresql", "postgresql+psycopg")
    pg = service_named(url.hostname or "")
    assert pg["image"].startswith("postgres")
    pg_env = env(pg)
    assert (url.username, url.password) == (pg_env["POSTGRES_USER"], pg_env["POSTGRES_PASSWORD"])
    assert url.path.lstrip("/") == pg_env.get("POSTGRES_DB", pg_env["POSTGRES_USER"])
    assert (url.port or 5432) == 5432


@pytest.mark.parametrize("name", sorted(OURS))
def test_temporal_address_points_at_the_temporal_service(name):
    e = env(OURS[name])
    if "TEMPORAL_ADDRESS" not in e:
        return
    host, port = e["TEMPORAL_ADDRESS"].rsplit(":", 1)
    assert image_of(host).startswith("temporalio/auto-setup") and port == "7233"


def test_temporal_and_its_ui_use_the_services_that_exist():
    temporal = next(n for n in SERVICES if image_of(n).startswith("temporalio/auto-setup"))
    t_env = env(SERVICES[temporal])
    pg = service_named(t_env["POSTGRES_SEEDS"])
    assert t_env["DB"].startswith("postgres") and pg["image"].startswith("postgres")
    assert (t_env["POSTGRES_USER"], t_env["POSTGRES_PWD"]) == (env(pg)["POSTGRES_USER"], env(pg)["POSTGRES_PASSWORD"])
    ui = next(n for n in SERVICES if image_of(n).startswith("temporalio/ui"))
    assert env(SERVICES[ui])["TEMPORAL_ADDRESS"] == f"{temporal}:7233"


def test_depends_on_targets_exist():
    for name, service in SERVICES.items():
        deps = service.get("depends_on") or []
        for target in deps:
            assert target in SERVICES, f"{name} depends on {target!r}, which does not exist"


@pytest.mark.parametrize("name", sorted(OURS))
def test_build_contexts_have_a_dockerfile(name):
    build = OURS[name]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    path = ROOT / context / dockerfile
    assert path.is_file(), f"{name}: no {path}"
    text = path.read_text()
    assert "FROM python:3.12-slim" in text
    assert "pip install --require-hashes -r requirements.lock" in text and "pip install --no-deps ." in text


def test_the_image_copies_every_package():
    """The API image serves the console: a package left out of the image fails only in production."""
    import tomllib

    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    text = (ROOT / "Dockerfile").read_text()
    for pattern in packages:
        name = pattern.rstrip("*")
        assert f"COPY {name} ./{name}" in text, f"the Dockerfile does not copy {name}/"


@pytest.mark.parametrize("name", sorted(OURS))
def test_commands_are_real_subcommands(name):
    cmd = OURS[name]["command"]
    argv = cmd if isinstance(cmd, list) else cmd.split()
    assert argv[0] == "aftersales"
    try:
        build_parser().parse_args(argv[1:])
    except SystemExit as e:
        pytest.fail(f"{name}: `{' '.join(argv)}` is not a valid aftersales command ({e})")


def test_files_the_services_name_are_in_the_image():
    """Paths under /app come from the repository (the Dockerfile copies it there)."""
    for name, service in OURS.items():
        for key in ("ACTORS_FILE", "SIMULATOR_CONFIG"):
            value = env(service).get(key)
            if value:
                assert value.startswith("/app/"), value
                assert (ROOT / Path(value).relative_to("/app")).is_file(), (
                    f"{name}: {key}={value} is not in the repository"
                )


def test_the_api_is_the_front_door_and_temporal_is_internal():
    api = OURS["api"]
    assert subcommand(api) == "api" and any(str(p).endswith(":8702") for p in api.get("ports", []))
    assert not SERVICES["temporal"].get("ports"), "Temporal is on the internal network only"
    demo = OURS["demo"]
    assert env(demo)["API_URL"] == "http://api:8702"
    assert set(api["volumes"]) & set(demo["volumes"]), "the demo mints with the API's key: the same volume"
    for name in ("webhooks", "simulators"):
        assert env(OURS[name])["WEBHOOK_SECRET"].startswith("${WEBHOOK_SECRET:?"), "no default webhook secret"


# mTLS between Temporal and our services (issue 11) ------------------------------------------
def _mounts(service: dict) -> dict[str, str]:
    """target directory -> volume name, for named volumes."""
    out = {}
    for v in service.get("volumes") or []:
        source, target = v.split(":")[:2]
        out[target] = source
    return out


def _temporal() -> tuple[str, dict]:
    name = next(n for n in SERVICES if image_of(n).startswith("temporalio/auto-setup"))
    return name, SERVICES[name]


def test_temporal_requires_client_certificates_from_the_ca_our_services_trust():
    _name, temporal = _temporal()
    t = env(temporal)
    assert t["TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"] == "true"
    assert "ports" not in temporal, "Temporal is internal: no published port"
    certs = _mounts(temporal)["/certs"]
    maker = next(s for s in OURS.values() if subcommand(s) == "tls")
    assert _mounts(maker)["/certs"] == certs and "/certs" in maker["command"]
    assert t["TEMPORAL_TLS_CLIENT1_CA_CERT"] == t["TEMPORAL_TLS_SERVER_CA_CERT"] == "/certs/ca.pem"
    assert "--tls-cert-path /certs/admin.pem" in " ".join(temporal["healthcheck"]["test"])


@pytest.mark.parametrize("name", sorted(OURS))
def test_our_temporal_clients_present_our_certificate(name):
    if subcommand(OURS[name]) not in TALKS_TO_TEMPORAL:
        pytest.skip(f"{name} does not talk to Temporal")
    e = env(OURS[name])
    assert (e["TEMPORAL_TLS_CA"], e["TEMPORAL_TLS_CERT"], e["TEMPORAL_TLS_KEY"]) == (
        "/certs/ca.pem",
        "/certs/client.pem",
        "/certs/client-key.pem",
    )
    assert _mounts(OURS[name]).get("/certs") == _mounts(_temporal()[1])["/certs"], (
        f"{name} does not mount the certificates"
    )


def test_tls_init_makes_a_chain_temporal_and_our_clients_verify(tmp_path):
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from runtime.certificates import make_certificates

    files = make_certificates(tmp_path / "certs", ["temporal"])
    ca = x509.load_pem_x509_certificate(files.ca.read_bytes())
    server = x509.load_pem_x509_certificate(files.cert("server").read_bytes())
    client = x509.load_pem_x509_certificate(files.cert("client").read_bytes())
    for leaf in (server, client):
        leaf.verify_directly_issued_by(ca)
    assert server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName
    ) == ["temporal"]
    assert ExtendedKeyUsageOID.CLIENT_AUTH in client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert (files.key("client").stat().st_mode & 0o777) == 0o600
    again = make_certificates(tmp_path / "certs", ["temporal"])  # a restart keeps them
    assert again.ca.read_bytes() == files.ca.read_bytes()
    # and our client's TLS settings take exactly these files
    import dataclasses

    from runtime.settings import Settings
    from runtime.temporal import tls_config

    tls = tls_config(
        dataclasses.replace(
            Settings(),
            temporal_tls_ca=str(files.ca),
            temporal_tls_cert=str(files.cert("client")),
            temporal_tls_key=str(files.key("client")),
        )
    )
    assert tls.client_cert == files.cert("client").read_bytes() and tls.server_root_ca_cert == files.ca.read_bytes()


# seen in production (issue 14): Prometheus and Grafana ------------------------------------------
DEPLOY = ROOT / "deploy"


def _port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def _metrics_ports(name: str) -> set[int]:
    """The ports a compose service serves Prometheus metrics on, by its own configuration."""
    service = service_named(name)
    e = env(service)
    if image_of(name).startswith("temporalio/auto-setup"):
        return {_port_of(e["PROMETHEUS_ENDPOINT"])} if e.get("PROMETHEUS_ENDPOINT") else set()
    ports = {_port_of(e[k]) for k in ("METRICS_BIND", "SDK_METRICS_BIND") if e.get(k)}
    if e.get("API_METRICS", "").lower() in ("on", "1", "true", "yes") and subcommand(service) == "api":
        argv = service["command"]
        ports.add(int(argv[argv.index("--port") + 1]))
    return ports


def _scrape_targets() -> list[tuple[str, str, int]]:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    out = []
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                host, port = target.rsplit(":", 1)
                out.append((job["job_name"], host, int(port)))
        for dns in job.get("dns_sd_configs", []):
            out.extend((job["job_name"], host, int(dns["port"])) for host in dns["names"])
    return out


def test_every_scrape_target_is_a_service_that_serves_metrics_there():
    targets = _scrape_targets()
    assert {host for _, host, _ in targets} >= {"worker", "api", "temporal"}
    for job, host, port in targets:
        assert port in _metrics_ports(host), f"{job}: {host}:{port} serves no metrics ({_metrics_ports(host)})"
    assert any(image_of(n).startswith("prom/prometheus") for n in SERVICES)


def test_grafana_is_provisioned_from_the_repository():
    grafana = next(s for n, s in SERVICES.items() if image_of(n).startswith("grafana/grafana"))
    mounts = {target: source for source, target in (v.split(":")[:2] for v in grafana["volumes"])}
    assert (ROOT / mounts["/etc/grafana/provisioning"]).resolve() == DEPLOY / "grafana" / "provisioning"
    provider = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "dashboards" / "aftersales.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    assert (ROOT / mounts[path]).resolve() == DEPLOY / "grafana" / "dashboards"
    source = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    ds = source["datasources"][0]
    prometheus = next(n for n in SERVICES if image_of(n).startswith("prom/prometheus"))
    assert urlparse(ds["url"]).hostname == prometheus and ds["type"] == "prometheus"
    dashboards = list((DEPLOY / "grafana" / "dashboards").glob("*.json"))
    assert dashboards
    for dashboard in dashboards:
        for panel in json.loads(dashboard.read_text(encoding="utf-8"))["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] == ds["uid"], panel["title"]


def test_the_dashboard_queries_only_metrics_the_code_defines():
    from runtime.metrics import BUSINESS_METRICS, SDK_DASHBOARD_METRICS

    seen = set()
    for dashboard in (DEPLOY / "grafana" / "dashboards").glob("*.json"):
        for panel in json.loads(dashboard.read_text(encoding="utf-8"))["panels"]:
            for target in panel.get("targets", []):
                for name in re.findall(r"\b((?:aftersales|temporal)_[a-z0-9_]+)\b", target["expr"]):
                    seen.add(name)
                    if name.startswith("aftersales_"):
                        assert name in BUSINESS_METRICS, (
                            f"{panel['title']}: {name} is not defined in runtime/metrics.py"
                        )
                    else:
                        base = re.sub(r"_(bucket|count|sum|total)$", "", name)
                        assert base in SDK_DASHBOARD_METRICS, f"{panel['title']}: {name} is not an SDK metric we check"
    # every business figure is drawn somewhere
    assert set(BUSINESS_METRICS) <= seen, sorted(set(BUSINESS_METRICS) - seen)
