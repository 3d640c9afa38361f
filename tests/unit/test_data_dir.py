"""SCIATICA_DATA_DIR points every content loader at another folder."""
import os
import subprocess
import sys

from sciatica import DATA_DIR, DATA_DIR_ENV, PROJECT_ROOT


def data_dir_in_a_fresh_process(env_value):
    env = {key: value for key, value in os.environ.items() if key != DATA_DIR_ENV}
    if env_value is not None:
        env[DATA_DIR_ENV] = str(env_value)
    code = (
        "import sciatica.catalog, sciatica.triage, sciatica.language;"
        "print(sciatica.catalog.DEFAULT_CATALOG_PATH);"
        "print(sciatica.triage.DEFAULT_RED_FLAGS_PATH);"
        "print(sciatica.language.LANGUAGES_PATH)"
    )
    output = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return output.stdout.split()


def test_the_default_is_the_project_data_folder():
    assert DATA_DIR == PROJECT_ROOT / "data"
    paths = data_dir_in_a_fresh_process(None)
    assert all(path.startswith(str(PROJECT_ROOT / "data")) for path in paths)


def test_the_environment_variable_moves_every_loader(tmp_path):
    paths = data_dir_in_a_fresh_process(tmp_path)
    assert paths == [
        str(tmp_path / "catalog" / "exercises.yml"),
        str(tmp_path / "triage" / "red_flags.yml"),
        str(tmp_path / "nlp" / "languages.yml"),
    ]
