"""Signing Open Badges 3.0 credentials: Ed25519 keys, Data Integrity proofs and VC-JWT.

Import the modules themselves (``sitegen.crypto.proof``…): this package imports nothing,
so that commands which do not sign do not load the JSON-LD machinery.
"""
