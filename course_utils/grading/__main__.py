"""`python -m course_utils.grading`: grade the whole class (see `run`)."""

import argparse
import sys

from course_utils.grading.run import GradingError, grade_class


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.grading",
        description=(
            "Autograde every submission in submitted/<student>/<assignment>/, "
            "write feedback and grades.csv, and print a summary. Exit status: "
            "0 every submission graded, 1 some notebook could not be graded, "
            "2 grading could not start."
        ),
    )
    parser.add_argument(
        "--course", default=".", help="the course folder (default: here)"
    )
    parser.add_argument("--assignment", default="style_transfer")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local Dask workers (default: one per core)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        help="address of a Dask scheduler (tcp://host:8786) to grade on its cluster",
    )
    parser.add_argument("--csv", default="grades.csv", help="where grades.csv goes")
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error(f"--workers must be 1 or more; got {args.workers}")
    try:
        return grade_class(
            args.course, args.assignment, args.workers, args.scheduler, args.csv
        )
    except GradingError as error:
        print(f"Cannot grade: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
