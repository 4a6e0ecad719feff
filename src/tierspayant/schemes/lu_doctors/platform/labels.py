"""The doctors' pages in French, German and English (``?lang=fr|de|en``, kept in the session; French first)."""

from __future__ import annotations

LANGUAGES = ("fr", "de", "en")
LABELS: dict[str, dict[str, str]] = {
    "devices": {"fr": "Mes appareils", "de": "Meine Geräte", "en": "My devices"},
    "declare": {"fr": "Déclarer un appareil", "de": "Gerät melden", "en": "Declare a device"},
    "kind": {"fr": "Type d'appareil", "de": "Gerätetyp", "en": "Device kind"},
    "discipline": {"fr": "Discipline", "de": "Fachrichtung", "en": "Discipline"},
    "serial": {"fr": "N° de série", "de": "Seriennummer", "en": "Serial number"},
    "brand": {"fr": "Marque", "de": "Marke", "en": "Brand"},
    "model": {"fr": "Modèle", "de": "Modell", "en": "Model"},
    "in_service": {"fr": "Mise en service", "de": "Inbetriebnahme", "en": "In service since"},
    "device_value": {"fr": "Prix de l'appareil", "de": "Gerätepreis", "en": "Device price"},
    "probes": {
        "fr": "Prix des sondes (séparés par ;)",
        "de": "Sondenpreise (mit ; getrennt)",
        "en": "Probe prices (separated by ;)",
    },
    "users": {"fr": "Autres médecins utilisateurs", "de": "Weitere nutzende Ärzte", "en": "Other doctors using it"},
    "invoice_pdf": {"fr": "Facture acquittée (PDF)", "de": "Bezahlte Rechnung (PDF)", "en": "Paid invoice (PDF)"},
    "delivery_pdf": {
        "fr": "Bon de livraison signé (PDF)",
        "de": "Unterschriebener Lieferschein (PDF)",
        "en": "Signed delivery note (PDF)",
    },
    "send": {"fr": "Envoyer à la CNS", "de": "An die CNS senden", "en": "Send to the CNS"},
    "fetch": {"fr": "Relever les réponses", "de": "Antworten abholen", "en": "Fetch the answers"},
    "identifier": {"fr": "Identifiant", "de": "Kennung", "en": "Identifier"},
    "status": {"fr": "Statut", "de": "Status", "en": "Status"},
    "class": {"fr": "Classe", "de": "Klasse", "en": "Class"},
    "used_year": {
        "fr": "Forfaits pleins utilisés cette année",
        "de": "Volle Pauschalen dieses Jahr",
        "en": "Full flat rates used this year",
    },
    "left_threshold": {
        "fr": "Restant avant le seuil",
        "de": "Verbleibend bis zur Schwelle",
        "en": "Left before the threshold",
    },
    "left_amortisation": {
        "fr": "Restant sur l'amortissement",
        "de": "Verbleibend über die Abschreibung",
        "en": "Left over the amortisation",
    },
    "bill": {"fr": "Facturer", "de": "Abrechnen", "en": "Bill"},
    "pid": {
        "fr": "PID : acte et forfait sur un mémoire",
        "de": "PID: Leistung und Pauschale auf einer Rechnung",
        "en": "PID: act and flat rate on one fee note",
    },
    "third_party": {
        "fr": "Tiers payant : deux factures",
        "de": "Tiers payant: zwei Rechnungen",
        "en": "Third party: two invoices",
    },
    "doctor": {"fr": "Médecin", "de": "Arzt", "en": "Doctor"},
    "patient": {"fr": "Patient", "de": "Patient", "en": "Patient"},
    "date": {"fr": "Date", "de": "Datum", "en": "Date"},
    "technical_act": {"fr": "Acte technique", "de": "Technische Leistung", "en": "Technical act"},
    "device": {"fr": "Appareil", "de": "Gerät", "en": "Device"},
    "statement": {
        "fr": "Relevé mensuel des forfaits",
        "de": "Monatliche Pauschalenaufstellung",
        "en": "Monthly flat-rate statement",
    },
    "month": {"fr": "Mois", "de": "Monat", "en": "Month"},
    "claims": {
        "fr": "Forfaits facturés et retours",
        "de": "Abgerechnete Pauschalen und Rückmeldungen",
        "en": "Flat rates billed and returns",
    },
    "paid_code": {"fr": "Code payé", "de": "Bezahlter Code", "en": "Code paid"},
    "covered": {"fr": "Pris en charge", "de": "Übernommen", "en": "Covered"},
    "anomalies": {"fr": "Anomalies", "de": "Anomalien", "en": "Anomalies"},
    "register": {"fr": "Registre des appareils (CNS)", "de": "Geräteregister (CNS)", "en": "Device register (CNS)"},
    "declarant": {"fr": "Déclarant", "de": "Meldender", "en": "Declarant"},
    "in_use_from": {"fr": "Utilisé depuis", "de": "In Gebrauch seit", "en": "In use from"},
    "closed_on": {"fr": "Hors service le", "de": "Außer Betrieb am", "en": "Out of service on"},
    "threshold": {"fr": "Seuil annuel", "de": "Jahresschwelle", "en": "Annual threshold"},
    "codes": {"fr": "Codes (plein / réduit)", "de": "Codes (voll / reduziert)", "en": "Codes (full / reduced)"},
    "warnings": {"fr": "Avertissements", "de": "Warnungen", "en": "Warnings"},
    "none": {"fr": "Aucun", "de": "Keine", "en": "None"},
}


def labels(language: str) -> dict[str, str]:
    chosen = language if language in LANGUAGES else LANGUAGES[0]
    return {key: texts[chosen] for key, texts in LABELS.items()}
