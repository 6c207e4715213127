"""The in-test TCP proxy in front of PostgreSQL: connections through it fail while it is cut and
work again after it is restored."""

from __future__ import annotations

import socket

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.conftest import PG_ADMIN_URL, pg_reason
from tests.tcpproxy import TcpProxy


@pytest.fixture
def pg_target() -> tuple[str, int]:
    reason = pg_reason()
    if reason:
        pytest.skip(reason)
    url = make_url(PG_ADMIN_URL)
    return str(url.host or "127.0.0.1"), int(url.port or 5432)


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_psycopg_through_the_proxy(pg_target: tuple[str, int]) -> None:
    with TcpProxy(*pg_target) as proxy:
        url = libpq(proxy.url(PG_ADMIN_URL))
        assert f":{proxy.port}/" in url and proxy.port != pg_target[1]
        conn = psycopg.connect(url, connect_timeout=3, autocommit=True)
        try:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert proxy.open_connections() == 1
            proxy.cut()
            with pytest.raises(psycopg.OperationalError):
                conn.execute("SELECT 1")
        finally:
            conn.close()
        with pytest.raises(psycopg.OperationalError):  # refused
            psycopg.connect(url, connect_timeout=3)
        with socket.socket() as s, pytest.raises(ConnectionRefusedError):
            s.connect(proxy.address)
        proxy.restore()
        with psycopg.connect(url, connect_timeout=3) as again:
            assert again.execute("SELECT 2").fetchone() == (2,)
    with socket.socket() as s, pytest.raises(ConnectionRefusedError):
        s.connect(proxy.address)  # closed with the block


@pytest.mark.parametrize("mode", ["reset", "hang"])
def test_reset_and_hang(pg_target: tuple[str, int], mode: str) -> None:
    with TcpProxy(*pg_target) as proxy:
        url = libpq(proxy.url(PG_ADMIN_URL))
        proxy.cut(mode)  # type: ignore[arg-type]
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=1)
        assert proxy.accepted == 1 and proxy.is_cut
        proxy.restore()
        with psycopg.connect(url, connect_timeout=3) as conn:
            assert conn.execute("SELECT 3").fetchone() == (3,)


def test_sqlalchemy_engine_recovers_after_restore(postgres_url: str) -> None:
    with TcpProxy(*pg_target_of(postgres_url)) as proxy:
        engine = create_engine(proxy.url(postgres_url), connect_args={"connect_timeout": 2},
                               pool_pre_ping=True)
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SELECT 1")).scalar() == 1
            proxy.cut()
            with pytest.raises(OperationalError), engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            proxy.restore()
            with engine.connect() as conn:
                assert conn.execute(text("SELECT 1")).scalar() == 1
        finally:
            engine.dispose()


def pg_target_of(url: str) -> tuple[str, int]:
    parsed = make_url(url)
    return str(parsed.host), int(parsed.port or 5432)
