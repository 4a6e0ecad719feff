"""The registration pages over HTTP (the demo platform): the practice applies for a provider code with PDF documents,
requests electronic access and declares a performer; the fund agent decides, issues the credentials once, records an
insured person's postal request and answers it on paper. Each refusal path says why; nothing with legal effect is
done without "I confirm"; the pages are in French by default."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from tierspayant.platform.launch import Launch, assemble
from tierspayant.schemes.lu_kin.fund.registrations import Document
from tierspayant.schemes.lu_kin.platform.runtime import KinRuntime

from .conftest import make_settings
from .test_web import client_for, csrf

FOUR = ("information_sheet", "authorisation", "identity", "bank_details")


def pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def launch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launch]:
    assembled = assemble(make_settings(tmp_path_factory.mktemp("registrations") / "var", demo=True))
    yield assembled
    assembled.close()


def form_of(client: TestClient, path: str) -> str:
    return csrf(client.get(path).text)


def flashes(page: str) -> list[str]:
    found = re.findall(r'<p class="flash [^"]+"[^>]*>(.*?)</p>', page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in found]


def apply(client: TestClient, name: str, files: dict[str, tuple[str, bytes, str]], confirmed: bool = True) -> str:
    data = {"csrf": form_of(client, "/practice/registrations"), "name": name} | (
        {"confirmed": "yes"} if confirmed else {}
    )
    response = client.post("/practice/registrations/apply", data=data, files=files)
    assert response.status_code == 303, response.text
    return client.get("/practice/registrations").text


def four_pdfs(name: str) -> dict[str, tuple[str, bytes, str]]:
    return {role: (f"{role}.pdf", pdf(f"{name} {role}"), "application/pdf") for role in FOUR}


def registration_id(html: str, name: str) -> int:
    match = re.search(rf"<td>(\d+)</td><td>[^<]*</td>\s*<td>{re.escape(name)}", html)
    assert match is not None, html
    return int(match.group(1))


def decide(agent: TestClient, rid: int, action: str, data: dict[str, str]) -> str:
    token = form_of(agent, f"/fund/registrations/{rid}")
    response = agent.post(f"/fund/registrations/{rid}/{action}", data={"csrf": token, **data})
    assert response.status_code == 303, response.text
    return agent.get(f"/fund/registrations/{rid}").text


def test_a_complete_application_is_granted_and_the_practice_sees_its_code(launch: Launch) -> None:
    practice, agent = client_for(launch, "cabinet"), client_for(launch, "agent")
    page = apply(practice, "Anna Neu", four_pdfs("Anna Neu"))
    rid = registration_id(page, "Anna Neu")
    assert 'data-kind="provider_code" data-status="pending"' in page
    detail = agent.get(f"/fund/registrations/{rid}").text
    assert detail.count("/fund/registrations/documents/") == 4
    document = re.search(r'href="(/fund/registrations/documents/\d+)"', detail)
    assert document is not None
    served = agent.get(document.group(1))
    assert served.headers["content-type"] == "application/pdf" and served.content.startswith(b"%PDF-")
    without = decide(agent, rid, "decide", {"grant": "yes"})  # no "I confirm": nothing decided
    assert "I confirm" in flashes(without)[0] and 'id="status">pending' in without
    granted = decide(agent, rid, "decide", {"grant": "yes", "confirmed": "yes"})
    code = re.search(r"Provider code (\d{8}) granted", " ".join(flashes(granted)))
    assert code is not None
    mine = practice.get("/practice/registrations").text
    assert f"Anna Neu ({code.group(1)})" in mine and 'data-kind="provider_code" data-status="granted"' in mine


def test_a_document_that_is_not_a_pdf_or_missing_refuses_the_application_at_once(launch: Launch) -> None:
    practice = client_for(launch, "cabinet")
    files = four_pdfs("Bob") | {"identity": ("identity.png", b"\x89PNG\r\n\x1a\n", "image/png")}
    page = apply(practice, "Bob Bild", files)
    assert "REG-DOC-NOT-PDF" in " ".join(flashes(page))
    files = {k: v for k, v in four_pdfs("Carla").items() if k != "bank_details"}
    page = apply(practice, "Carla Ohne", files)
    assert "REG-DOC-MISSING" in " ".join(flashes(page)) and "bank details is missing" in page
    assert page.count('data-kind="provider_code" data-status="refused"') >= 2


def test_an_application_without_i_confirm_is_not_sent(launch: Launch) -> None:
    practice = client_for(launch, "cabinet")
    page = apply(practice, "Dora Unsure", four_pdfs("Dora"), confirmed=False)
    assert "Dora Unsure" not in page.split('id="requests"')[1].split("</table>")[0]


def test_an_assistant_without_the_send_right_cannot_apply(launch: Launch) -> None:
    assistant = client_for(launch, "secretariat")
    token = form_of(assistant, "/practice/registrations")
    response = assistant.post(
        "/practice/registrations/apply", data={"csrf": token, "name": "Eve", "confirmed": "yes"}, files=four_pdfs("E")
    )
    assert response.status_code == 403


def test_electronic_access_credentials_are_shown_once(launch: Launch) -> None:
    practice, agent = client_for(launch, "cabinet"), client_for(launch, "agent")
    rid = registration_id(apply(practice, "Fritz Netz", four_pdfs("Fritz")), "Fritz Netz")
    granted = decide(agent, rid, "decide", {"grant": "yes", "confirmed": "yes"})
    code = re.search(r"Provider code (\d{8}) granted", " ".join(flashes(granted)))
    assert code is not None
    token = form_of(practice, "/practice/registrations")
    practice.post("/practice/registrations/access", data={"csrf": token, "code": code.group(1), "confirmed": "yes"})
    mine = practice.get("/practice/registrations").text
    access = re.search(r'data-kind="e_access" data-status="pending"><td>(\d+)</td>', mine)
    assert access is not None
    aid = int(access.group(1))
    accorded = decide(agent, aid, "access", {"grant": "yes", "confirmed": "yes"})
    assert "Show the credentials (once)" in accorded
    token = form_of(agent, f"/fund/registrations/{aid}")
    shown = agent.post(f"/fund/registrations/{aid}/credentials", data={"csrf": token})
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    username = re.search(r'id="credentials-username">([^<]+)<', shown.text)
    password = re.search(r'id="credentials-password">([^<]+)<', shown.text)
    assert username is not None and password is not None and username.group(1) == f"kin{code.group(1)}"
    assert launch.context.accounts.authenticate_password(username.group(1), password.group(1)) is not None
    again = agent.post(f"/fund/registrations/{aid}/credentials", data={"csrf": token})
    assert again.status_code == 303
    assert "never shown twice" in " ".join(flashes(agent.get(again.headers["location"]).text))
    assert 'data-kind="e_access" data-status="granted"' in practice.get("/practice/registrations").text


def test_access_is_asked_only_for_the_practice_s_own_codes(launch: Launch) -> None:
    practice = client_for(launch, "cabinet")
    token = form_of(practice, "/practice/registrations")
    practice.post("/practice/registrations/access", data={"csrf": token, "code": "70056789", "confirmed": "yes"})
    assert "neither the practice's nor one it applied for" in " ".join(
        flashes(practice.get("/practice/registrations").text)
    )
    assert launch.context.accounts.principal("kin70056789") is None


def test_an_access_refusal_says_its_reasons_to_the_practice(launch: Launch) -> None:
    practice, agent = client_for(launch, "cabinet"), client_for(launch, "agent")
    token = form_of(practice, "/practice/registrations")
    practice.post("/practice/registrations/access", data={"csrf": token, "code": "70012345", "confirmed": "yes"})
    access = re.search(
        r'data-kind="e_access" data-status="pending"><td>(\d+)</td>', practice.get("/practice/registrations").text
    )
    assert access is not None
    refused = decide(
        agent,
        int(access.group(1)),
        "access",
        {"grant": "no", "reason": "pas de raccordement HealthNet", "confirmed": "yes"},
    )
    assert "pas de raccordement HealthNet" in refused
    assert "pas de raccordement HealthNet" in practice.get("/practice/registrations").text
    assert launch.context.accounts.principal("kin70012345") is None


def test_a_performer_without_a_code_cannot_be_declared(launch: Launch) -> None:
    practice = client_for(launch, "cabinet")
    token = form_of(practice, "/practice/registrations")
    data = {"csrf": token, "member_code": "70599999", "change": "join", "on_date": date.today().isoformat(),
            "employment": "employee", "confirmed": "yes"}  # fmt: skip
    practice.post("/practice/registrations/members", data=data)
    assert "applies for a code first" in " ".join(flashes(practice.get("/practice/registrations").text))


def test_a_postal_request_is_answered_by_a_paper_titre_and_a_written_refusal(launch: Launch) -> None:
    agent = client_for(launch, "agent")
    for matricule in ("1956031401288", "1990093012358"):
        token = form_of(agent, "/fund/registrations")
        recorded = agent.post(
            "/fund/registrations/paper",
            data={"csrf": token, "matricule": matricule, "received_on": "2024-03-05", "prescriber_code": "90001234",
                  "prescription_date": "2024-03-01", "pathology": "COMMON", "act_code": "ZK11", "sessions": "8"},
        )  # fmt: skip
        assert recorded.status_code == 303
    page = agent.get("/fund/registrations").text
    numbers = [int(n) for n in re.findall(r'id="answer-(\d+)"', page)]
    assert len(numbers) >= 2
    granted_id, refused_id = sorted(numbers)[-2:]
    token = csrf(page)
    agent.post(
        f"/fund/registrations/paper/{granted_id}/answer", data={"csrf": token, "grant": "yes", "confirmed": "yes"}
    )
    agent.post(
        f"/fund/registrations/paper/{refused_id}/answer",
        data={"csrf": token, "grant": "no", "reason": "ordonnance illisible", "confirmed": "yes"},
    )
    titre = PdfReader(io.BytesIO(agent.get(f"/fund/registrations/paper/{granted_id}.pdf").content))
    text = titre.pages[0].extract_text()
    assert "Titre de prise en charge" in text and "70.00 %" in text and "tiers payant est exclu" in text
    refusal = PdfReader(io.BytesIO(agent.get(f"/fund/registrations/paper/{refused_id}.pdf").content))
    assert "ordonnance illisible" in refusal.pages[0].extract_text()
    exported = {r["id"]: r for r in agent.get("/fund/registrations/paper-export.json").json()}
    assert exported[granted_id]["status"] == "granted" and exported[granted_id]["titre_id"]
    assert (exported[refused_id]["status"], exported[refused_id]["reason"]) == ("refused", "ordonnance illisible")


def test_the_registration_pages_are_in_french_by_default(launch: Launch) -> None:
    practice, agent = client_for(launch, "cabinet"), client_for(launch, "agent")
    practice.cookies.delete("tierspayant_lang")
    agent.cookies.delete("tierspayant_lang")
    assert "Demander un code prestataire" in practice.get("/practice/registrations").text
    assert "Demandes postales des assurés" in agent.get("/fund/registrations").text


def test_an_association_change_counts_only_once_the_member_s_signed_pdf_is_recorded(launch: Launch) -> None:
    runtime = launch.scheme("lu_kin")
    assert isinstance(runtime, KinRuntime) and runtime.registrations is not None
    desk = runtime.registrations
    sheets = [Document(role, f"{role}.pdf", pdf(role)) for role in ("information_sheet", "bank_details")]
    common = desk.decide(desk.apply("Kiné Libre", "Kiné Libre", "association", sheets).registration_id, "agent", True)
    four = [Document(role, f"{role}.pdf", pdf(role)) for role in FOUR]
    member = desk.decide(desk.apply("Gaby", "Gaby", "physiotherapist", four).registration_id, "agent", True)
    assert common.provider_code and member.provider_code
    declared = desk.declare_member(
        common.provider_code, member.provider_code, "join", date.today(), "freelance", "Kiné Libre"
    )
    assert declared.status == "declared" and desk.memberships(common.provider_code) == []
    agent = client_for(launch, "agent")
    rid = declared.registration_id
    token = form_of(agent, f"/fund/registrations/{rid}")
    image = {"signed": ("signed.jpg", b"\xff\xd8\xff\xe0 not a pdf", "image/jpeg")}
    agent.post(f"/fund/registrations/{rid}/confirm", data={"csrf": token, "confirmed": "yes"}, files=image)
    page = agent.get(f"/fund/registrations/{rid}").text
    assert "signed_confirmation: the file is not a PDF" in " ".join(flashes(page))
    assert 'id="status">declared' in page and desk.memberships(common.provider_code) == []
    signed = {"signed": ("signed.pdf", pdf("Gaby confirms"), "application/pdf")}
    agent.post(f"/fund/registrations/{rid}/confirm", data={"csrf": token, "confirmed": "yes"}, files=signed)
    assert 'id="status">confirmed' in agent.get(f"/fund/registrations/{rid}").text
    [(group, code, kind, start, _end, source)] = desk.memberships(common.provider_code)
    assert (group, code, kind, start, source) == (
        common.provider_code,
        member.provider_code,
        "association",
        date.today(),
        "registration",
    )
