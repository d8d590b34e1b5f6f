"""What a launch sends to the workloads service arrives whole: environment, command and image included."""

from __future__ import annotations

from tests.idempotency_support import LAUNCH_COMPUTE, compute_input, key
from tests.support import GatewayHarness

WORKLOAD_CONFIG = """query($id: ID!) { workload(id: $id) {
  tabs { config { image command environment { name value } } } } }"""


async def test_a_compute_launch_keeps_its_environment_and_command(harness: GatewayHarness) -> None:
    given = compute_input(
        "env-box",
        image={
            "image": "nvcr.io/nvidia/pytorch:24.10-py3",
            "command": "python train.py",
            "env": [{"name": "EPOCHS", "value": "3"}, {"name": "DATASET", "value": "imagenet"}],
        },
    )
    body = await harness.query(LAUNCH_COMPUTE, {"input": {**given, "idempotencyKey": key("env")}}, persona="member")
    launched = body["data"]["launchCompute"]
    assert launched["userErrors"] == [], launched
    read = await harness.query(WORKLOAD_CONFIG, {"id": launched["workload"]["id"]}, persona="member")
    config = read["data"]["workload"]["tabs"]["config"]
    assert config["command"] == "python train.py"
    assert config["environment"] == [{"name": "EPOCHS", "value": "3"}, {"name": "DATASET", "value": "imagenet"}]
