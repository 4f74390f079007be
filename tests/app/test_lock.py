"""The lock files pin what pyproject.toml asks for; when they drift apart, the install says so
and names the fix (`make lock`)."""

import shutil
import subprocess
import sys

from app.config import PROJECT_ROOT

CHECK = PROJECT_ROOT / ".ci" / "check_lock.py"


def check(project_dir) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHECK), str(project_dir)], capture_output=True, text=True
    )


def copy_with_pyproject(tmp_path, edit) -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    text = (PROJECT_ROOT / "pyproject.toml").read_text()
    (tmp_path / "pyproject.toml").write_text(edit(text))


def test_the_committed_lock_pins_every_dependency_of_pyproject():
    result = check(PROJECT_ROOT)
    assert result.returncode == 0, result.stderr


def test_a_dependency_added_without_relocking_is_named(tmp_path):
    copy_with_pyproject(
        tmp_path,
        lambda text: text.replace(
            "dependencies = [", 'dependencies = [\n "no-such-package-anywhere>=1",'
        ),
    )
    result = check(tmp_path)
    assert result.returncode == 1
    assert "requirements.txt does not pin no-such-package-anywhere" in result.stderr
    assert "requirements-dev.txt does not pin no-such-package-anywhere" in result.stderr
    assert "make lock" in result.stderr


def test_a_range_the_pinned_version_falls_outside_is_named(tmp_path):
    copy_with_pyproject(tmp_path, lambda text: text.replace('"flask>=3.0,<4"', '"flask>=99"'))
    result = check(tmp_path)
    assert result.returncode == 1
    assert "pins flask==" in result.stderr and "outside 'flask>=99'" in result.stderr
