"""The event catalog and the AsyncAPI document generated from it."""

import json
from pathlib import Path

from shared.events.catalog import EVENT_CATALOG, asyncapi_document
from shared.events.streams import stream_for_subject

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_every_event_type_has_a_stream_and_a_channel():
    document = asyncapi_document()

    for spec in EVENT_CATALOG:
        assert stream_for_subject(spec.type).subjects
        assert spec.type in document["channels"], spec.type


def test_committed_asyncapi_document_is_current():
    committed = json.loads((REPO_ROOT / "docs" / "asyncapi.json").read_text(encoding="utf-8"))

    generated = json.loads(json.dumps(asyncapi_document(), sort_keys=True))

    assert committed == generated, "regenerate it: .venv/bin/mesfactures asyncapi --output docs/asyncapi.json"


def test_ledger_consumes_the_published_payment_contract():
    from services.ledger.consumers import ledger_consumers

    subjects = {subject for _consumer, subject_list in ledger_consumers(None) for subject in subject_list}
    published = {spec.type for spec in EVENT_CATALOG}

    assert subjects <= published


def test_asyncapi_requires_every_envelope_field():
    from shared.events.envelope import EventEnvelope

    document = asyncapi_document()
    sent_fields = set(EventEnvelope(type="ledger.document.issued", producer="ledger").model_dump(mode="json"))

    for spec in EVENT_CATALOG:
        payload = document["components"]["messages"][f"{spec.type}:Message"]["payload"]["$ref"].rsplit("/", 1)[1]
        assert set(document["components"]["schemas"][payload]["required"]) == sent_fields, spec.type


def test_asyncapi_correlation_id_is_in_payload():
    document = asyncapi_document()

    for name, message in document["components"]["messages"].items():
        assert message["correlationId"] == {"location": "$message.payload#/correlation_id"}, name
