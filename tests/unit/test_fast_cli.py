"""`python -m course_utils train` and `stylize --model` on tiny photos with
random VGG19 weights."""

import dataclasses

import numpy as np
import pytest
from PIL import Image

from course_utils import fast
from course_utils.captions import RANDOM_WEIGHTS_NOTE, note_in
from course_utils.cli import main
from course_utils.fast.command import LOSS_FIELDS, TRAINING_FIELDS
from course_utils.images import load_image

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")

TINY = [
    "--weights",
    "random",
    "--size",
    "32",
    "--width",
    "4",
    "--residual-blocks",
    "1",
    "--batch-size",
    "2",
    "--quiet",
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A folder of photos and a network trained on them for 3 steps, by the CLI."""
    folder = tmp_path_factory.mktemp("cli")
    photos = folder / "photos"
    photos.mkdir()
    rng = np.random.default_rng(0)
    for k in range(3):
        Image.fromarray(rng.integers(0, 255, (40, 50, 3), np.uint8)).save(
            photos / f"{k}.png"
        )
    out = folder / "net.keras"
    status = main(
        [
            "train",
            *TINY,
            "--steps",
            "3",
            "--photos",
            str(photos),
            "--out",
            str(out),
            "--checkpoint-every",
            "2",
        ]
    )
    assert status == 0
    return folder, out


def test_train_saves_the_network_and_says_how_it_went(trained, capsys):
    folder, out = trained
    record = fast.record(fast.load_network(out))
    assert record == {
        "vgg_weights": "random",
        "style": "immunohistochemistry",
        "steps": 3,
        "size": 32,
    }
    assert not list(folder.glob("*.partial*"))


def test_train_prints_the_steps_speed_and_losses(tmp_path, trained, capsys):
    folder, _ = trained
    out = tmp_path / "again.keras"
    assert (
        main(
            [
                "train",
                *TINY,
                "--steps",
                "2",
                "--photos",
                str(folder / "photos"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert f"Saved {out} after 2 steps of 2 photos at 32 px in " in captured.out
    assert "photos/s); final losses: total " in captured.out
    assert RANDOM_WEIGHTS_NOTE in captured.err


def test_stylize_with_the_model_paints_in_one_pass(trained, tmp_path, capsys):
    _, network = trained
    photo = tmp_path / "photo.png"
    Image.fromarray(np.full((40, 60, 3), 90, np.uint8)).save(photo)
    out = tmp_path / "painted.png"
    status = main(
        [
            "stylize",
            "--model",
            str(network),
            "--content",
            str(photo),
            "--out",
            str(out),
            "--size",
            "60",
        ]
    )
    assert status == 0
    assert f"Saved {out}: 60 x 40 px in one forward pass" in capsys.readouterr().out
    assert note_in(out) == RANDOM_WEIGHTS_NOTE  # trained with random VGG19 weights
    painted = load_image(out)
    expected = fast.stylize_photos(fast.load_network(network), load_image(photo))
    # the picture above its caption is the network's output, to 8-bit rounding
    left = (painted.shape[1] - 60) // 2  # a narrow picture sits on a wider card
    top = painted[:40, left : left + 60]
    np.testing.assert_allclose(top, expected, atol=1 / 255 + 1e-6)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--iterations", "5"],
            "leave out the options of the optimisation loop (--iterations)",
        ),
        (["--alpha", "2", "--init", "noise"], "(--alpha, --init)"),
        (["--style", "a.png", "b.png"], "(--style)"),
        (["--gif", "run.gif", "--snapshots-dir", "frames"], "(--gif, --snapshots-dir)"),
    ],
)
def test_stylize_with_a_model_refuses_loop_options(
    trained, tmp_path, capsys, arguments, message
):
    _, network = trained
    status = main(
        [
            "stylize",
            "--model",
            str(network),
            "--out",
            str(tmp_path / "x.png"),
            *arguments,
        ]
    )
    assert status == 2
    assert message in capsys.readouterr().err


def test_train_and_stylize_name_what_is_missing(tmp_path, capsys):
    status = main(
        [
            "stylize",
            "--model",
            str(tmp_path / "none.keras"),
            "--out",
            str(tmp_path / "x.png"),
        ]
    )
    assert status == 2
    assert "No trained network at" in capsys.readouterr().err
    status = main(
        [
            "train",
            *TINY,
            "--photos",
            str(tmp_path / "nowhere"),
            "--out",
            str(tmp_path / "n.keras"),
        ]
    )
    assert status == 2
    assert "No photo folder at" in capsys.readouterr().err


def test_train_wants_a_keras_file_before_anything_else(tmp_path, capsys):
    # no --photos: the flower photos would be downloaded first
    assert main(["train", *TINY, "--out", str(tmp_path / "net.h5")]) == 2
    assert "--out must be a .keras file; got '" in capsys.readouterr().err
    assert not (tmp_path / "net.h5").exists()


def test_train_never_overwrites_without_force(trained, capsys):
    _, out = trained
    assert main(["train", *TINY, "--out", str(out)]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err


def test_every_training_setting_is_an_option_with_its_help(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for field in (*TRAINING_FIELDS, *LOSS_FIELDS):
        option = "--" + field.name.replace("_", "-")
        assert option in text, option
        assert " ".join(field.metadata["help"].split()) in text, option
    assert "--iterations" not in text and "--init" not in text
    assert "(default 256)" in text  # the training crops' side, not stylize's 512
    names = [f.name for f in (*TRAINING_FIELDS, *LOSS_FIELDS)]
    assert len(names) == len(set(names)), "an option declared twice"
    assert {f.name for f in dataclasses.fields(fast.TrainingSettings)} <= set(names)
