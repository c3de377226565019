"""What keeps each graded exercise independent, and the student's own work.

Every graded test cell runs its checks inside `isolated(name, globals())`:

- While the test runs, the functions the exercise builds on are the package's
  reference versions (for `style_loss`: `gram_matrix` and `style_layer_loss`),
  so a mistake in `gram_matrix` costs the points of `gram_matrix`'s tests
  only, not those of every function built on it. The student's own versions
  are put back afterwards.
- An exercise answered with the package's implementation of the same job
  fails with `ReferenceImplementationUsed`: when the student's function is
  that implementation (an alias or an import), or calls it while it runs.
  Helpers such as `colour.rgb_to_yiq` stay allowed.

Each exercise's visible check is its worked example (`worked_examples`). The
notebook's last cell, `before_you_hand_in`, runs them all the way the graded
tests do and says where each exercise stands and how to hand the notebook in.
"""

from __future__ import annotations

import contextlib
import inspect
import sys

from course_utils import colour, losses, optimise
from course_utils.fast.training import training_step
from course_utils.grading import worked_examples

REFERENCES = {
    "content_loss": losses.content_loss,
    "gram_matrix": losses.gram_matrix,
    "style_layer_loss": losses.style_layer_loss,
    "style_loss": losses.style_loss,
    "total_loss": losses.total_loss,
    "optimisation_step": optimise.optimisation_step,
    "combine_luminance": colour.combine_luminance,
    "training_step": training_step,
}
"""{exercise: the package function that does the same job}."""

BUILDS_ON = {
    "style_layer_loss": ("gram_matrix",),
    "style_loss": ("style_layer_loss",),
}
"""{exercise: the exercises its solution calls}; the chain is followed down."""

EXERCISES = tuple(
    name
    for name, check in vars(worked_examples).items()
    if inspect.isfunction(check) and check.__module__ == worked_examples.__name__
)
"""Every graded exercise: those with a worked example, in the notebooks' order."""

PASSED, NOT_YET, NOT_ATTEMPTED = "passed", "not yet", "not attempted"

HAND_IN = """\
To hand in {notebook}:
  Colab: File → Download → Download .ipynb, keep the name {notebook},
    and upload that file where your course collects the assignment.
  JupyterLab with nbgrader: save the notebook (Ctrl+S), then submit the
    assignment from the Assignments tab (Nbgrader → Assignment List)."""


class ReferenceImplementationUsed(AssertionError):
    """A solution used the package's implementation of its own exercise."""


def building_blocks(name: str) -> list[str]:
    """The exercises `name` builds on, directly or further down the chain."""
    blocks = []
    for block in BUILDS_ON.get(name, ()):
        for found in (block, *building_blocks(block)):
            if found not in blocks:
                blocks.append(found)
    return blocks


@contextlib.contextmanager
def isolated(name: str, namespace: dict):
    """Test the exercise `name` on its own (see the module docstring).

    Args:
        name: the exercise's function name, one of EXERCISES.
        namespace: the notebook's globals(), where the student's functions live.

    Raises:
        KeyError: `name` is not an exercise this module knows.
        ReferenceImplementationUsed: the solution is, or calls, the reference.
    """
    _known(name)
    blocks = building_blocks(name)
    missing = object()
    students = {block: namespace.get(block, missing) for block in blocks}
    namespace.update({block: REFERENCES[block] for block in blocks})
    reference = REFERENCES.get(name)
    solution = namespace.get(name)
    watch = _CallWatch(reference, solution)
    failure = None
    try:
        with watch:
            yield
    except Exception as error:  # a failing test; the reason below comes first
        failure = error
    finally:
        for block, function in students.items():
            if function is missing:
                namespace.pop(block, None)
            else:
                namespace[block] = function
    if reference is not None and (_code(solution) is _code(reference) or watch.seen):
        where = f"{reference.__module__}.{reference.__name__}"
        raise ReferenceImplementationUsed(
            f"Your {name} uses {where}, the course package's own implementation, "
            "so this exercise scores 0. Write it yourself with TensorFlow or NumPy "
            "operations; the tests then grade your code."
        ) from failure
    if failure is not None:
        raise failure


def standing(name: str, namespace: dict) -> tuple[str, str]:
    """Run the worked example of exercise `name` as its graded test does.

    Args:
        name: one of EXERCISES.
        namespace: the notebook's globals(), where the student's function lives.

    Returns:
        (PASSED, ""), (NOT_YET, what the check says) or (NOT_ATTEMPTED, why).

    Raises:
        KeyError: `name` is not an exercise this module knows.
    """
    _known(name)
    if name not in namespace:
        return NOT_ATTEMPTED, f"{name} is not defined: run the cell that defines it"
    try:
        with isolated(name, namespace):
            getattr(worked_examples, name)(namespace[name])
    except NotImplementedError:
        return NOT_ATTEMPTED, "it still raises NotImplementedError"
    except AssertionError as failure:
        return NOT_YET, str(failure)
    except Exception as failure:  # the student's code raised: report, go on
        return NOT_YET, f"{type(failure).__name__}: {failure}"
    return PASSED, ""


def before_you_hand_in(notebook: str, namespace: dict, names: list[str]) -> None:
    """Print where each exercise of a notebook stands, then how to hand it in.

    The notebook's last cell: `exercises.before_you_hand_in(
    "02_content_loss.ipynb", globals(), ["content_loss"])`. Each exercise's
    worked example runs as in its graded test; the hidden tests do not.

    Args:
        notebook: the notebook's file name, which the hand-in keeps.
        namespace: the notebook's globals().
        names: the notebook's exercises, in order (of EXERCISES).
    """
    width = max(map(len, names), default=0)
    print(f"The worked examples of {notebook} (the hidden tests check more cases):")
    for name in names:
        state, detail = standing(name, namespace)
        print(f"  {name:<{width}}  {state}" + (f": {detail}" if detail else ""))
    print()
    print(HAND_IN.format(notebook=notebook))


def _known(name: str) -> None:
    """Raise KeyError, naming the known exercises, unless `name` is one."""
    if name not in EXERCISES:
        raise KeyError(f"No exercise called {name!r}; known: {', '.join(EXERCISES)}.")


def _code(function):
    """The code object a function runs (through decorators and tf.function)."""
    function = getattr(function, "python_function", function)
    try:
        function = inspect.unwrap(function)
    except ValueError:
        return None
    return getattr(function, "__code__", None)


class _CallWatch:
    """Notice whether `reference` runs while `solution` is on the call stack.

    A profile hook (`sys.setprofile`) sees every Python call; the test's own
    calls of the reference (to compute expected values) do not count.
    """

    def __init__(self, reference, solution):
        self.reference_code = _code(reference)
        self.solution_code = _code(solution)
        self.seen = False
        self._previous = None

    def __enter__(self):
        self._previous = sys.getprofile()
        if self.reference_code is not None and self.solution_code is not None:
            sys.setprofile(self._on_event)
        return self

    def __exit__(self, *exc_info):
        sys.setprofile(self._previous)
        return False

    def _on_event(self, frame, event, arg):
        if event == "call" and frame.f_code is self.reference_code:
            caller = frame.f_back
            while caller is not None:
                if caller.f_code is self.solution_code:
                    self.seen = True
                    break
                caller = caller.f_back
        if callable(self._previous):  # a Python profile hook set before ours
            self._previous(frame, event, arg)
