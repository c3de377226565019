"""Entry point for `python -m course_utils` (and the `course-utils` command)."""

import sys

from course_utils.startup import quiet_start


def main(argv=None) -> int:
    """Start TensorFlow without its start-up log lines, then run the command line."""
    with quiet_start():
        import tensorflow as tf

        tf.config.list_physical_devices("GPU")
    from course_utils.cli import main as command_line

    return command_line(argv)


if __name__ == "__main__":
    sys.exit(main())
