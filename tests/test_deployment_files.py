"""The Dockerfile and docker-compose.yml hold what `make prod-check` proves without Docker: a
two-stage build, the built wheel installed (never editable), the system packages WeasyPrint opens,
a non-root user owning the media folder the compose volume mounts, a health check, no secret."""

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import weasyprint
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
APT_LIST = ROOT / "bin" / "runtime-apt-packages.txt"

# The Debian (bookworm) package of each library WeasyPrint opens. A WeasyPrint that opens another
# one fails test_the_image_installs_every_library_weasyprint_opens until it is added here and to
# bin/runtime-apt-packages.txt.
DEBIAN_PACKAGE_OF = {
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libpango-1.0.so.0": "libpango-1.0-0",
    "libharfbuzz.so.0": "libharfbuzz0b",
    "libharfbuzz-subset.so.0": "libharfbuzz-subset0",
    "libfontconfig.so.1": "libfontconfig1",
    "libpangoft2-1.0.so.0": "libpangoft2-1.0-0",
}


def instructions(stage: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a stage's text, continuation lines joined, comments left out."""
    joined = re.sub(
        r"\\\n\s*", " ", "\n".join(line for line in stage.splitlines() if not line.lstrip().startswith("#"))
    )
    result = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


STAGES = [instructions(stage) for stage in re.split(r"^(?=FROM )", DOCKERFILE, flags=re.MULTILINE)[1:]]
BUILD, RUNTIME = STAGES[0], STAGES[-1]


def arguments(stage: list[tuple[str, str]], instruction: str) -> list[str]:
    return [rest for word, rest in stage if word == instruction]


def apt_packages() -> set[str]:
    lines = APT_LIST.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_the_image_is_built_in_two_stages_on_python_3_11() -> None:
    assert len(STAGES) >= 2
    assert all(arguments(stage, "FROM")[0].startswith("python:3.11-slim-bookworm") for stage in STAGES)
    assert " AS " in arguments(BUILD, "FROM")[0].upper()


def test_the_build_stage_copies_every_package_the_wheel_holds() -> None:
    copied = {path for rest in arguments(BUILD, "COPY") for path in shlex.split(rest)[:-1]}
    packages = {pattern.rstrip("*") for pattern in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages | {"pyproject.toml", "requirements.lock", "README.md"} <= copied


def test_the_runtime_installs_the_built_wheels_only_and_not_editable() -> None:
    runs = " ".join(arguments(RUNTIME, "RUN"))
    installs = [run for run in arguments(RUNTIME, "RUN") if "pip install" in run]
    assert installs
    assert all("--no-index" in run for run in installs)
    assert not re.search(r"(\s-e\s|--editable)", " ".join(installs))
    assert "from=build" in " ".join(installs)
    # No source tree and no compiler in the runtime stage: only the apt list is copied in.
    assert all("--from=" in rest or "runtime-apt-packages.txt" in rest for rest in arguments(RUNTIME, "COPY"))
    assert not re.search(r"\b(gcc|build-essential|-dev)\b", runs)


def test_the_image_installs_the_apt_list_of_prod_check() -> None:
    runs = " ".join(arguments(RUNTIME, "RUN"))
    assert any("bin/runtime-apt-packages.txt" in rest for rest in arguments(RUNTIME, "COPY"))
    assert re.search(r"runtime-apt-packages\.txt \| xargs apt-get install", runs)
    prod_check = (ROOT / "bin" / "prod-check").read_text(encoding="utf-8")
    assert "bin/runtime-apt-packages.txt" in prod_check


def test_the_image_installs_every_library_weasyprint_opens() -> None:
    weasyprint_ffi = Path(str(weasyprint.__file__)).parent / "text" / "ffi.py"
    calls = re.findall(r"_dlopen\(\s*ffi,\s*('.*?)\)", weasyprint_ffi.read_text(encoding="utf-8"), flags=re.DOTALL)
    names = {call: re.findall(r"'(lib[\w.+-]+\.so\.\d+)'", call) for call in calls}
    assert all(len(found) == 1 for found in names.values()), names
    required = {found[0] for call, found in names.items() if "allow_fail=True" not in call}
    optional = {found[0] for call, found in names.items() if "allow_fail=True" in call}
    assert "libpango-1.0.so.0" in required
    unknown = required - DEBIAN_PACKAGE_OF.keys()
    assert not unknown, f"WeasyPrint opens libraries without a known Debian package: {unknown}"
    wanted = {DEBIAN_PACKAGE_OF[name] for name in required | optional if name in DEBIAN_PACKAGE_OF}
    assert wanted <= apt_packages()
    assert any(package.startswith("fonts-") for package in apt_packages()), "PDFs need fonts"


def test_the_runtime_user_is_not_root_and_owns_the_media_folder() -> None:
    users = arguments(RUNTIME, "USER")
    assert users
    assert users[-1] not in ("root", "0")
    media_root = dict(re.findall(r"(\w+)=(\S+)", " ".join(arguments(RUNTIME, "ENV"))))["MEDIA_ROOT"]
    runs = " ".join(arguments(RUNTIME, "RUN"))
    assert re.search(rf"useradd[^&]*--uid 1000 {users[-1]}", runs)
    assert re.search(rf"mkdir -p [^&]*{re.escape(media_root)}", runs)
    assert re.search(rf"chown -R {users[-1]}(:\w+)? /app\b", runs)
    assert media_root.startswith("/app/")


def test_the_image_has_a_health_check_against_healthz() -> None:
    (check,) = arguments(RUNTIME, "HEALTHCHECK")
    assert "alliance.healthcheck" in check
    assert "/healthz" in (ROOT / "alliance" / "healthcheck.py").read_text(encoding="utf-8")


def test_no_secret_is_baked_into_the_image() -> None:
    assert not any(
        re.search(r"SECRET|PASSWORD|KEY", rest) for rest in arguments(RUNTIME, "ENV") + arguments(BUILD, "ENV")
    )
    assert not arguments(RUNTIME, "ARG")
    assert not arguments(BUILD, "ARG")
    values = re.findall(r"SECRET_KEY=(\S+)", DOCKERFILE)
    # The one value: collectstatic's placeholder, set for that command only.
    assert values == ["build-only-not-a-secret"]
    assert re.search(
        r"SECRET_KEY=build-only-not-a-secret [^&]*alliance-admin collectstatic", " ".join(arguments(RUNTIME, "RUN"))
    )


def test_web_workers_and_beat_run_the_same_image() -> None:
    services = COMPOSE["services"]
    apps = {name: services[name] for name in ("migrate", "web", "worker", "beat")}
    assert {(service["image"], service["build"]) for service in apps.values()} == {("alliance-tracker", ".")}
    assert "gunicorn" in apps["web"]["command"]
    assert "celery -A alliance beat" in apps["beat"]["command"]


def test_each_worker_has_a_host_name_of_its_own() -> None:
    command = COMPOSE["services"]["worker"]["command"]
    assert "celery -A alliance worker" in command
    assert re.search(r"\s-n \S+@%h\b", command)


def test_the_media_volume_is_mounted_at_the_images_media_root() -> None:
    media_root = dict(re.findall(r"(\w+)=(\S+)", " ".join(arguments(RUNTIME, "ENV"))))["MEDIA_ROOT"]
    for name in ("migrate", "web", "worker", "beat"):
        assert f"media:{media_root}" in COMPOSE["services"][name]["volumes"]
    assert "media" in COMPOSE["volumes"]
    assert COMPOSE["services"]["web"]["environment"]["DEBUG"] == "false"
    assert COMPOSE["services"]["web"]["environment"]["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_the_wheel_holds_the_templates_static_files_and_reference_sources(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for rest in arguments(BUILD, "COPY"):
        for path in shlex.split(rest)[:-1]:
            copy = shutil.copytree if (ROOT / path).is_dir() else shutil.copy
            (source / path).parent.mkdir(parents=True, exist_ok=True)
            copy(ROOT / path, source / path)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp_path, source],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("alliance_tracker-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        held = set(archive.namelist())
        entry_points = next(name for name in held if name.endswith(".dist-info/entry_points.txt"))
        assert "alliance-admin = alliance.__main__:main" in archive.read(entry_points).decode()
    packages = [pattern.rstrip("*") for pattern in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]]
    files = {
        path.relative_to(source).as_posix()
        for package in packages
        for path in (source / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(".pyc")
    }
    assert files - held == set()
    assert "alliance/templates/base.html" in held
    assert any(name.startswith("alliance/static/css/") for name in held)
    assert any(name.startswith("commitments/reference/sources/") for name in held)
    # The compiled catalogues (make compiles them in the checkout, the build stage in the image).
    assert {f"alliance/locale/{language}/LC_MESSAGES/django.mo" for language in ("fr", "es")} <= held


def test_the_build_stage_compiles_the_translations_before_the_wheel() -> None:
    runs = [(index, rest) for index, (word, rest) in enumerate(BUILD) if word == "RUN"]
    compile_step, compile_command = next((index, rest) for index, rest in runs if "bin/compile-messages" in rest)
    wheel_step = next(index for index, rest in runs if "pip wheel" in rest)
    assert compile_step < wheel_step
    assert "gettext" in compile_command
    assert "*.mo" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("target", ["prod-check"])
def test_make_has_the_prod_check_target_ci_runs(target: str) -> None:
    assert re.search(rf"^{target}:", (ROOT / "Makefile").read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert f"make {target}" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
