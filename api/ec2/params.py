"""EC2 Query parameters: flat `Name=value` pairs where lists are numbered (`KeyName.1`,
`InstanceId.2`) and structures dotted (`Filter.1.Name`, `Filter.1.Value.1`,
`Placement.AvailabilityZone`), as botocore's EC2 serializer writes them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.ec2.errors import invalid_value, missing

MAX_LIST = 1000


@dataclass(frozen=True)
class Params:
    values: dict[str, str]

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def required(self, name: str) -> str:
        value = self.values.get(name)
        if value is None or value == "":
            raise missing(name)
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.values.get(name)
        if value is None:
            return default
        if not re.fullmatch(r"-?\d{1,10}", value) or not low <= int(value) <= high:
            raise invalid_value(name, value, f"It must be an integer from {low} to {high}.")
        return int(value)

    def boolean(self, name: str) -> bool:
        value = self.values.get(name, "false").lower()
        if value not in ("true", "false"):
            raise invalid_value(name, value, "It must be true or false.")
        return value == "true"

    def listed(self, name: str) -> list[str]:
        """`name.1`, `name.2`, ... in their numbered order."""
        return [v for _, v in sorted(self._numbered(name).items())]

    def _numbered(self, name: str) -> dict[int, str]:
        pattern = re.compile(re.escape(name) + r"\.(\d{1,4})")
        found = {int(m[1]): v for k, v in self.values.items() if (m := pattern.fullmatch(k))}
        if len(found) > MAX_LIST:
            raise invalid_value(name, str(len(found)), f"At most {MAX_LIST} values.")
        return found

    def listed_field(self, name: str, field: str) -> list[str]:
        """`name.1.field`, `name.2.field`, ... in their numbered order."""
        pattern = re.compile(re.escape(name) + r"\.(\d{1,4})\." + re.escape(field))
        found = {int(m[1]): v for k, v in self.values.items() if (m := pattern.fullmatch(k))}
        return [v for _, v in sorted(found.items())]

    def filters(self) -> dict[str, list[str]]:
        """`Filter.N.Name` with its `Filter.N.Value.M`s."""
        result: dict[str, list[str]] = {}
        for key, value in self.values.items():
            match = re.fullmatch(r"Filter\.(\d{1,4})\.Name", key)
            if match:
                values = self.listed(f"Filter.{match[1]}.Value")
                if not values:
                    raise missing(f"Filter.{match[1]}.Value")
                result.setdefault(value, []).extend(values)
        return result
