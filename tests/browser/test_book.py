"""The course website: `make book` at the tests' small sizes, opened in Chromium.

Builds the site once for the module (`make book` into a temporary folder, from
the notebooks as the notebook tests ran them at tests/notebooks/small.yml's
sizes: each notebook runs once per test session), serves it over HTTP on
127.0.0.1 and checks what a
reader sees: the README as the front page, its table of contents listing the
seven notebooks in order, and for each notebook a page with its title, with
figures that loaded (every notebook but the playground, whose output is its
widgets), without the exercises' solutions and graded tests, and without error
output: no traceback and no error cell. The
notebooks run with random weights here, as in the notebook tests, so the one
text allowed on stderr is the warning that VGG19's weights are random; any
other stderr text fails the test. The browser loads nothing but the site (the CDN
scripts for maths and widgets are blocked). Screenshots of the front page and
of notebook 04 go to test-artifacts/.
"""

import re
import subprocess

import nbformat
import pytest

from tests.conftest import REPO, serve

# Builds the website: in `make test-all`, not the fast lane.
pytestmark = pytest.mark.slow

ARTIFACTS = REPO / "test-artifacts"
NOTEBOOKS = sorted(path.stem for path in (REPO / "notebooks").glob("*.ipynb"))
WITHOUT_FIGURES = {"06_playground"}  # its output is the playground's widgets
WIDGET = 'script[type="application/vnd.jupyter.widget-view+json"]'

# The warning load_vgg19 gives for random weights: the line Python prints it on,
# then the source line that called it.
RANDOM_WEIGHTS_WARNING = re.compile(
    r"^\S+\.py:\d+: UserWarning: VGG19 has RANDOM, UNTRAINED weights: .*\n  \S.*$",
    re.MULTILINE,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory, small_runs):
    """`make book` from the notebook tests' runs (their files are in their own
    folders, out of notebooks/outputs/)."""
    build = tmp_path_factory.mktemp("book")
    executed = build / "executed"
    executed.mkdir()
    for name in NOTEBOOKS:
        nbformat.write(small_runs(name).as_published(), executed / f"{name}.ipynb")
    done = subprocess.run(
        ["make", "book", f"BOOK_BUILD={build}", f"BOOK_EXECUTED={executed}"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"make book failed:\n{done.stdout}\n{done.stderr}"
    return build / "site"


@pytest.fixture(scope="module")
def website(chromium, site):
    """A browser context on the served site that reaches 127.0.0.1 only."""
    with serve(site) as url:
        context = chromium.new_context(viewport={"width": 1280, "height": 1000})
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(url)
                else route.abort()
            ),
        )
        try:
            yield context, url
        finally:
            context.close()


def test_front_page_is_the_readme_and_lists_the_notebooks(website):
    context, url = website
    page = context.new_page()
    page.goto(f"{url}/")  # index.html sends the reader on to README.html
    page.wait_for_url(f"{url}/README.html")
    heading = page.locator("article h1")
    assert text(heading) == readme_title()
    pages = page.locator("nav.bd-links li.toctree-l1 > a")  # this page ("#") first
    assert [link.get_attribute("href") for link in pages.all()] == [
        "#",
        *(f"notebooks/{name}.html" for name in NOTEBOOKS),
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "book-front.png"))
    page.close()


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_page_shows_its_figures_and_no_error(website, name):
    context, url = website
    page = context.new_page()
    response = page.goto(f"{url}/notebooks/{name}.html")
    assert response.ok, f"{name}: HTTP {response.status}"
    assert text(page.locator("article h1")) == notebook_title(name)

    figures = page.locator("article .cell_output img")
    loaded = figures.evaluate_all(
        "imgs => imgs.map(img => img.complete && img.naturalWidth > 0)"
    )
    assert all(loaded), f"{name}: {loaded.count(False)} figures did not load"
    if name in WITHOUT_FIGURES:
        widgets = page.locator(f"article .cell_output {WIDGET}")
        assert widgets.count() > 0, f"{name}: the playground's widgets are missing"
    else:
        assert loaded, f"{name}: no figure on the page"

    errors = page.locator("article .cell_output :is(.output.traceback, .output.error)")
    assert errors.count() == 0, f"{name}: {errors.locator('pre').all_text_contents()}"
    outputs = "\n".join(page.locator("article .cell_output").all_text_contents())
    assert "Traceback (most recent call last)" not in outputs, f"{name}: a traceback"
    for stderr in page.locator("article .cell_output .output.stderr").all():
        rest = RANDOM_WEIGHTS_WARNING.sub("", stderr.locator("pre").text_content())
        assert not rest.strip(), f"{name}: unexpected stderr output: {rest[:500]}"

    # Solutions and graded tests stay off the public site (their outputs stay).
    html = page.content()
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS"):
        assert marker not in html, f"{name}: the page shows {marker!r}"

    if name == "04_total_loss_and_optimisation":
        ARTIFACTS.mkdir(exist_ok=True)
        figures.nth(1).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "book-04.png"))
    page.close()


def text(heading) -> str:
    """A heading's text without its "#" link, with plain quotes."""
    return heading.text_content().removesuffix("#").replace("\u2019", "'")


def readme_title() -> str:
    return (REPO / "README.md").read_text().splitlines()[0].removeprefix("# ")


def notebook_title(name) -> str:
    notebook = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
    first = next(cell for cell in notebook.cells if cell.cell_type == "markdown")
    return first.source.splitlines()[0].removeprefix("# ")
