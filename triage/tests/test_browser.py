"""The classify page in real Chromium on the real data, with a realistic report written for this test."""

import pytest
from django.core.management import call_command

from coverage import coverage

pytestmark = pytest.mark.browser

# Written for this test (not from the training data): a Keras shape-mismatch question as StackOverflow shows them.
SHAPE_REPORT = """ValueError: Input 0 of layer dense is incompatible with the layer (expected shape 784)

I build a simple MLP in TensorFlow 2 / Keras for MNIST:

model = tf.keras.Sequential([
    tf.keras.layers.Dense(128, activation='relu', input_shape=(784,)),
    tf.keras.layers.Dense(10, activation='softmax'),
])
model.fit(x_train, y_train, epochs=5)

x_train has shape (60000, 28, 28). When I call fit I get
ValueError: Input 0 of layer dense is incompatible with the layer: expected axis -1 of input shape to have
value 784 but received input with shape (None, 28, 28). Do I need to reshape or flatten the input tensor?
"""


@pytest.fixture
def real_data(transactional_db):
    call_command("loaddata", "taxonomy", "papers", "challenges", verbosity=0)


def test_pasted_shape_mismatch_is_classified_as_tensors_and_inputs(browser_page, real_data, artefact):
    page = browser_page.page
    browser_page.goto("/classify/")
    page.get_by_label("Bug report").fill(SHAPE_REPORT)
    page.get_by_role("button", name="Classify").click()
    page.wait_for_selector("#categories")
    first = page.locator("#categories tbody tr").first
    assert first.locator("a").inner_text() == "Tensors & Inputs"
    assert first.locator("code").inner_text() == "H-4"

    leaf_links = page.locator("#leaves tr.leaf td:first-child a")
    assert leaf_links.count() >= 1
    first_leaf = page.locator("#leaves tr.leaf").first
    code = first_leaf.locator("code").inner_text()
    row = coverage.compute().row(code)
    assert first_leaf.locator(".badge").inner_text() == row.status_label
    browser_page.screenshot("classify")

    leaf_links.first.click()
    page.wait_for_url(f"**/faults/{code}/")
    assert page.locator("h1").inner_text().startswith(row.fault.name)
    assert browser_page.console_errors == []
    assert browser_page.foreign_requests == []
