"""`python -m course_utils` end to end on tiny images with random weights."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from course_utils.captions import MIN_WIDTH, RANDOM_WEIGHTS_NOTE, note_in
from course_utils.cli import main
from course_utils.images import load_image
from course_utils.settings import StyleTransferSettings

pytestmark = pytest.mark.filterwarnings("ignore:VGG19 has RANDOM")

TINY = ["--weights", "random", "--size", "64", "--iterations", "5", "--quiet"]


@pytest.mark.slow  # a new Python and TensorFlow; the other tests call main()
def test_module_entry_point_writes_a_png(tmp_path):
    out = tmp_path / "out.png"
    completed = subprocess.run(
        [sys.executable, "-m", "course_utils", "stylize", *TINY, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "NOT a style transfer" in completed.stderr
    assert f"Saved {out} after 5 iterations" in completed.stdout
    assert (
        load_image(out).shape[1] == MIN_WIDTH
    )  # a 64 px image on a card, the note below
    assert note_in(out) == RANDOM_WEIGHTS_NOTE


def test_stylize_with_files_and_snapshots(tmp_path, rng, capsys):
    content, style = tmp_path / "c.png", tmp_path / "s.png"
    Image.fromarray(rng.integers(0, 256, (40, 60, 3), np.uint8)).save(content)
    Image.fromarray(rng.integers(0, 256, (50, 50, 3), np.uint8)).save(style)
    out, frames = tmp_path / "o.png", tmp_path / "frames"
    status = main(
        [
            "stylize",
            *TINY,
            "--content",
            str(content),
            "--style",
            str(style),
            "--out",
            str(out),
            "--snapshot-every",
            "2",
            "--snapshots-dir",
            str(frames),
            "--optimizer",
            "lbfgs",
            "--init",
            "noise",
            "--content-layers",
            "conv4_2",
            "--style-layers",
            "conv1_1",
        ]
    )
    assert status == 0, capsys.readouterr().err
    written = load_image(out)
    assert written.shape[1] == MIN_WIDTH and written.shape[0] > 43  # 43 x 64, the note
    saved = sorted(frames.glob("iteration_*.png"))
    assert [p.name for p in saved] == [f"iteration_0000{i}.png" for i in (0, 2, 4, 5)]
    assert all(note_in(path) == RANDOM_WEIGHTS_NOTE for path in [out, *saved])


def test_stylize_never_overwrites_without_force(tmp_path, capsys):
    out = tmp_path / "o.png"
    out.write_bytes(b"precious")
    assert main(["stylize", *TINY, "--out", str(out)]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert out.read_bytes() == b"precious"
    assert main(["stylize", *TINY, "--out", str(out), "--force"]) == 0
    assert load_image(out).shape[2] == 3


def test_stylize_refuses_to_overwrite_snapshots(tmp_path, capsys):
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "iteration_00000.png").write_bytes(b"old")
    status = main(
        [
            "stylize",
            *TINY,
            "--out",
            str(tmp_path / "o.png"),
            "--snapshots-dir",
            str(frames),
        ]
    )
    assert status == 2 and "already holds snapshots" in capsys.readouterr().err


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--content", "missing.jpg"], "No image file at missing.jpg"),
        (["--iterations", "0"], "iterations must be at least 1; got 0"),
        (["--style-layers", "conv9_1"], "Unknown VGG19 layer 'conv9_1'"),
        (["--alpha", "0", "--beta", "0"], "both 0"),
        (["--weights", "nowhere.h5"], "No VGG19 weights file at"),
    ],
)
def test_stylize_bad_input_is_one_clear_line(tmp_path, capsys, arguments, message):
    status = main(["stylize", *TINY, "--out", str(tmp_path / "o.png"), *arguments])
    err = capsys.readouterr().err
    assert status == 2
    assert message in err and "Traceback" not in err


def test_layers_prints_the_report_cifar_table(capsys):
    assert main(["layers", "--cifar"]) == 0
    out = capsys.readouterr().out
    assert "fc_cifa10" in out and "2 x 2 x 512" in out and "45,239,370" in out


def test_layers_imagenet_any_size(capsys):
    assert main(["layers", "--size", "64"]) == 0
    out = capsys.readouterr().out
    assert "block5_pool" in out and "2 x 2 x 512" in out and "20,024,384" in out


def test_stylize_output_folder_is_refused_before_the_run(tmp_path, capsys):
    status = main(["stylize", *TINY, "--out", str(tmp_path), "--force"])
    assert status == 2
    assert "is a folder" in capsys.readouterr().err


def test_stylize_keeps_the_image_when_saving_fails(tmp_path, capsys, monkeypatch):
    from course_utils import cli

    def disk_full(image, path, **kwargs):
        if path.name == "o.png":
            raise OSError(28, "No space left on device")
        return real_save(image, path, **kwargs)

    real_save = cli.save_image
    monkeypatch.setattr(cli, "save_image", disk_full)
    assert main(["stylize", *TINY, "--out", str(tmp_path / "o.png")]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err
    fallback = err.strip().rsplit("the image is in ", 1)[1]
    assert load_image(fallback).shape[2] == 3


def test_stylize_beyond_the_report_options(tmp_path, capsys):
    out, gif = tmp_path / "o.png", tmp_path / "run.gif"
    status = main(
        [
            "stylize",
            *TINY,
            "--out",
            str(out),
            "--style",
            "brick",
            "grass",
            "--style-weights",
            "2",
            "1",
            "--preserve-colour",
            "luminance",
            "--style-scale",
            "0.75",
            "--snapshot-every",
            "2",
            "--gif",
            str(gif),
        ]
    )
    assert status == 0, capsys.readouterr().err
    with Image.open(gif) as frames:
        assert frames.n_frames == 4  # iterations 0, 2, 4, 5
    assert note_in(gif) == RANDOM_WEIGHTS_NOTE


def test_stylize_coarse_to_fine_and_masks(tmp_path, capsys):
    mask = tmp_path / "left.png"
    pixels = np.zeros((43, 64), np.uint8)
    pixels[:, :32] = 255
    Image.fromarray(pixels).save(mask)
    out = tmp_path / "o.png"
    status = main(
        [
            "stylize",
            "--weights",
            "random",
            "--iterations",
            "4",
            "--quiet",
            "--out",
            str(out),
            "--size",
            "128",
            "--stages",
            "2",
            "--style",
            "brick",
            "--masks",
            str(mask),
        ]
    )
    assert status == 0, capsys.readouterr().err
    assert load_image(out).shape[1] == MIN_WIDTH  # 128 px, on a card with the note
    summary = capsys.readouterr().out
    assert "after 5 iterations (1 at 64 px, then 4 at 128 px) in" in summary


def test_stylize_missing_mask_file_is_named(tmp_path, capsys):
    status = main(
        [
            "stylize",
            *TINY,
            "--out",
            str(tmp_path / "o.png"),
            "--masks",
            "a.png",
            "b.png",
        ]
    )
    assert status == 2 and "No image file at a.png" in capsys.readouterr().err


def test_every_setting_is_an_option_with_its_help(capsys):
    with pytest.raises(SystemExit):
        main(["stylize", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for field in dataclasses.fields(StyleTransferSettings):
        option = "--" + field.name.replace("_", "-")
        assert option in text, option
        assert " ".join(field.metadata["help"].split()) in text, option


def test_stylize_refuses_to_overwrite_the_snapshots_of_stages(tmp_path, capsys):
    frames = tmp_path / "frames"
    arguments = ["stylize", "--weights", "random", "--size", "128", "--stages", "2"]
    arguments += ["--iterations", "2", "--quiet", "--snapshots-dir", str(frames)]
    assert main([*arguments, "--out", str(tmp_path / "a.png")]) == 0
    assert list((frames / "stage1_64px").glob("iteration_*.png"))
    assert main([*arguments, "--out", str(tmp_path / "b.png")]) == 2
    assert "already holds snapshots" in capsys.readouterr().err


def test_errors_speak_in_command_line_terms(tmp_path, capsys):
    status = main(
        ["stylize", *TINY, "--out", str(tmp_path / "o.png"), "--weights", "no.h5"]
    )
    err = capsys.readouterr().err
    assert status == 2 and "Pass --weights imagenet" in err
    assert "weights=" not in err
    assert main(["stylize", *TINY, "--out", str(tmp_path / "o.png"), "--alpha", "-1"])
    assert (
        "error: --alpha must be a finite number >= 0; got -1" in capsys.readouterr().err
    )


@pytest.mark.parametrize("role", ["content", "style"])
def test_a_too_small_image_is_named_with_its_role(tmp_path, capsys, role):
    tiny = tmp_path / "tiny.png"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tiny)
    arguments = [
        "stylize",
        *TINY,
        "--out",
        str(tmp_path / "o.png"),
        f"--{role}",
        str(tiny),
    ]
    assert main(arguments) == 2
    err = capsys.readouterr().err
    assert f"error: {role.capitalize()} image {tiny}: The image is 8x8 pixels" in err


def test_gallery_names_a_style_that_is_not_in_the_catalog(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["gallery", "--styles", "starry_nite", "--weights", "random"])
    assert exit.value.code == 2
    error = capsys.readouterr().err
    assert "argument --styles: invalid choice: " in error
    assert "starry_nite" in error
    assert "starry_night" in error and "brick" in error  # the choices
