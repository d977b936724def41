"""Helpers of the deployment tests: running the deploy/ scripts and reaching PostgreSQL."""

from __future__ import annotations

import importlib.util
import os
import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from services.registry import SERVICE_NAMES
from services.runtime.engines import EmbeddedPostgres, postgres_bin_dir

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DIR = REPO_ROOT / "deploy"
INIT_SCRIPT = DEPLOY_DIR / "postgres" / "init" / "10-service-databases.sh"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load_deploy_script(file_name: str) -> ModuleType:
    """Import a script of deploy/ by path; its file name may contain a hyphen."""
    path = DEPLOY_DIR / file_name
    module_name = "deploy_" + path.stem.replace("-", "_")
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_deploy_script(file_name: str, *arguments: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    """Run a Python script of deploy/ with this interpreter and only ``environment`` plus PATH."""
    return subprocess.run(
        [sys.executable, str(DEPLOY_DIR / file_name), *arguments],
        env={"PATH": os.environ.get("PATH", ""), **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


@dataclass
class PostgresServer:
    """A running PostgreSQL server and the variables that reach it as superuser."""

    server: EmbeddedPostgres

    @property
    def port(self) -> int:
        return self.server.port

    def dsn(self, user: str, password: str, database: str) -> str:
        return self.server.dsn(user, password, database)

    def init_script_environment(self, passwords: dict[str, str]) -> dict[str, str]:
        """Environment of the init script: libpq variables, psql on PATH and the role passwords."""
        environment = {
            "PATH": f"{postgres_bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}",
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.server.port),
            "PGPASSWORD": self.server.superuser_password,
            "POSTGRES_USER": "postgres",
        }
        for service, password in passwords.items():
            environment[f"MF_{service.upper()}_DB_PASSWORD"] = password
        return environment

    def run_init_script(self, passwords: dict[str, str], **extra: str) -> subprocess.CompletedProcess:
        environment = self.init_script_environment(passwords)
        environment.update(extra)
        return subprocess.run(
            ["bash", str(INIT_SCRIPT)], env=environment, capture_output=True, text=True, timeout=120
        )


def database_urls(server: PostgresServer, passwords: dict[str, str]) -> dict[str, str]:
    """Return MF_<SERVICE>_DATABASE_URL of each service, as Compose gives them to `migrate`."""
    return {
        f"MF_{service.upper()}_DATABASE_URL": server.dsn(service, password, service)
        for service, password in passwords.items()
    }


def new_passwords() -> dict[str, str]:
    return {service: secrets.token_urlsafe(16) for service in SERVICE_NAMES}
