"""StyleTransferSettings: each setting checked when made; errors name the value."""

import pytest

from course_utils.settings import StyleTransferSettings


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"iterations": 0}, "iterations must be at least 1; got 0"),
        ({"iterations": -3}, "iterations must be at least 1; got -3"),
        ({"size": 16}, "size must be at least 32; got 16"),
        ({"learning_rate": 0}, "learning_rate must be > 0.0; got 0"),
        ({"learning_rate": -0.1}, "learning_rate must be > 0.0; got -0.1"),
        ({"alpha": -1}, "alpha must be a finite number >= 0; got -1"),
        ({"beta": -2}, "beta must be a finite number >= 0; got -2"),
        ({"alpha": 0, "beta": 0}, "both 0"),
        ({"tv_weight": -1}, "tv_weight must be >= 0.0; got -1"),
        ({"style_layers": []}, "style layers are empty"),
        ({"content_layers": []}, "content layers are empty"),
        ({"style_layers": {"block1_conv1": -0.5}}, "got -0.5"),
        ({"content_layers": ["conv9_9"]}, "Unknown VGG19 layer 'conv9_9'"),
        (
            {"init": "random"},
            "init must be one of 'mixed', 'content', 'noise', 'style'",
        ),
        ({"optimizer": "sgd"}, "optimizer must be one of 'adam', 'lbfgs'; got 'sgd'"),
        ({"noise_ratio": 1.5}, "noise_ratio must be <= 1.0; got 1.5"),
        ({"snapshot_every": 0}, "snapshot_every must be at least 1"),
        ({"seed": -1}, "seed must be at least 0; got -1"),
    ],
)
def test_settings_reject_bad_values_with_the_value(settings, message):
    with pytest.raises(ValueError, match=message):
        StyleTransferSettings(**settings)


def test_settings_normalise_layers_to_keras_names():
    settings = StyleTransferSettings(
        content_layers=["conv4_2"],
        style_layers={"conv1_1": 2, "conv2_1": 1},
        weights=None,
    )
    assert settings.content_layers == {"block4_conv2": 1.0}
    assert settings.style_layers == {"block1_conv1": 2.0, "block2_conv1": 1.0}
    assert settings.weights == "random"


def test_settings_seed_must_be_a_whole_number():
    with pytest.raises(TypeError, match="seed must be a whole number; got 1.5"):
        StyleTransferSettings(seed=1.5)


def test_the_defaults_are_the_fast_path():
    settings = StyleTransferSettings(weights=None)
    assert settings.optimizer == "adam" and settings.stages == 3
    assert settings.precision in ("float32", "bfloat16")  # "auto", resolved


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"precision": "half"}, "precision must be one of 'auto', 'float32'"),
        ({"stages": 0}, "stages must be at least 1; got 0"),
    ],
)
def test_bad_speed_settings(bad, message):
    with pytest.raises(ValueError, match=message):
        StyleTransferSettings(weights=None, **bad)
