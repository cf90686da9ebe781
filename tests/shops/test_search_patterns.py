"""The patterns the searches write by hand: a LIKE text taken literally, and the end of the
byte-wise range that holds every text beginning with a prefix."""

from __future__ import annotations

import pytest

from shops.lookups import like_escape, prefix_end


def test_like_escape_takes_wildcards_and_its_escape_literally():
    assert like_escape(r"50% off_now\x") == r"50\% off\_now\\x"


@pytest.mark.parametrize(
    ("prefix", "end"),
    [
        ("smith", "smiti"),
        ("0970-", "0970."),
        ("jos\u00e9", "jos\u00ea"),
        ("a\ud7ff", "a\ue000"),  # past the surrogates, which are no characters
        ("a\U0010ffff", None),  # nothing comes after the last character
    ],
)
def test_prefix_end_is_the_first_text_after_the_prefix(prefix, end):
    assert prefix_end(prefix) == end
    if end is not None:  # every text that begins with the prefix sorts before it, byte-wise
        assert (prefix + "\U0010ffff").encode() < end.encode()
