"""Settings for a cloud under test: a data dir and store of its own, fast password hashing."""

from __future__ import annotations

from pathlib import Path

from adapters.settings import Settings


def make_settings(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = dict(
        data_dir=data_dir, database_url=database_url, admin_password="admin-secret",
        public_url="http://testserver", fast_hashing=True,
        # A host with no worker (most API tests stand in for it) answers no diagnostics: the
        # wait for it ends sooner than a real cloud's.
        host_answer_timeout=5.0,
    )
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
