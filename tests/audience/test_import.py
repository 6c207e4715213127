"""``survey-bot customers import`` on SQLite and PostgreSQL: bad rows with their line numbers and
reasons, a BOM, JSON lines, typed attributes that compare as numbers in SQL, a dry run that
writes nothing, a re-import that updates, the same result as ``upsert_customer``, and the
files that cannot be imported at all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from adapters.cli import main
from bot import store
from bot.audience.customers import CustomerRecord, customer_of, upsert_customer
from bot.audience.importer import ImportResult, import_customers
from bot.audience.records import parse_record
from bot.audience.source import open_source
from bot.campaign_tables import Customer, CustomerAttribute, LinkToken
from bot.db import Database, open_database
from bot.models import Respondent
from tests.test_cli_failures import assert_one_line

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    return database_url


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def run(db: Database, path: Path, *, dry_run: bool = False, batch: int = 1000) -> ImportResult:
    return import_customers(db, open_source(path), now=NOW, dry_run=dry_run, batch=batch)


def customers(db: Database) -> dict[str, Customer]:
    with Session(db.read_engine) as s:
        return {c.external_id or "": c for c in s.exec(select(Customer))}


def attributes(db: Database, external_id: str) -> dict[str, tuple[str, str, Any, Any]]:
    with Session(db.read_engine) as s:
        rows = s.exec(select(CustomerAttribute).join(
            Customer, col(Customer.id) == col(CustomerAttribute.customer_id)).where(
            Customer.external_id == external_id))
        return {a.name: (a.kind, a.text_value, a.number_value, a.date_value) for a in rows}


def count(db: Database, model: type) -> int:
    with Session(db.read_engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


BAD_ROWS = """external_id,telegram_id,email,language,timezone,revenue:number,signed_up:date
c1,1001,ana@example.com,ro-RO,Europe/Bucharest,1200,2026-01-02
c2,,not-an-email,,,,
,1003,,,,,
c4,,,klingon,,,
c5,,,,Mars/Olympus,,
c6,,,,,a lot,
c7,,,,,,2026-02-30
c1,1008,,,,,
c9,1001,,,,,
c10,,,,
c11,12x,,,,,
c12,,,zh-hans,,99.5,
"""


def test_bad_rows_are_rejected_with_their_line_and_reason(db: Database, tmp_path: Path) -> None:
    result = run(db, write(tmp_path, "c.csv", BAD_ROWS), batch=3)
    assert (result.imported, result.updated) == (2, 0)
    reasons = {r.line: r.reason for r in result.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert reasons[3] == "bad email 'not-an-email'"
    assert reasons[4] == "missing external_id"
    assert reasons[5].startswith("bad language 'klingon'")
    assert reasons[6].startswith("bad timezone 'Mars/Olympus'")
    assert reasons[7] == "attribute 'revenue': 'a lot' is not a number"
    assert reasons[8] == "attribute 'signed_up': '2026-02-30' is not a date (YYYY-MM-DD)"
    assert reasons[9] == "external_id 'c1' again (first on line 2, which is the one imported)"
    assert reasons[10] == "telegram_id 1001 is given to 'c1' on line 2 already"
    assert reasons[11] == "5 fields where the header has 7"
    assert reasons[12] == "bad telegram_id '12x'"
    stored = customers(db)
    assert set(stored) == {"c1", "c12"}
    assert stored["c1"].language == "ro" and stored["c12"].language == "zh"
    assert stored["c1"].timezone == "Europe/Bucharest"


def test_an_account_bound_to_another_imported_customer_is_refused(db: Database,
                                                                  tmp_path: Path) -> None:
    run(db, write(tmp_path, "a.csv", "external_id,telegram_id,slack_id\na,500,U500\n"))
    result = run(db, write(tmp_path, "b.csv", "external_id,slack_id\nb,U500\nc,U501\n"))
    assert [(r.line, r.reason) for r in result.rejected] == [
        (2, "slack_id U500 belongs to the imported customer 'a' already")]
    assert result.imported == 1
    with Session(db.read_engine) as s:
        owner = s.exec(select(Customer.external_id).join(
            Respondent, col(Respondent.customer_id) == col(Customer.id)).where(
            Respondent.platform_user_id == "U500")).one()
    assert owner == "a"


def test_bom_jsonl_and_numbers_compared_as_numbers(db: Database, tmp_path: Path) -> None:
    bom = "\ufeffexternal_id,plan,revenue\nn1,pro,9\nn2,pro,10\nn3,free,100.5\n".encode()
    assert run(db, write(tmp_path, "bom.csv", bom)).imported == 3
    lines = [
        {"external_id": "j1", "telegram_id": 7001, "revenue": 250, "vip": True,
         "signed_up": "2026-03-04", "attributes": {"plan": "enterprise"}},
        {"external_id": "j2", "revenue": 8.25, "plan": "free", "name": "  Zoë  "},
        "not json {",
        ["a", "list"],
        {"external_id": "j5", "tags": ["a", "b"]},
    ]
    body = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    result = run(db, write(tmp_path, "c.jsonl", body))
    assert result.imported == 2
    reasons = {r.line: r.reason for r in result.rejected}
    assert reasons[3].startswith("malformed JSON")
    assert reasons[4] == "not a JSON object"
    assert reasons[5] == "attribute 'tags': a list or an object is not a value"
    assert attributes(db, "j1") == {
        "plan": ("text", "enterprise", None, None), "revenue": ("number", "250", 250.0, None),
        "vip": ("text", "true", None, None),
        "signed_up": ("date", "2026-03-04", None, datetime(2026, 3, 4).date())}
    assert customers(db)["j2"].name == "Zoë"
    with Session(db.read_engine) as s:
        over = s.connection().execute(text(
            "SELECT c.external_id FROM customer_attributes a JOIN customers c "
            "ON c.id = a.customer_id WHERE a.name = 'revenue' AND a.number_value > 9.5 "
            "ORDER BY a.number_value")).all()
    # As text, '10' < '9.5' and '100.5' < '9.5': numbers compare as numbers.
    assert [row[0] for row in over] == ["n2", "n3", "j1"]
    with Session(db.read_engine) as s:
        person = store.find_respondent(session=s, channel="telegram", user_id="7001")
        assert person is not None and person.chat_id == "7001"


def test_dry_run_writes_nothing_and_reimport_updates(db: Database, tmp_path: Path) -> None:
    first = write(tmp_path, "c.csv", "external_id,name,email,telegram_id,plan\n"
                  "u1,Ana,ana@example.com,301,pro\nu2,Bo,bo@example.com,,free\n")
    dry = run(db, first, dry_run=True)
    assert (dry.imported, dry.updated, dry.rejected, dry.dry_run) == (2, 0, [], True)
    assert count(db, Customer) == 0 and count(db, Respondent) == 0
    assert count(db, CustomerAttribute) == 0
    assert (run(db, first).imported, count(db, Respondent)) == (2, 1)
    again = write(tmp_path, "d.csv", "external_id,name,email,plan,seats\n"
                  "u1,Ana Pop,,enterprise,12\nu3,Cy,cy@example.com,free,1\n")
    dry = run(db, again, dry_run=True)
    assert (dry.imported, dry.updated) == (1, 1)
    assert customers(db)["u1"].name == "Ana"
    result = run(db, again)
    assert (result.imported, result.updated, result.rejected) == (1, 1, [])
    stored = customers(db)
    assert stored["u1"].name == "Ana Pop"
    assert stored["u1"].email == "ana@example.com"  # an empty cell leaves the value
    assert attributes(db, "u1") == {"plan": ("text", "enterprise", None, None),
                                    "seats": ("number", "12", 12.0, None)}
    assert count(db, Customer) == 3


ACCOUNT_PREFIX = {"a": ("1", "UA"), "b": ("2", "UB")}
"""Each side's accounts: telegram ids start with 1 or 2, Slack ids with UA or UB."""


def snapshot(db: Database, prefix: str) -> list[Any]:
    """Everything stored about the customers whose external ids start with ``prefix``, with
    the prefixes taken off (ids and times left out)."""
    tg, sl = ACCOUNT_PREFIX[prefix]

    def plain(channel: str, user_id: str) -> str:
        return user_id[len(tg):] if channel == "telegram" else "U" + user_id[len(sl):]

    out: list[Any] = []
    with Session(db.read_engine) as s:
        for c in s.exec(select(Customer).where(col(Customer.external_id).startswith(prefix))
                        .order_by(col(Customer.external_id))):
            attrs = sorted((a.name, a.kind, a.text_value, a.number_value, a.date_value)
                           for a in s.exec(select(CustomerAttribute).where(
                               CustomerAttribute.customer_id == c.id)))
            people = sorted((r.channel, plain(r.channel, r.platform_user_id),
                             plain(r.channel, r.chat_id) if r.chat_id else "", r.locale,
                             r.locale_chosen, r.display_name, r.opted_out)
                            for r in s.exec(select(Respondent).where(
                                Respondent.customer_id == c.id)))
            out.append(((c.external_id or "")[len(prefix):], c.email, c.name, c.language,
                        c.timezone, c.slack_lookup_at, attrs, people))
    return out


def prefixed(row: dict[str, str], prefix: str) -> dict[str, str]:
    tg, sl = ACCOUNT_PREFIX[prefix]
    out = dict(row, external_id=prefix + row["external_id"])
    if "telegram_id" in row:
        out["telegram_id"] = tg + row["telegram_id"]
    if "slack_id" in row:
        out["slack_id"] = sl + row["slack_id"][1:]
    return out


def test_the_bulk_path_stores_what_upsert_customer_stores(db: Database, tmp_path: Path) -> None:
    rows = [
        {"external_id": "1", "telegram_id": "1", "slack_id": "U1", "email": " Ana@X.com ",
         "name": "Ana", "language": "ro-RO", "timezone": "Europe/Bucharest",
         "plan": "pro", "revenue:number": "1200.50", "signed_up:date": "2026-01-02",
         "zip:text": "007"},
        {"external_id": "2", "telegram_id": "2", "plan": "free", "revenue": "3"},
        {"external_id": "3", "slack_id": "U3", "language": "zh-hans"},
    ]
    update = [{"external_id": "1", "name": "Ana Pop", "plan": "enterprise", "slack_id": "U9"},
              {"external_id": "2", "language": "en"}]
    # a: through the import; b: one upsert_customer per record.  Before either, person 2 came
    # by themselves and chose Chinese; person 3 came by themselves and chose nothing.
    with Session(db.engine) as s:
        for tg, sl in ACCOUNT_PREFIX.values():
            two = store.lock_respondent(session=s, channel="telegram", user_id=tg + "2",
                                        default_locale="en", now=NOW)
            two.locale, two.locale_chosen = "zh", True
            customer_of(session=s, person=two, now=NOW)
            three = store.lock_respondent(session=s, channel="slack", user_id=sl + "3",
                                          default_locale="en", now=NOW)
            customer_of(session=s, person=three, now=NOW)
        s.commit()
    for step in (rows, update):
        lines = [json.dumps(prefixed(row, "a")) for row in step]
        run(db, write(tmp_path, "a.jsonl", "\n".join(lines)))
        with Session(db.engine) as s:
            for row in step:
                upsert_customer(session=s, record=parse_record(prefixed(row, "b")), now=NOW)
            s.commit()
    imported = snapshot(db, "a")
    assert len(imported) == 3 and len(imported[0][7]) == 3  # Ana: Telegram, two Slack ids
    assert imported == snapshot(db, "b")
    # The customers the people who came by themselves had are gone with their last account.
    with Session(db.read_engine) as s:
        assert s.exec(select(func.count()).select_from(Customer).where(
            col(Customer.external_id).is_(None))).one() == 0


@pytest.mark.parametrize(("name", "content", "wanted"), [
    ("latin1.csv", "external_id,name\nc1,Ana\nc2,Ren\xe9e\n".encode("latin-1"),
     "not UTF-8 (line 3"),
    ("noid.csv", "id,name\nc1,Ana\n", "no external_id column"),
    ("empty.csv", "", "the file is empty"),
    ("header.csv", "external_id,plan\n", "a header and no customers"),
    ("blank.jsonl", "\n\n", "the file is empty"),
    ("types.csv", "external_id,revenue:money\nc1,3\n", "the type must be text, number or date"),
    ("twice.csv", "external_id,plan,plan:text\nc1,a,b\n", "appears twice"),
    ("customers.txt", "external_id\nc1\n", "--format csv|jsonl"),
])
def test_a_file_that_cannot_be_imported_fails_in_one_line(
        env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
        content: str | bytes, wanted: str) -> None:
    path = write(tmp_path, name, content)
    assert main(["customers", "import", str(path)]) == 2
    assert_one_line(capsys.readouterr().err, wanted)
    db = open_database(env)
    try:
        with Session(db.read_engine) as s:
            assert s.connection().execute(text("SELECT count(*) FROM customers")).scalar() == 0
    except Exception as exc:  # noqa: BLE001 - an untouched database may have no tables
        assert "customers" in str(exc)
    finally:
        db.dispose()


def test_the_command_prints_counts_and_rejected_lines(env: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "c.jsonl", '{"external_id": "a", "email": "bad"}\n'
                 '{"external_id": "b"}\n')
    assert main(["customers", "import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["dry run, nothing written: 1 would be imported, 0 updated, 1 rejected",
                   "  line 1: bad email 'bad'"]
    assert main(["customers", "import", "--format", "jsonl", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "1 imported, 0 updated, 1 rejected"
    assert main(["customers", "import", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "0 imported, 1 updated, 1 rejected"


def test_a_record_is_parsed_once_for_every_way_in() -> None:
    record = parse_record({"external_id": " x ", "email": "A@B.co", "language": "zh-CN",
                           "telegram_id": 42, "attributes": {"plan": "pro"}, "seats": 3})
    assert record == CustomerRecord("x", telegram_id="42", email="a@b.co", language="zh",
                                    attributes=record.attributes)
    assert {k: (v.kind, v.number) for k, v in record.attributes.items()} == {
        "plan": ("text", None), "seats": ("number", 3.0)}


@pytest.mark.parametrize(("args", "settings", "wanted"), [
    (["--survey", "nope"], {"TELEGRAM_BOT_USERNAME": "b"}, "--survey nope: no such survey"),
    (["--campaign", "p-spring"], {"TELEGRAM_BOT_USERNAME": "b"}, "kept for personal"),
    (["--campaign", "a__b"], {"TELEGRAM_BOT_USERNAME": "b"}, "__ separates"),
    ([], {}, "set TELEGRAM_BOT_USERNAME"),
    ([], {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"},
     "could not ask Telegram"),
])
def test_links_refuse_what_they_cannot_make(env: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str],
                                            args: list[str], settings: dict[str, str],
                                            wanted: str) -> None:
    for key in ("TELEGRAM_BOT_USERNAME", "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    target = tmp_path / "links.csv"
    assert main(["customers", "links", *args, "-o", str(target)]) == 2
    assert_one_line(capsys.readouterr().err, wanted)
    assert not target.exists()


def test_links_with_the_username_set(env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@acme_survey_bot")
    path = write(tmp_path, "c.csv", "external_id,name\nx1,Ana\n")
    assert main(["customers", "import", str(path)]) == 0
    assert main(["customers", "links", "--campaign", "spring"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "external_id,name,email,telegram_link"
    assert out[-1].startswith("x1,Ana,,https://t.me/acme_survey_bot?start=p-")
    db = open_database(env)
    try:
        with Session(db.read_engine) as s:
            link = s.exec(select(LinkToken)).one()
        assert (link.survey, link.campaign, link.bound_to) == ("default", "spring", None)
    finally:
        db.dispose()
