"""Writes web/samples.json: the web page's test images, the first test image of each digit.

From scikit-learn's bundled digits (no download), the demo's test split
(:func:`eternal.examples.digits_data`): 8x8 pixels, integers 0..16, as the demo model takes them.

``PYTHONPATH=python .venv/bin/python scripts/make_web_samples.py [web/samples.json]``
"""

import json
import sys
from pathlib import Path

import numpy as np

from eternal.examples import digits_data


def web_samples() -> list[dict]:
    """``[{"label": digit, "test_index": i, "pixels": 8 rows of 8 ints}]``, digits 0..9."""
    _, _, x_test, y_test = digits_data()
    samples = []
    for digit in range(10):
        index = int(np.flatnonzero(y_test == digit)[0])
        pixels = x_test[index, :, :, 0]
        assert np.array_equal(pixels, np.rint(pixels)), "load_digits pixels are integers"
        samples.append({"label": digit, "test_index": index, "pixels": pixels.astype(int).tolist()})
    return samples


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "web/samples.json")
    target.write_text(json.dumps(web_samples(), separators=(",", ":")) + "\n")
    print(f"wrote {target} (10 test images)")
