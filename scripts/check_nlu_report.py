"""Fail when the NLU test on the held-out file falls below the agreed scores."""
from __future__ import annotations

import json
import sys
from pathlib import Path

MIN_INTENT_ACCURACY = 0.85
MIN_INTENT_MACRO_F1 = 0.80


def main(results_dir: str) -> int:
    report = json.loads((Path(results_dir) / "intent_report.json").read_text())
    accuracy = report["accuracy"]
    macro_f1 = report["macro avg"]["f1-score"]
    print(f"held-out NLU: intent accuracy {accuracy:.3f}, macro F1 {macro_f1:.3f}")
    worst = sorted(
        (name, scores["f1-score"]) for name, scores in report.items()
        if isinstance(scores, dict) and "f1-score" in scores and name not in {"macro avg", "weighted avg", "micro avg"}
    )
    for name, f1 in sorted(worst, key=lambda item: item[1])[:5]:
        print(f"  lowest F1: {name} {f1:.3f}")
    if accuracy < MIN_INTENT_ACCURACY or macro_f1 < MIN_INTENT_MACRO_F1:
        print(
            f"held-out NLU below target (accuracy >= {MIN_INTENT_ACCURACY}, "
            f"macro F1 >= {MIN_INTENT_MACRO_F1})",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "results/nlu"))
