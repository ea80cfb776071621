"""Features that suit bug reports: words, characters, code tokens and API names, error types.

Pure functions (no Django, no I/O) so the trained artefact pickles them by reference.
"""

import re

# Dotted names as code writes them: tf.keras.layers.Dense, torch.cuda.is_available, model.fit, np.float32.
DOTTED = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
# Exception and warning class names: ValueError, ResourceExhaustedError, UserWarning, ...
ERROR_TYPE = re.compile(r"\b([A-Z][A-Za-z0-9_]*(?:Error|Exception|Warning))\b")
# Identifiers written in CamelCase or snake_case (layer and function names: Conv2D, fit_generator, ...).
IDENTIFIER = re.compile(
    r"\b(?:[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*|[A-Za-z][a-z0-9]*_[A-Za-z0-9_]+|[A-Z][a-z]*\d+[A-Za-z]*)\b"
)
# Shape tuples and lists: (None, 28, 28, 1), [32, 10], torch.Size([64, 3]).
SHAPE = re.compile(r"[\(\[]\s*(?:None|\?|-?\d+)\s*(?:,\s*(?:None|\?|-?\d+)\s*)+,?\s*[\)\]]")
# Recurring error-message patterns, each a named token.
PATTERNS = {
    "pattern:out_of_memory": re.compile(r"out of memory|\bOOM\b|ResourceExhausted|memory (?:error|leak)", re.I),
    "pattern:cuda": re.compile(r"\bcuda\b|\bcudnn\b|\bnvidia\b|\bgpu\b|\bdevice\b", re.I),
    "pattern:shape_mismatch": re.compile(
        r"shape mismatch|incompatible shapes?|expected .{0,40}shape|size mismatch|dimensions? (?:must|do not)|"
        r"expected (?:input|ndim|min_ndim)|must match|cannot reshape|broadcast",
        re.I,
    ),
    "pattern:dtype": re.compile(r"\bdtype\b|expected (?:scalar )?type|float32|float64|int64|double|\bcast\b", re.I),
    "pattern:version": re.compile(r"\bversion\b|deprecat|no attribute|cannot import|no module named|upgrade", re.I),
    "pattern:loss_nan": re.compile(
        r"\bnan\b|\binf\b|loss (?:is|does not|doesn't|not)|not (?:converg|decreas|learn)", re.I
    ),
    "pattern:accuracy": re.compile(r"accuracy|overfit|underfit|validation loss|val_loss|val_acc", re.I),
    "pattern:traceback": re.compile(r"Traceback \(most recent call last\)"),
}


def code_tokens(text: str) -> list[str]:
    """Tokens a bag of words misses: API names with their prefixes, error types, shapes, error patterns."""
    tokens: list[str] = []
    for match in DOTTED.finditer(text):
        parts = match.group(0).split(".")
        # Every prefix (tf, tf.keras, tf.keras.layers, ...) and the last name alone (Dense).
        tokens.extend("api:" + ".".join(parts[: i + 1]).lower() for i in range(len(parts)))
        tokens.append("name:" + parts[-1].lower())
    tokens.extend("error:" + m.group(1) for m in ERROR_TYPE.finditer(text))
    tokens.extend("ident:" + m.group(0).lower() for m in IDENTIFIER.finditer(text))
    tokens.extend("pattern:shape" for _ in SHAPE.finditer(text))
    tokens.extend(name for name, pattern in PATTERNS.items() if pattern.search(text))
    return tokens
