"""Making the published files of endorsers and endorsements.

Each endorser gets its DID document and OB 2.0 Profile under ``endorsers/<slug>/``;
each endorsement its signed OB 3.0 EndorsementCredential (Data Integrity proof and
VC-JWT) and OB 2.0 Endorsement under ``endorsements/<slug>/``. These are files of
the site around the awards: award credentials do not embed endorsements, so that
a partner's new or edited endorsement never changes, re-signs or re-bakes an award.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sitegen import ob3
from sitegen.crypto.jwt import encode_vc_jwt
from sitegen.did import to_did_document
from sitegen.jsonout import to_json_bytes
from sitegen.model import Endorser
from sitegen.obendorse import (
    to_endorsement_credential,
    to_ob2_endorsement,
    to_ob2_endorser_profile,
)

if TYPE_CHECKING:
    from sitegen.produce import Maker


def endorser_key_id(maker: Maker, endorser: Endorser) -> str:
    """The DID URL of the key the endorser signs with (proof method and JWT ``kid``)."""
    signer = maker.workshop.keyring.signers[endorser.slug]
    return f"{maker.urls.endorser_did(endorser)}#{signer.fragment}"


def endorsement_files(maker: Maker) -> dict[str, bytes]:
    """Every endorser's and endorsement's files, by output path."""
    site, urls, tr = maker.workshop.site, maker.urls, maker.tr
    keyring = maker.workshop.keyring
    files: dict[str, bytes] = {}
    for endorser in site.endorsers:
        files[urls.endorser_did_document(endorser)] = to_json_bytes(
            to_did_document(urls.endorser_did(endorser), keyring.published_keys(endorser))
        )
        files[urls.endorser_profile(endorser)] = to_json_bytes(
            to_ob2_endorser_profile(endorser, urls, tr)
        )
    for endorsement in site.endorsements:
        endorser = endorsement.endorser
        key_id = endorser_key_id(maker, endorser)
        credential = to_endorsement_credential(endorsement, urls, tr)
        files[urls.endorsement_credential(endorsement)] = maker.sign_as(
            endorser.slug, key_id, credential, ob3.date_time(endorsement.issued)
        )
        files[urls.endorsement_jwt(endorsement)] = encode_vc_jwt(
            credential, keyring.signers[endorser.slug].key, kid=key_id
        ).encode("ascii")
        files[urls.endorsement_ob2(endorsement)] = to_json_bytes(
            to_ob2_endorsement(endorsement, urls, tr)
        )
    return files
