"""Nova 2.86's validation of flavor extra specs (POST /flavors/{id}/os-extra_specs and PUT of
one key), with the rules of api/extra_spec_rules.py and Nova's messages: a known spec's value
must be of its kind; a name in a known namespace that no rule knows is refused; a name without
a namespace, or in a namespace no rule names, is taken as it is."""

from __future__ import annotations

import re

from api.extra_spec_rules import RULES, Rule
from domain.errors import InvalidInput

BY_NAME = {rule.name: rule for rule in RULES}
NAMESPACES = {re.split(r"[:(]", rule.name, maxsplit=1)[0] for rule in RULES if ":" in rule.name}
TRUE = ("1", "t", "true", "on", "y", "yes")
FALSE = ("0", "f", "false", "off", "n", "no")


def check_spec(name: str, value: str) -> None:
    rule = BY_NAME.get(name) or next((r for r in RULES if re.fullmatch(r.name, name)), None)
    if rule is not None:
        check_value(rule, value)
        return
    if ":" not in name:
        return
    namespace = name.split(":", 1)[0]
    if not any(re.fullmatch(f"{known}{rule_group(known)}", namespace) for known in NAMESPACES):
        return
    raise InvalidInput(f"Validation failed; extra spec '{name}' does not appear to be a valid "
                       f"extra spec.")


def rule_group(namespace: str) -> str:
    """`resources` and `trait` take a request group's suffix (resources1:VCPU)."""
    return r"([a-zA-Z0-9_-]{1,64})?" if namespace in ("resources", "trait") else ""


def check_value(rule: Rule, value: str) -> None:
    if rule.kind == "bool":
        if value.strip().lower() not in TRUE + FALSE:
            raise InvalidInput(f"Validation failed; '{value}' is not a valid boolean-like "
                               "value.")
    elif rule.kind == "int":
        check_int(rule, value)
    elif rule.pattern is not None and not re.fullmatch(rule.pattern, value):
        raise InvalidInput(f"Validation failed; '{value}' is not of the format "
                           f"'{rule.pattern}'.")
    elif rule.enum and value not in rule.enum:
        raise InvalidInput(f"Validation failed; '{value}' is not one of: "
                           f"{', '.join(rule.enum)}.")


def check_int(rule: Rule, value: str) -> None:
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(f"Validation failed; '{value}' is not a valid integer "
                           "value.") from None
    if rule.maximum is not None and rule.maximum < number:
        raise InvalidInput(f"Validation failed; '{value}' is greater than the max value of "
                           f"'{rule.maximum}'.")
    if rule.minimum is not None and rule.minimum > number:
        raise InvalidInput(f"Validation failed; '{value}' is less than the min value of "
                           f"'{rule.minimum}'.")
