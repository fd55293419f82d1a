import base64
import gzip

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.status import LIST_SIZE, decode_bitstring, encode_bitstring, is_set

SPEC_EMPTY_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def test_encoding_matches_the_spec_example_for_an_empty_list():
    assert decode_bitstring(SPEC_EMPTY_LIST) == bytes(LIST_SIZE // 8)
    assert decode_bitstring(encode_bitstring([])) == bytes(LIST_SIZE // 8)


def test_encoding_is_msb_first_gzip_base64url_multibase_and_deterministic():
    encoded = encode_bitstring([0, 7, 9])
    assert encoded.startswith("u") and "=" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) == LIST_SIZE // 8
    assert raw[0] == 0b1000_0001 and raw[1] == 0b0100_0000
    assert encode_bitstring([0, 7, 9]) == encoded


@settings(max_examples=50)
@given(st.sets(st.integers(min_value=0, max_value=LIST_SIZE - 1), max_size=40))
def test_bitstring_round_trip(indexes):
    bits = decode_bitstring(encode_bitstring(indexes))
    for i in [*indexes, 0, LIST_SIZE - 1]:
        assert is_set(bits, i) == (i in indexes)
