import re

from erp_connectors.connectors.row_names import time_ordered_name


def test_names_sort_as_text_in_the_order_of_their_milliseconds_until_the_year_3084():
	moments = [
		0,
		1_000,
		1_001,
		1_700_000_000_000,
		1_700_000_000_001,
		1_796_000_000_500,
		32_000_000_000_000,
		2**45 - 1,
	]
	names = [time_ordered_name(moment) for moment in moments]
	assert names == sorted(names)
	assert len({name[:9] for name in names}) == len(moments)


def test_a_name_is_sixteen_characters_of_frappes_hash_alphabet():
	name = time_ordered_name()
	assert re.fullmatch(r"[0-9a-v]{16}", name)


def test_names_of_one_millisecond_share_the_time_and_differ_in_the_rest():
	names = {time_ordered_name(1_796_000_000_123) for _ in range(1_000)}
	assert len(names) == 1_000
	assert len({name[:9] for name in names}) == 1
