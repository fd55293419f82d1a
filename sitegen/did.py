"""Issuer DID documents (did:web) listing their Ed25519 Multikey verification methods."""

from __future__ import annotations

from dataclasses import dataclass

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishedKey:
    """A public key as the DID document publishes it."""

    fragment: str
    multikey: str


def to_did_document(did: str, keys: tuple[PublishedKey, ...]) -> dict[str, object]:
    """The DID document: every key may assert credentials, retired ones included.

    did:web has no history, so a key removed from here would make every
    credential it signed fail: retired keys stay until those expire.
    """
    methods = [
        {
            "id": f"{did}#{key.fragment}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.multikey,
        }
        for key in keys
    ]
    ids = [m["id"] for m in methods]
    return {
        "@context": DID_CONTEXTS,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    }
