"""The action server process runs the actions without loading TensorFlow."""
import subprocess
import sys

# In a fresh interpreter: the test process itself may already hold TensorFlow.
PROBE = """
import sys
import rasa_sdk.__main__
rasa_sdk.__main__.main = lambda: print("server started")
from sciatica_rasa import action_server
action_server.main()
import actions  # the project's actions, spaCy and all
import thinc.compat
print("tensorflow loaded:", sys.modules.get("tensorflow") is not None, thinc.compat.has_tensorflow)
"""


def test_actions_load_without_tensorflow():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["server started", "tensorflow loaded: False False"]
