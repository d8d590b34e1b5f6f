"""The commands (write side) of each reference service, by domain; see ``_commands`` for the contract."""

from __future__ import annotations

from reference_services import (
    commands_access,
    commands_account,
    commands_notifications,
    commands_platform,
    commands_storage,
    commands_workloads,
)
from reference_services._commands import Command

COMMANDS: dict[str, tuple[Command, ...]] = {
    "workloads": commands_workloads.COMMANDS,
    "storage": commands_storage.COMMANDS,
    "access": commands_access.COMMANDS,
    "account": commands_account.COMMANDS + commands_notifications.COMMANDS,
    "platform": commands_platform.COMMANDS,
}
