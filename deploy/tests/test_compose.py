"""docker-compose.yml, read as Compose would read it with an .env made from deploy/env.example.

No Docker engine runs these tests: they parse the file, substitute the
variables, and feed each container's environment to the settings class of
the process it runs.
"""

from __future__ import annotations

import base64
import io
import os
import re
from urllib.parse import urlsplit

import pytest
import yaml
from dotenv import dotenv_values

from deploy.tests.support import DEPLOY_DIR, REPO_ROOT, run_deploy_script
from gateway.settings import GatewaySettings
from services.accounts.settings import AccountsSettings
from services.registry import SERVICE_NAMES, service_subscriptions
from shared.events.access import OPERATOR, deploy_users_config, password_variable
from shared.principal import generate_keypair
from shared.settings import ServiceSettings

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY_DIR / "env.example"
NATS_NODES = ("nats-1", "nats-2", "nats-3")

# Site settings that env.example leaves empty for the operator to fill in.
SITE_SETTINGS = {
    "MF_PUBLIC_URL": "https://factures.example.test",
    "MF_SMTP_HOST": "relay.example.test",
    "MF_MAIL_SENDER": "Mes Factures <factures@example.test>",
}

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}, or $$.
VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<operator>:?[-?])(?P<argument>[^}]*))?\}")


class MissingVariable(Exception):
    """A required variable is unset or empty, so Compose would refuse to start."""


def substitute(text: str, environment: dict[str, str]) -> str:
    """Replace variables in ``text`` with Compose's rules for the forms listed above."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.group("name", "operator", "argument")
        value = environment.get(name)
        missing = value is None or (value == "" and operator is not None and operator.startswith(":"))
        if operator in ("-", ":-"):
            return argument if missing else value
        if operator in ("?", ":?"):
            if missing:
                raise MissingVariable(f"{name}: {argument}")
            return value
        return value or ""

    return VARIABLE.sub(replace, text)


def interpolate(node: object, environment: dict[str, str]) -> object:
    if isinstance(node, str):
        return substitute(node, environment)
    if isinstance(node, list):
        return [interpolate(item, environment) for item in node]
    if isinstance(node, dict):
        return {key: interpolate(value, environment) for key, value in node.items()}
    return node


def raw_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def operator_environment() -> dict[str, str]:
    """The .env an operator writes: env.example, the site settings filled in, then the generated secrets."""
    environment = {key: value or "" for key, value in dotenv_values(ENV_EXAMPLE).items()}
    environment.update(SITE_SETTINGS)
    generated = run_deploy_script("generate-secrets.py", environment={})
    assert generated.returncode == 0, generated.stderr
    environment.update(dotenv_values(stream=io.StringIO(generated.stdout)))
    return environment


@pytest.fixture(scope="module")
def environment() -> dict[str, str]:
    return operator_environment()


@pytest.fixture(scope="module")
def compose(environment: dict[str, str]) -> dict:
    return interpolate(raw_compose(), environment)


def container_environment(compose: dict, service: str) -> dict[str, str]:
    return {key: str(value) for key, value in compose["services"][service]["environment"].items()}


@pytest.fixture
def process_environment(monkeypatch):
    """Replace every MF_ variable of this process with those of one container."""

    def apply(variables: dict[str, str]) -> None:
        for name in list(os.environ):
            if name.startswith("MF_"):
                monkeypatch.delenv(name)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return apply


def referenced_variables() -> set[str]:
    return {match.group("name") for match in VARIABLE.finditer(COMPOSE_FILE.read_text()) if match.group("name")}


def documented_variables() -> set[str]:
    """Names that env.example sets or describes in a commented-out NAME= line."""
    return set(re.findall(r"^#? ?(MF_[A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))


def test_compose_defines_expected_containers(compose) -> None:
    names = set(compose["services"])

    assert names == {"postgres", *NATS_NODES, "migrate", *SERVICE_NAMES, "gateway"}


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_business_service_runs_two_replicas(compose, service: str) -> None:
    definition = compose["services"][service]

    assert definition["deploy"]["replicas"] == 2
    assert definition["command"] == ["python", "-m", "services.main", service]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_service_environment_validates(compose, environment, process_environment, service: str) -> None:
    process_environment(container_environment(compose, service))
    settings_class = AccountsSettings if service == "accounts" else ServiceSettings

    settings = settings_class()

    database = urlsplit(settings.database_url)
    assert (database.username, database.hostname, database.path) == (service, "postgres", f"/{service}")
    assert settings.http_host == "0.0.0.0"
    assert settings.log_format == "json"
    assert settings.nats_url == "nats://nats:4222"
    assert settings.nats_user == service
    assert settings.nats_password.get_secret_value() == environment[f"MF_{service.upper()}_NATS_PASSWORD"]


def test_accounts_mail_and_encryption_settings(compose, environment, process_environment) -> None:
    process_environment(container_environment(compose, "accounts"))

    settings = AccountsSettings()

    assert settings.smtp_host == SITE_SETTINGS["MF_SMTP_HOST"]
    assert settings.smtp_port == 587
    assert settings.smtp_starttls is True
    assert settings.mail_sender == SITE_SETTINGS["MF_MAIL_SENDER"]
    assert settings.mail_sink_dir is None
    assert settings.public_url == SITE_SETTINGS["MF_PUBLIC_URL"]
    assert settings.data_encryption_key == environment["MF_DATA_ENCRYPTION_KEY"]


def test_previous_data_keys_reach_only_accounts(environment, process_environment) -> None:
    previous = base64.b64encode(os.urandom(32)).decode()
    rotating = interpolate(raw_compose(), {**environment, "MF_DATA_ENCRYPTION_PREVIOUS_KEYS": previous})
    process_environment(container_environment(rotating, "accounts"))

    settings = AccountsSettings()
    holders = {
        name for name, definition in rotating["services"].items()
        if previous in str(definition.get("environment", {}))
    }

    assert settings.previous_data_keys() == [previous]
    assert holders == {"accounts"}


def test_previous_principal_keys_reach_services(environment, process_environment) -> None:
    previous = generate_keypair()[1]
    rotating = interpolate(raw_compose(), {**environment, "MF_PRINCIPAL_PREVIOUS_PUBLIC_KEYS": previous})
    process_environment(container_environment(rotating, "ledger"))

    settings = ServiceSettings()
    holders = {
        name for name, definition in rotating["services"].items()
        if previous in str(definition.get("environment", {}))
    }

    assert settings.previous_principal_keys() == [previous]
    assert holders == set(SERVICE_NAMES)


def test_gateway_reaches_service_ports(compose, process_environment) -> None:
    process_environment(container_environment(compose, "gateway"))

    settings = GatewaySettings()

    for service in SERVICE_NAMES:
        url = getattr(settings, f"{service}_url")
        service_port = int(container_environment(compose, service)["MF_HTTP_PORT"])
        assert (url.host, url.port) == (service, service_port), service
    assert settings.cookie_secure is True
    assert settings.trusted_proxies == []
    assert str(settings.public_url).rstrip("/") == SITE_SETTINGS["MF_PUBLIC_URL"]


def test_gateway_published_on_loopback(compose) -> None:
    gateway = compose["services"]["gateway"]

    assert gateway["ports"] == ["127.0.0.1:8470:8470"]
    assert container_environment(compose, "gateway")["MF_HTTP_PORT"] == "8470"


@pytest.mark.parametrize(
    ("variable", "allowed"),
    [
        ("MF_PRINCIPAL_PRIVATE_KEY", {"gateway"}),
        ("MF_SESSION_SECRET", {"gateway"}),
        ("MF_DATA_ENCRYPTION_KEY", {"accounts"}),
        ("MF_POSTGRES_PASSWORD", {"postgres"}),
        ("MF_LEDGER_DB_PASSWORD", {"postgres", "migrate", "ledger"}),
        ("MF_ACCOUNTS_DB_PASSWORD", {"postgres", "migrate", "accounts"}),
        ("MF_LEDGER_NATS_PASSWORD", {*NATS_NODES, "ledger"}),
        ("MF_PAYMENTS_NATS_PASSWORD", {*NATS_NODES, "payments"}),
        ("MF_NATS_OPERATOR_PASSWORD", set(NATS_NODES)),
    ],
)
def test_secret_reaches_only_its_readers(compose, environment, variable: str, allowed: set[str]) -> None:
    secret = environment[variable]

    holders = {
        name
        for name, definition in compose["services"].items()
        if any(secret in str(value) for value in definition.get("environment", {}).values())
    }

    assert holders == allowed


def test_service_uses_own_database(compose) -> None:
    for service in SERVICE_NAMES:
        url = urlsplit(container_environment(compose, service)["MF_DATABASE_URL"])

        assert url.username == url.path.lstrip("/") == service


def test_migrate_uses_service_database_urls(compose) -> None:
    migrate = container_environment(compose, "migrate")

    for service in SERVICE_NAMES:
        assert migrate[f"MF_{service.upper()}_DATABASE_URL"] == container_environment(compose, service)["MF_DATABASE_URL"]


def test_postgres_receives_every_role_password(compose, environment) -> None:
    postgres = container_environment(compose, "postgres")

    assert postgres["POSTGRES_PASSWORD"] == environment["MF_POSTGRES_PASSWORD"]
    for service in SERVICE_NAMES:
        variable = f"MF_{service.upper()}_DB_PASSWORD"
        assert postgres[variable] == environment[variable]
    assert "./deploy/postgres/init:/docker-entrypoint-initdb.d:ro" in compose["services"]["postgres"]["volumes"]


def test_startup_order_waits_for_dependencies(compose) -> None:
    services = compose["services"]

    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for service in SERVICE_NAMES:
        dependencies = services[service]["depends_on"]
        assert dependencies["migrate"] == {"condition": "service_completed_successfully"}
        for node in NATS_NODES:
            assert dependencies[node] == {"condition": "service_healthy"}
    assert services["gateway"]["depends_on"] == {
        service: {"condition": "service_healthy"} for service in SERVICE_NAMES
    }


def test_dependencies_name_existing_containers(compose) -> None:
    names = set(compose["services"])

    for name, definition in compose["services"].items():
        assert set(definition.get("depends_on", {})) <= names, name


def test_migrate_is_one_shot(compose) -> None:
    migrate = compose["services"]["migrate"]

    assert migrate["restart"] == "no"
    assert migrate["healthcheck"] == {"disable": True}
    assert migrate["command"] == ["python", "/opt/mesfactures/deploy/migrate.py"]


@pytest.mark.parametrize("node", NATS_NODES)
def test_nats_node_mounts_its_own_config(compose, environment, node: str) -> None:
    definition = compose["services"][node]
    mount = next(volume for volume in definition["volumes"] if volume.endswith(":/etc/nats/nats.conf:ro"))
    config = REPO_ROOT / mount.split(":")[0]

    assert config.name == f"{node}.conf"
    assert f"server_name: {node}\n" in config.read_text()
    assert "\ninclude ./users.conf\n" in config.read_text()
    assert "./deploy/nats/users.conf:/etc/nats/users.conf:ro" in definition["volumes"]
    for user in (*SERVICE_NAMES, OPERATOR):
        assert definition["environment"][password_variable(user)] == environment[password_variable(user)]
    assert definition["networks"]["default"]["aliases"] == ["nats"]
    assert f"{node}-data:/data" in definition["volumes"]


def test_nats_users_file_matches_code() -> None:
    assert (DEPLOY_DIR / "nats" / "users.conf").read_text() == deploy_users_config(service_subscriptions()), (
        "deploy/nats/users.conf differs from shared/events/access.py and the services' subscriptions:"
        " run `python -m services.nats_users > deploy/nats/users.conf`"
    )


def test_application_image_is_built_never_pulled(compose) -> None:
    application = [name for name, definition in compose["services"].items() if "build" in definition]

    assert set(application) == {"migrate", *SERVICE_NAMES, "gateway"}
    for name in application:
        definition = compose["services"][name]
        assert definition["image"] == "mesfactures/app:local", name
        assert definition["pull_policy"] == "build", name
        assert definition["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}, name


def test_dockerfile_copies_existing_files(compose) -> None:
    build = compose["services"]["migrate"]["build"]
    dockerfile = REPO_ROOT / build["context"] / build["dockerfile"]
    sources = []
    for line in dockerfile.read_text().splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            sources += line.split()[1:-1]

    assert sources
    for source in sources:
        assert (REPO_ROOT / source).exists(), source


def test_env_example_documents_every_variable() -> None:
    assert referenced_variables() == documented_variables()


@pytest.mark.parametrize(
    "variable",
    [
        "MF_PUBLIC_URL",
        "MF_SMTP_HOST",
        "MF_MAIL_SENDER",
        "MF_POSTGRES_PASSWORD",
        "MF_ACCOUNTS_DB_PASSWORD",
        "MF_LEDGER_DB_PASSWORD",
        "MF_DISPUTES_DB_PASSWORD",
        "MF_PAYMENTS_DB_PASSWORD",
        "MF_PRINCIPAL_PRIVATE_KEY",
        "MF_PRINCIPAL_PUBLIC_KEY",
        "MF_DATA_ENCRYPTION_KEY",
        "MF_SESSION_SECRET",
    ],
)
def test_empty_required_variable_stops_compose(environment, variable: str) -> None:
    incomplete = {**environment, variable: ""}

    with pytest.raises(MissingVariable) as raised:
        interpolate(raw_compose(), incomplete)

    assert str(raised.value).startswith(f"{variable}: set {variable} in .env")
