"""The ``tierspayant fund`` commands, run as a user would (CliRunner), outputs parsed back."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tierspayant.cli import app
from tierspayant.schemes.lu_kin.examples import example
from tierspayant.schemes.lu_kin.reference import sample_files

from .files import demaut_package, kin_name

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    url = f"sqlite:///{tmp_path / 'fund.db'}"
    result = runner.invoke(app, ["fund", "init", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "SAMPLE" in result.output
    return ["--database-url", url]


def test_process_and_explain(db: list[str], tmp_path: Path) -> None:
    package = demaut_package(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["fund", "process", str(package), "--outbox", str(out), "--received-at", "2024-03-07T10:00:00", "--json", *db],
    )
    assert result.exit_code == 0, result.output
    (outcome,) = json.loads(result.output)
    assert outcome["status"] == "accepted" and outcome["accepted"] == 4
    assert {Path(p).name for p in outcome["written"]} == {p.name for p in out.iterdir()}
    explained = runner.invoke(app, ["fund", "explain", str(package), "--json", *db])
    assert explained.exit_code == 0
    (k107,) = json.loads(explained.output)
    assert k107["code"] == "K107" and k107["rule"] == "auth_session_limit"
    assert k107["reference_tables"] == ["session_limits"] and k107["history_tables"] == []
    table = runner.invoke(app, ["fund", "process", str(package), "--outbox", str(out), *db])
    assert table.exit_code == 0 and "Fund processing" in table.output
    again = runner.invoke(app, ["fund", "process", str(package), "--outbox", str(out), "--json", *db])
    assert json.loads(again.output)[0]["status"] == "duplicate"


def test_refused_file_exits_1(db: list[str], tmp_path: Path) -> None:
    path = tmp_path / kin_name("FAC", "FA9", date(2024, 4, 2))
    path.write_bytes(example("FAC")[:300])
    result = runner.invoke(app, ["fund", "process", str(path), "--outbox", str(tmp_path / "out"), *db])
    assert result.exit_code == 1 and "refused" in result.output


def test_reference_load_good_and_bad(db: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "official"
    folder.mkdir()
    for name, text in sample_files().items():
        (folder / name).write_text(text.replace("# SAMPLE", "# copy of"), encoding="utf-8")
    ok = runner.invoke(app, ["fund", "reference", "load", str(folder), "--json", *db])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["sample"] is False
    shown = runner.invoke(app, ["fund", "reference", "show", "--json", *db])
    assert json.loads(shown.output)["version"] == json.loads(ok.output)["version"]
    (folder / "rates.csv").write_text("category,rate_percent,valid_from,valid_to\nCOMMON,seventy,2000-01-01,\n")
    bad = runner.invoke(app, ["fund", "reference", "load", str(folder), *db])
    assert bad.exit_code == 1
    assert "rates.csv" in bad.output and "rate_percent" in bad.output and "REF-VALUE" in bad.output


def test_registries_and_payments(db: list[str]) -> None:
    assert runner.invoke(app, ["fund", "provider", "70099999", "--name", "Kiné Nord", *db]).exit_code == 0
    group = runner.invoke(
        app,
        ["fund", "provider", "70088888", "--name", "Groupe", "--kind", "group", "--member", "70099999:2024-01-01", *db],
    )
    assert group.exit_code == 0, group.output
    person = runner.invoke(
        app, ["fund", "insured", "1990093012358", "--birth-date", "1990-09-30", "--from", "2010-01-01", *db]
    )
    assert person.exit_code == 0, person.output
    wrong = runner.invoke(
        app, ["fund", "insured", "1990093012350", "--birth-date", "1990-09-30", "--from", "2010-01-01", *db]
    )
    assert wrong.exit_code == 1
    paid = runner.invoke(app, ["fund", "payments", "--json", *db])
    assert paid.exit_code == 0 and json.loads(paid.output) == []


# --- access to electronic transmission: request → accord (the mailbox account) → credentials, once ---


@pytest.fixture
def platform(tmp_path: Path) -> list[str]:
    """The platform the accord opens the mailbox account on (its own embedded database under --var-dir)."""
    return ["--var-dir", str(tmp_path / "var")]


def access_request(db: list[str], code: str = "70099999") -> int:
    assert runner.invoke(app, ["fund", "provider", code, "--name", "Kiné Nord", *db]).exit_code == 0
    asked = runner.invoke(
        app, ["fund", "registration", "access-request", code, "--applicant", "Kiné Nord", "--json", *db]
    )
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.output)
    assert answer["status"] == "pending" and answer["provider_code"] == code
    return int(answer["registration"])


def test_access_request_accord_and_credentials_shown_once(db: list[str], platform: list[str]) -> None:
    number = access_request(db)
    again = runner.invoke(app, ["fund", "registration", "access-request", "70099999", "--applicant", "K", *db])
    assert again.exit_code == 1 and "already has an access request" in again.output
    accord = runner.invoke(
        app, ["fund", "registration", "access-decide", str(number), "--accept", "--by", "agent Weber", *platform, *db]
    )
    assert accord.exit_code == 0, accord.output
    assert "granted" in accord.output and "kin70099999" in accord.output
    issue = ["fund", "registration", "access-credentials", str(number), "--by", "agent Weber", *platform, *db]
    shown = runner.invoke(app, [*issue, "--json"])
    assert shown.exit_code == 0, shown.output
    credentials = json.loads(shown.output)
    assert credentials["username"] == "kin70099999" and len(credentials["password"]) >= 20
    listed = runner.invoke(app, ["platform", "account", "list", "--json", *platform])
    assert "kin70099999" in listed.output  # the accord opened the account the password is for
    twice = runner.invoke(app, issue)
    assert twice.exit_code == 1 and "never shown twice" in twice.output
    assert credentials["password"] not in twice.output


def test_access_refus_states_its_reasons(db: list[str], platform: list[str]) -> None:
    number = access_request(db)
    decide = ["fund", "registration", "access-decide", str(number), "--refuse", "--by", "agent Weber", *platform, *db]
    unreasoned = runner.invoke(app, decide)
    assert unreasoned.exit_code == 1 and "reasons" in unreasoned.output
    refused = runner.invoke(app, [*decide, "--reason", "no signed convention", "--json"])
    assert refused.exit_code == 1 and json.loads(refused.output)["status"] == "refused"
    credentials = runner.invoke(
        app, ["fund", "registration", "access-credentials", str(number), "--by", "agent Weber", *platform, *db]
    )
    assert credentials.exit_code == 1 and "refused, not granted" in credentials.output


def test_access_of_an_unknown_request_or_code_is_refused(db: list[str], platform: list[str]) -> None:
    unknown_code = runner.invoke(app, ["fund", "registration", "access-request", "70077777", "--applicant", "X", *db])
    assert unknown_code.exit_code == 1 and "not a registered provider code" in unknown_code.output
    for command in (["access-decide", "999", "--accept"], ["access-credentials", "999"]):
        result = runner.invoke(app, ["fund", "registration", *command, "--by", "agent Weber", *platform, *db])
        assert result.exit_code == 1 and "no electronic-access request 999" in result.output


# --- the paper channel: record → answer (titre or refusal letter) → list → letter ---

POSTAL = ["--received-on", "2024-03-05", "--prescriber", "90001234", "--prescription-date", "2024-03-01",
          "--pathology", "COMMON", "--act", "ZK11:8", "--by", "agent Weber", "--at", "2024-03-06T09:00:00"]  # fmt: skip


def record(db: list[str], matricule: str = "1990093012358") -> int:
    recorded = runner.invoke(app, ["fund", "paper", "record", matricule, *POSTAL, "--json", *db])
    assert recorded.exit_code == 0, recorded.output
    return int(json.loads(recorded.output)["request"])


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(path).pages)


def test_paper_titre_answered_listed_and_its_letter_written(db: list[str], tmp_path: Path) -> None:
    number = record(db)
    pending = runner.invoke(app, ["fund", "paper", "list", "--status", "pending", "--json", *db])
    assert [r["id"] for r in json.loads(pending.output)] == [number]
    answered = runner.invoke(
        app, ["fund", "paper", "answer", str(number), "--grant", "--by", "agent Weber", "--json", *db]
    )
    assert answered.exit_code == 0, answered.output
    titre = json.loads(answered.output)["titre_id"]
    assert json.loads(answered.output)["status"] == "granted" and titre
    (row,) = json.loads(runner.invoke(app, ["fund", "paper", "list", "--json", *db]).output)
    assert (row["status"], row["titre_id"], row["decided_by"]) == ("granted", titre, "agent Weber")
    assert json.loads(runner.invoke(app, ["fund", "paper", "list", "--status", "pending", "--json", *db]).output) == []
    table = runner.invoke(app, ["fund", "paper", "list", *db])
    assert table.exit_code == 0 and "Postal requests" in table.output and "granted" in table.output
    letter = tmp_path / "letter.pdf"
    written = runner.invoke(app, ["fund", "paper", "letter", str(number), "--out", str(letter), *db])
    assert written.exit_code == 0, written.output
    assert letter.read_bytes().startswith(b"%PDF-")
    text = pdf_text(letter)
    assert "Titre de prise en charge" in text and titre in text
    twice = runner.invoke(app, ["fund", "paper", "answer", str(number), "--refuse", "late", "--by", "W", *db])
    assert twice.exit_code == 1 and "already granted" in twice.output


def test_paper_refusal_letter(db: list[str], tmp_path: Path) -> None:
    number = record(db)
    letter = tmp_path / "refusal.pdf"
    refused = runner.invoke(
        app,
        ["fund", "paper", "answer", str(number), "--refuse", "ordonnance non signée", "--by", "agent Weber",
         "--out", str(letter), *db],
    )  # fmt: skip
    assert refused.exit_code == 0, refused.output
    assert "refused" in refused.output
    assert "ordonnance non signée" in pdf_text(letter)


def test_paper_bad_request_is_refused_with_its_reasons(db: list[str]) -> None:
    wrong = runner.invoke(app, ["fund", "paper", "record", "1990093012350", *POSTAL, *db])
    assert wrong.exit_code == 1 and "matricule 1990093012350" in wrong.output
    bad_act = runner.invoke(app, ["fund", "paper", "record", "1990093012358", *POSTAL, "--act", "ZK11", *db])
    assert bad_act.exit_code == 2 and "CODE:SESSIONS" in bad_act.output


def test_paper_answer_or_letter_of_an_unknown_request_is_refused(db: list[str], tmp_path: Path) -> None:
    answered = runner.invoke(app, ["fund", "paper", "answer", "999", "--grant", "--by", "agent Weber", *db])
    assert answered.exit_code == 1 and "no postal request 999" in answered.output
    letter = runner.invoke(app, ["fund", "paper", "letter", "999", "--out", str(tmp_path / "x.pdf"), *db])
    assert letter.exit_code == 1 and "no postal request 999" in letter.output


def test_paper_letter_of_a_request_not_answered_is_refused(db: list[str], tmp_path: Path) -> None:
    number = record(db)
    out = tmp_path / "none.pdf"
    result = runner.invoke(app, ["fund", "paper", "letter", str(number), "--out", str(out), *db])
    assert result.exit_code == 1 and "pending: no letter yet" in result.output
    assert not out.exists()


def test_access_accord_for_a_taken_account_name_is_refused_and_left_pending(db: list[str], platform: list[str]) -> None:
    number = access_request(db)
    taken = ["platform", "account", "add", "kin70099999", "--role", "provider", "--provider-code", "70099999"]
    assert runner.invoke(app, [*taken, "--name", "Someone", "--password", "x" * 16, *platform]).exit_code == 0
    accord = runner.invoke(
        app, ["fund", "registration", "access-decide", str(number), "--accept", "--by", "agent Weber", *platform, *db]
    )
    assert accord.exit_code == 1 and "the username 'kin70099999' is taken" in accord.output
    exported = json.loads(runner.invoke(app, ["fund", "registration", "export", *db]).output)
    assert [r["status"] for r in exported if r["id"] == number] == ["pending"]  # no accord without its account


def test_access_decide_needs_accept_or_refuse_and_a_real_time(db: list[str], platform: list[str]) -> None:
    number = access_request(db)
    decide = ["fund", "registration", "access-decide", str(number), "--by", "agent Weber", *platform, *db]
    neither = runner.invoke(app, decide)
    assert neither.exit_code == 2 and "--accept or --refuse" in neither.output
    bad_time = runner.invoke(app, [*decide, "--accept", "--at", "yesterday"])
    assert bad_time.exit_code == 2 and "--at is an ISO date-time" in bad_time.output


def test_paper_answer_with_the_agents_rate_and_validity(db: list[str], tmp_path: Path) -> None:
    number = record(db)
    answer = ["fund", "paper", "answer", str(number), "--by", "agent Weber", "--at", "2024-03-06T10:00:00", *db]
    both = runner.invoke(app, [*answer, "--grant", "--refuse", "no"])
    assert both.exit_code == 2 and "either --grant or --refuse" in both.output
    unwritable = tmp_path / "missing" / "letter.pdf"
    answered = runner.invoke(app, [*answer, "--grant", "--rate-e2", "8800", "--validity-days", "30",
                                   "--out", str(unwritable)])  # fmt: skip
    assert answered.exit_code == 1 and "cannot write the letter" in answered.output
    assert f"fund paper letter {number}" in answered.output  # the answer itself stands
    letter = tmp_path / "letter.pdf"
    assert runner.invoke(app, ["fund", "paper", "letter", str(number), "--out", str(letter), *db]).exit_code == 0
    text = pdf_text(letter)
    assert "88.00 %" in text and "05/04/2024" in text  # issued 6 March + 30 days


def test_paper_list_refuses_an_unknown_status(db: list[str]) -> None:
    result = runner.invoke(app, ["fund", "paper", "list", "--status", "done", *db])
    assert result.exit_code == 2 and "pending, granted or refused" in result.output
