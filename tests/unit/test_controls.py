"""The power-of-ten control: a drag gives an exact power, a typed value is kept."""

import pytest

from course_utils.controls import PowerOfTen, nearest_exponent, power_of_ten


@pytest.fixture
def control():
    return PowerOfTen(1.0, (-5, 3), "alpha (content)")


def test_power_of_ten_is_the_float_of_the_literal():
    actual = [power_of_ten(e) for e in (-5, -2, 0, 3, 6)]
    assert actual == [1e-5, 0.01, 1.0, 1000.0, 1e6]


@pytest.mark.parametrize(
    "value, expected",
    [(0.01, -2), (0.03, -2), (0.04, -1), (1e3, 3), (1e9, 3), (1e-9, -5), (0.0, -5)],
)
def test_nearest_exponent_rounds_on_a_log_scale_within_the_slider(value, expected):
    assert nearest_exponent(value, -5, 3) == expected


def test_control_starts_at_its_value(control):
    assert control.value == 1.0 and control.text.value == 1.0
    assert control.exponent.value == 0
    assert control.readout.value == "10<sup>0</sup> ="


def test_a_drag_sets_the_exact_power_once(control):
    changes = []
    control.observe(lambda change: changes.append(change["new"]), names="value")
    control.exponent.value = -2
    assert changes == [0.01]
    assert control.text.value == 0.01


def test_a_typed_value_is_kept_and_the_slider_moves_to_the_nearest_power(control):
    control.text.value = 0.03
    assert control.value == 0.03 and control.text.value == 0.03
    assert control.exponent.value == -2
    assert control.readout.value == "10<sup>&minus;1.52</sup> ="


def test_a_value_set_in_code_shows_in_box_and_slider(control):
    control.value = 5.0
    assert control.text.value == 5.0 and control.exponent.value == 1


def test_values_below_the_setting_s_range_become_its_lowest(control):
    control.value = -3.0
    assert control.value == 0.0 and control.text.value == 0.0
    assert control.readout.value == "off:"
