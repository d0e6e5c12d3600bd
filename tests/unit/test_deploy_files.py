"""deploy/: the container image, the compose topology and the Kubernetes manifests say only
what is real: every file parses, every MARQUEE_* variable is a setting and every value given
passes the settings' own checks, every command they run is a `marquee` command with options it
takes, the Kubernetes objects validate against the API schemas (kubernetes-validate, offline),
and the autoscalers name metrics that /metrics serves."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import typer.main
import yaml
from prometheus_client import REGISTRY

import marquee.app  # noqa: F401 (registers every metric /metrics serves)
from marquee.cli.main import app as marquee_app
from marquee.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CONTAINERFILE = DEPLOY / "container" / "Containerfile"
COMPOSE = DEPLOY / "compose" / "compose.yaml"
KUBERNETES = DEPLOY / "kubernetes"
KUBERNETES_VERSION = "1.32"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
IMAGE = "marquee"
#: Compose's ${VAR:-default} and ${VAR:?message}: the default, or a stand-in for the required.
INTERPOLATION = re.compile(r"\$\{(\w+)(?::-([^}]*)|:\?[^}]*)\}")
REQUIRED_STAND_IN = "x" * 48


def deploy_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.is_file())


def yaml_documents(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def kubernetes_objects() -> list[dict[str, Any]]:
    return [
        doc
        for path in sorted(KUBERNETES.glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for doc in yaml_documents(path)
    ]


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())  # type: ignore[no-any-return]


def interpolated(value: str) -> str:
    return INTERPOLATION.sub(
        lambda m: m.group(2) if m.group(2) is not None else REQUIRED_STAND_IN, value
    )


def settings_from(env: dict[str, str]) -> Settings:
    """``env``'s MARQUEE_* variables through the settings' checks, as `marquee` would read them."""
    fields = {
        k.removeprefix("MARQUEE_").lower(): v for k, v in env.items() if k.startswith("MARQUEE_")
    }
    complex_fields = {"delivery_edges", "delivery_country_regions"}
    parsed = {k: (yaml.safe_load(v) if k in complex_fields else v) for k, v in fields.items()}
    return load_settings(**parsed)


def marquee_command(args: list[str]) -> Any:
    """The `marquee` (sub)command ``args`` name, once it has parsed the rest of them (a Typer
    click command; an unknown command or option raises)."""
    command: Any = typer.main.get_command(marquee_app)
    rest = list(args)
    while rest and rest[0] in getattr(command, "commands", {}):
        command = command.commands[rest.pop(0)]
    context = command.make_context("marquee", rest)
    if context.args:  # a group left words it has no command for
        raise ValueError(f"Got unexpected extra arguments: {context.args}")
    return command


@pytest.mark.parametrize(
    "path", [p for p in deploy_files() if p.suffix in (".yaml", ".yml")], ids=str
)
def test_every_yaml_file_parses(path: Path) -> None:
    assert yaml_documents(path)


def test_every_marquee_variable_named_in_deploy_is_a_setting() -> None:
    named = {
        name
        for path in deploy_files()
        for name in re.findall(r"\bMARQUEE_[A-Z0-9_]*[A-Z0-9]", path.read_text())
    }
    unknown = {n for n in named if n.removeprefix("MARQUEE_").lower() not in Settings.model_fields}
    assert len(named) > 10
    assert unknown == set()


def test_a_bad_command_is_caught() -> None:
    with pytest.raises(Exception, match="No such option: --rol"):
        marquee_command(["serve", "--rol", "api"])
    with pytest.raises(Exception, match="Got unexpected extra argument"):
        marquee_command(["backups", "create", "/backups/today"])
    marquee_command(["backup", "create", "/backups/today", "--no-objects"])


def test_the_kubernetes_objects_validate_against_the_api_schemas() -> None:
    objects = kubernetes_objects()
    assert {o["kind"] for o in objects} >= {
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "Job",
    }
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_a_wrong_kubernetes_field_is_caught() -> None:
    (hpa, *_) = [o for o in kubernetes_objects() if o["kind"] == "HorizontalPodAutoscaler"]
    broken = {**hpa, "spec": {**hpa["spec"], "maxReplica": 3}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_the_kubernetes_pods_run_marquee_commands_as_non_root() -> None:
    pods = [
        o["spec"]["template"]["spec"]
        for o in kubernetes_objects()
        if o["kind"] in ("Deployment", "Job")
    ]
    for pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            assert container["image"] == IMAGE
            marquee_command(container["args"])
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    assert kustomization["images"] == [{"name": IMAGE, "newTag": VERSION}]
    for resource in kustomization["resources"]:
        assert (KUBERNETES / resource).is_file()


def test_the_kubernetes_settings_pass_the_settings_checks() -> None:
    values: dict[str, str] = {}
    for obj in kubernetes_objects():
        if obj["kind"] in ("ConfigMap", "Secret") and obj["metadata"]["name"] == "marquee":
            values |= obj.get("data", {}) | obj.get("stringData", {})
    settings = settings_from(values)
    assert settings.env == "production"
    assert [edge["region"] for edge in settings.delivery_edges] == ["eu", "us"]


def test_the_autoscalers_scale_on_metrics_marquee_exports() -> None:
    exported = {family.name for family in REGISTRY.collect()}
    adapter = next(
        o for o in kubernetes_objects() if o["metadata"]["name"] == "marquee-prometheus-adapter"
    )
    rules = yaml.safe_load(adapter["data"]["config.yaml"])
    queried = {
        name
        for rule in rules["rules"] + rules["externalRules"]
        for name in re.findall(r"marquee_[a-z_]+", rule["seriesQuery"])
    }
    bases = {name.removesuffix("_bucket") for name in queried}
    assert bases == {"marquee_http_request_duration_seconds", "marquee_jobs_queued"}
    assert bases <= exported
    hpas = [o for o in kubernetes_objects() if o["kind"] == "HorizontalPodAutoscaler"]
    scaled_on = {
        m[m["type"].lower()]["metric"]["name"]
        for h in hpas
        for m in h["spec"]["metrics"]
        if m["type"] != "Resource"
    }
    assert scaled_on == {"marquee_http_request_duration_seconds_p95", "marquee_jobs_queued"}


def test_the_compose_topology_is_whole_and_runs_marquee_commands() -> None:
    services = compose()["services"]
    assert {
        "postgres",
        "redis",
        "rabbitmq",
        "nats",
        "minio",
        "lb",
        "api",
        "worker",
    } <= services.keys()
    assert services["api"]["deploy"]["replicas"] == services["worker"]["deploy"]["replicas"] == 2
    regions = set()
    for service in services.values():
        if service.get("image") != f"{IMAGE}:{VERSION}":
            continue
        command = marquee_command(service["command"])
        if command.name == "edge":
            regions.add(service["command"][service["command"].index("--region") + 1])
    assert regions == {"eu", "us"}
    build = services["migrate"]["build"]
    assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == CONTAINERFILE


def test_the_compose_settings_pass_the_settings_checks() -> None:
    env = {k: interpolated(str(v)) for k, v in compose()["x-marquee-env"].items()}
    settings = settings_from(env)
    assert settings.storage_url.startswith("s3://")
    assert [edge["name"] for edge in settings.delivery_edges] == ["eu-1", "us-1"]


def test_the_files_compose_mounts_exist() -> None:
    for service in compose()["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (COMPOSE.parent / source).is_file(), volume


def test_the_image_is_multi_stage_non_root_and_runs_marquee() -> None:
    lines = [line.strip() for line in CONTAINERFILE.read_text().splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    stages = [line for line in instructions if line.startswith("FROM ")]
    assert any("node" in line.lower() for line in lines if line.startswith("ARG NODE_IMAGE"))
    assert len(stages) >= 3
    final = instructions[instructions.index(stages[-1]) :]
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users
    assert users[-1].split(":")[0] not in ("0", "root")
    assert 'ENTRYPOINT ["marquee"]' in final
    cmd = next(line for line in final if line.startswith("CMD "))
    marquee_command(yaml.safe_load(cmd.removeprefix("CMD ")))
    for line in instructions:
        if line.startswith("COPY ") and "--from=" not in line:
            for source in shlex.split(line)[1:-1]:
                assert (ROOT / source).exists(), line


def test_docker_compose_accepts_the_file() -> None:
    docker = shutil.which("docker")
    has_compose = (
        docker is not None
        and subprocess.run(
            [docker, "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    )
    if not has_compose:
        pytest.skip("docker compose is not installed (the Compose plugin of Docker)")
    checked = subprocess.run(
        [str(docker), "compose", "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        env={"MARQUEE_SECRET_KEY": REQUIRED_STAND_IN, "PATH": "/usr/bin:/bin"},
    )
    assert checked.returncode == 0, checked.stderr
