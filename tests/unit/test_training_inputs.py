"""A stale model is retrained: scripts/train.py's inputs digest covers everything the model is made of."""
import importlib.util
import shutil

import pytest

from sciatica import PROJECT_ROOT


def train_script():
    """scripts/train.py as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("train_script", PROJECT_ROOT / "scripts" / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def train(monkeypatch, tmp_path):
    module = train_script()
    for name in module.INPUTS:
        source, target = PROJECT_ROOT / name, tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    return module


def test_every_training_input_is_in_the_digest():
    module = train_script()
    names = {str(path.relative_to(PROJECT_ROOT)) for path in module.input_files()}
    assert {"config.yml", "domain.yml", "data/rules.yml", "data/stories.yml", "sciatica_rasa/components.py"} <= names
    assert {str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "data" / "nlu").glob("*.yml")} <= names


def test_every_project_component_of_config_yml_is_in_the_digest():
    import yaml

    module = train_script()
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    named = {c["name"].rsplit(".", 1)[0].replace(".", "/") + ".py"
             for c in config["pipeline"] + config["policies"] if c["name"].startswith("sciatica_rasa.")}
    assert len(named) >= 5
    assert named <= {str(path.relative_to(PROJECT_ROOT)) for path in module.input_files()}


@pytest.mark.parametrize("changed", ["data/nlu/summary.yml", "domain.yml", "data/rules.yml", "sciatica_rasa/components.py"])
def test_a_changed_input_changes_the_digest(train, changed):
    before = train.inputs_digest()
    path = train.ROOT / changed
    path.write_bytes(path.read_bytes() + b"\n# changed\n")
    assert train.inputs_digest() != before
