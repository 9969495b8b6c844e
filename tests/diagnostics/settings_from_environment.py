"""Test settings whose realtime configuration comes from the environment (subprocess tests).

``CHECK_BACKEND`` names the backend; ``CHECK_OPTIONS`` holds its options as JSON.
"""

import json
import os

from tests.settings import *  # noqa: F403

REALTIME_BACKEND = os.environ["CHECK_BACKEND"]
REALTIME_OPTIONS = {REALTIME_BACKEND: json.loads(os.environ.get("CHECK_OPTIONS", "{}"))}
