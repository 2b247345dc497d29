"""The ONIX record against EDItEUR's ONIX 3.0 schema (reference tags), as onixcheck ships it:
what a distributor's loader would refuse, found before the file leaves the press."""

from __future__ import annotations

from pathlib import Path

from ..errors import Problem


def onix_problems(path: Path) -> list[Problem]:
    import onixcheck

    found = []
    for message in onixcheck.validate(str(path), schemas=("xsd",)):
        _, line, column = (message.location.rsplit(":", 2) + ["0", "0"])[:3]
        found.append(Problem(path, int(line) if line.isdigit() else 0,
                             int(column) if column.isdigit() else 0, "E015",
                             f"ONIX 3.0 schema: {message.message}"))
    return found
