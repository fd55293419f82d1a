"""Signing Open Badges 3.0 credentials: Ed25519 keys, Data Integrity proofs and VC-JWT."""

from __future__ import annotations

from sitegen.crypto.jwt import JwtError, decode_vc_jwt, encode_vc_jwt, read_jwt_header
from sitegen.crypto.keys import (
    KeyMaterialError,
    PublicKey,
    SigningKey,
    read_key_file,
    read_signing_key,
    write_key_file,
)
from sitegen.crypto.loader import (
    CONTEXTS,
    DocumentLoader,
    UnknownDocumentError,
    make_document_loader,
)
from sitegen.crypto.proof import (
    ProofError,
    canonicalize,
    check_safe_mode,
    create_proof,
    hash_data,
    proof_config,
    verify_proof,
)

__all__ = [
    "CONTEXTS",
    "DocumentLoader",
    "JwtError",
    "KeyMaterialError",
    "ProofError",
    "PublicKey",
    "SigningKey",
    "UnknownDocumentError",
    "canonicalize",
    "check_safe_mode",
    "create_proof",
    "decode_vc_jwt",
    "encode_vc_jwt",
    "hash_data",
    "make_document_loader",
    "proof_config",
    "read_jwt_header",
    "read_key_file",
    "read_signing_key",
    "verify_proof",
    "write_key_file",
]
