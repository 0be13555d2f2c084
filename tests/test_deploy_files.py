"""deploy/ and .env.example against the code they describe (no Docker engine is needed): every
setting the code reads is documented, the compose file sets only settings the code reads, the
image installs what scripts/bootstrap.sh installs, and the backup scripts work."""

from __future__ import annotations

import ast
import configparser
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.config import Settings
from tests import databases

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
ENV_NAME = re.compile(r"(TELEGRAM|GONGDAN|DATABASE)_[A-Z0-9_]+")
# Commented lines that show an example rather than the default.
EXAMPLES = {"DATABASE_URL", "GONGDAN_CLOCK"}


def variables_read_by_config() -> set[str]:
    """The settings (bot/config.py) and the log level (bot/cli.py)."""
    return {node.value for source in ("config.py", "cli.py")
            for node in ast.walk(ast.parse((ROOT / "bot" / source).read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and ENV_NAME.fullmatch(node.value)}


def env_example() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """(active settings, commented ones) of .env.example, checking every line's form."""
    active: dict[str, str] = {}
    commented: list[tuple[str, str]] = []
    for number, line in enumerate((ROOT / ".env.example").read_text("utf-8").splitlines(), 1):
        setting = re.fullmatch(r"(# )?([A-Z][A-Z0-9_]*)=(\S*)", line)
        if setting:
            if setting.group(1):
                commented.append((setting.group(2), setting.group(3)))
            else:
                assert setting.group(2) not in active, f"line {number}: set twice"
                active[setting.group(2)] = setting.group(3)
        else:  # a comment or a blank line; never a setting in a form systemd would misread
            assert line == "" or line.startswith("#"), f"line {number}: {line!r}"
            assert not re.match(r"#?\s*[A-Z_]+\s+=|export ", line), f"line {number}: {line!r}"
    return active, commented


def test_env_example_documents_every_setting_the_code_reads():
    read = variables_read_by_config()
    assert {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "GONGDAN_HTTP_PORT"} <= read  # the scan works
    active, commented = env_example()
    documented = set(active) | {key for key, _ in commented}
    assert read - documented == set(), "add these to .env.example"
    ours = {key for key in documented if ENV_NAME.fullmatch(key)}
    assert ours - read == set(), ".env.example documents settings nobody reads"


def test_env_example_is_a_valid_configuration_with_true_defaults():
    active, commented = env_example()
    settings = Settings.from_env(active)
    settings.check_webhook()  # the compose setup runs --webhook with these
    defaults = Settings.from_env({})
    for key, value in commented:
        if key in EXAMPLES or not value or not ENV_NAME.fullmatch(key):
            continue
        assert replace(Settings.from_env({key: value}), process_name="") == \
            replace(defaults, process_name=""), f"{key}={value} is not the default"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def gongdan_services(spec: dict) -> dict[str, dict]:
    return {name: s for name, s in spec["services"].items()
            if s.get("image", "").startswith("gongdan")}


def test_compose_sets_only_settings_the_code_reads():
    spec, read = compose(), variables_read_by_config()
    services = gongdan_services(spec)
    assert set(services) == {"migrate", "bot"}
    active, commented = env_example()
    documented = set(active) | {key for key, _ in commented}
    for name, service in services.items():
        assert service["env_file"] == ".env"
        assert set(service["environment"]) - read == set(), name
        # What compose fills in from .env is documented there.
        used = re.findall(r"\$\{([A-Z_]+)", yaml.safe_dump(service))
        assert set(used) - documented == set(), name


def test_compose_runs_migrations_once_then_the_bots_behind_the_proxy():
    services = compose()["services"]
    db, migrate, bot, proxy = (services[n] for n in ("db", "migrate", "bot", "proxy"))
    assert db["image"] == "postgres:15" and "healthcheck" in db
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert migrate["command"] == ["db", "upgrade"] and migrate["restart"] == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["command"] == ["run", "--webhook"]
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert "replicas" in bot["deploy"]
    assert "ports" not in bot and "ports" not in migrate  # /metrics stays inside
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    for mount in services["prometheus"]["volumes"]:
        source = mount.split(":")[0]
        if source.startswith("./") and source != "./metrics-token":  # made by the operator
            assert (DEPLOY / source).is_file(), source


def test_the_proxy_balances_over_the_bots_and_hides_metrics():
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    port = compose()["services"]["bot"]["environment"]["GONGDAN_HTTP_PORT"]
    assert re.search(r"@metrics path /metrics\b.*\n\s*respond @metrics 404", caddyfile)
    assert re.search(rf"dynamic a \{{\s*name bot\s*port {port}\b", caddyfile)
    scrape = yaml.safe_load((DEPLOY / "prometheus.yml").read_text("utf-8"))["scrape_configs"][0]
    assert scrape["dns_sd_configs"][0] == {"names": ["bot"], "type": "A", "port": int(port),
                                           "refresh_interval": "15s"}


def dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")


def test_the_image_installs_what_bootstrap_installs():
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    wanted = set(re.findall(r"missing\+=\(([\w.-]+)\)", bootstrap))
    assert wanted == {"libzbar0", "fonts-wqy-microhei"}
    installs = re.findall(r"apt-get install ([^&\n]+)", dockerfile())
    packages = {word for line in installs for word in line.split() if not word.startswith("-")}
    # postgresql-client: pg_dump and pg_restore for `gongdan backup` / `restore`.
    assert packages == wanted | {"postgresql-client"}


def test_the_image_is_slim_unprivileged_and_runs_the_webhook():
    text = dockerfile()
    assert re.findall(r"^FROM (\S+)", text, re.M) == ["python:3.11-slim", "python:3.11-slim"]
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"pip install \.$", text, re.M)  # not editable, no dev extras
    assert "/healthz" in re.search(r"^HEALTHCHECK .*", text, re.M).group(0)
    assert 'ENTRYPOINT ["gongdan"]' in text and 'CMD ["run", "--webhook"]' in text
    assert re.search(r"^VOLUME /srv/gongdan/var$", text, re.M)
    assert re.search(r"^WORKDIR /srv/gongdan$", text, re.M)  # var/ is the volume


def test_the_image_copies_every_package_and_dockerignore_lets_them_in():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    find = re.search(r"\[tool\.setuptools\.packages\.find\]\n.*", pyproject).group(0)
    packages = set(re.findall(r'"(\w+)\*"', find))
    sources = {source for line in dockerfile().splitlines()
               if line.startswith("COPY ") and "--from" not in line
               for source in line.split()[1:-1]}
    assert packages | {"pyproject.toml", "README.md"} == sources
    allowed = {line[1:] for line in (ROOT / ".dockerignore").read_text("utf-8").splitlines()
               if line.startswith("!")}
    assert sources <= allowed, "kept out of the build context by .dockerignore"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


def test_the_systemd_unit_runs_the_bot_and_may_write_var_only():
    service = unit("gongdan.service")["Service"]
    assert service["User"] == "gongdan" and service["Restart"] == "always"
    assert service["EnvironmentFile"] == "/etc/gongdan/gongdan.env"
    assert shlex.split(service["ExecStart"])[1:] == ["run"]
    assert shlex.split(service["ExecStartPre"])[1:] == ["db", "upgrade"]
    assert service["ProtectSystem"] == "strict"
    # The default database (var/gongdan.db) lies under the working directory's var/.
    assert service["ReadWritePaths"] == service["WorkingDirectory"] + "/var"
    assert service["Environment"].startswith("MPLCONFIGDIR=" + service["ReadWritePaths"])
    timer = unit("gongdan-backup.timer")["Timer"]
    assert timer["Persistent"] == "true" and timer["OnCalendar"]
    backup = unit("gongdan-backup.service")["Service"]
    assert backup["ExecStart"].split()[0].endswith("/deploy/backup.sh")
    assert backup["ReadWritePaths"] == service["ReadWritePaths"]


def test_backup_and_restore_scripts(tmp_path):
    env = {**os.environ, "DATABASE_URL": databases.plain_url_for(tmp_path / "gongdan.db"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env=env, cwd=tmp_path,
                   check=True, capture_output=True)
    backups = tmp_path / "backups"
    backups.mkdir()
    old, other = backups / "gongdan-sqlite-20200101T000000Z.tar", backups / "notes.txt"
    for path in (old, other):
        path.write_text("x")
        os.utime(path, (time.time() - 20 * 86400,) * 2)

    made = subprocess.run(["bash", DEPLOY / "backup.sh", backups, "14"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert not old.exists() and other.exists()  # pruned: only its own, only the old ones
    [fresh] = backups.glob("gongdan-*.tar")

    env["DATABASE_URL"] = databases.plain_url_for(tmp_path / "restored.db")
    restored = subprocess.run(["bash", DEPLOY / "restore.sh", fresh], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
    assert restored.returncode == 0, restored.stderr
    assert "restored" in restored.stdout
    refused = subprocess.run(["bash", DEPLOY / "restore.sh", old], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0


@pytest.mark.parametrize("script", ["backup.sh", "restore.sh"])
def test_scripts_are_executable_bash(script):
    path = DEPLOY / script
    assert os.access(path, os.X_OK)
    assert subprocess.run(["bash", "-n", path]).returncode == 0
