"""A database of its own for a test that runs its own processes (marked browser): a fresh SQLite
file under the test's folder (demo_env), or, when the run is on PostgreSQL (DATABASE_URL), a
fresh PostgreSQL database beside the run's, dropped afterwards."""

import os
import urllib.parse
from contextlib import contextmanager

PG = os.environ.get("DATABASE_URL", "").startswith("postgres")


@contextmanager
def own_database(env: dict, name: str):
    """Point `env` (from scripts.demo_server.demo_env) at a new empty database for the block."""
    if not PG:
        yield env
        return
    import psycopg

    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    database = f"{name}_{os.getpid()}"
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{database}"')
        db.execute(f'CREATE DATABASE "{database}"')
    env["DATABASE_URL"] = url._replace(path=f"/{database}").geturl()
    try:
        yield env
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
