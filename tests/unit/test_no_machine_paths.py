"""No file of the repository names a path of one machine: a clean clone elsewhere must work."""
import subprocess

from sciatica import PROJECT_ROOT

# Written in two parts so that this file does not name it either.
MACHINE_PATH = "/" + "work/"


def test_no_tracked_file_names_an_absolute_path_of_this_machine():
    files = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
    named = []
    for name in filter(None, files.decode().split("\0")):
        path = PROJECT_ROOT / name
        if path.is_file() and MACHINE_PATH in path.read_text(encoding="utf-8", errors="ignore"):
            named.append(name)
    assert named == [], f"absolute paths of a machine in {named}: use paths relative to the repository"
