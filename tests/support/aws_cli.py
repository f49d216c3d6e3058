"""The AWS CLI (`awscli` from PyPI, unmodified) against the EC2 front end: `aws ec2 ...` run in
this process by the CLI's own entry point (awscli.clidriver, what the `aws` script calls), so a
command costs no interpreter start. Its credentials and region come from the environment, as a
user's shell would give them; no config or credentials file is read."""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from typing import Any

from awscli.clidriver import create_clidriver


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class AwsCli:
    def __init__(self, url: str, access: str, secret: str, region: str = "RegionOne") -> None:
        self.url = f"{url}/ec2/"
        self.env = {"AWS_ACCESS_KEY_ID": access, "AWS_SECRET_ACCESS_KEY": secret,
                    "AWS_DEFAULT_REGION": region, "AWS_CONFIG_FILE": os.devnull,
                    "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_PAGER": "",
                    "AWS_MAX_ATTEMPTS": "1"}

    def run(self, *args: str) -> tuple[int, str, str]:
        """`aws --endpoint-url URL --output json ARGS...`: exit code, stdout, stderr."""
        out, err = io.StringIO(), io.StringIO()
        with environment(self.env), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            code = create_clidriver().main(
                ["--endpoint-url", self.url, "--output", "json", *args])
        return code, out.getvalue(), err.getvalue()

    def __call__(self, *args: str) -> Any:
        """The JSON a command that must succeed prints."""
        code, out, err = self.run(*args)
        assert code == 0, f"aws {' '.join(args)} exited {code}: {err}"
        return json.loads(out) if out.strip() else None
