"""What a pasted bug report may be: text, not empty, at most 50 kB, no NUL or other control characters."""

import re

from django.core.exceptions import ValidationError

MAX_BYTES = 50_000
# C0 controls other than tab, line feed and carriage return, DEL, C1 controls: what binary data is made of.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def validate_report_text(text: str) -> None:
    """Raise ``ValidationError`` with a message for the field; the text itself never appears in it."""
    if not text.strip():
        raise ValidationError("Paste the text of a bug report.", code="blank")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:  # lone surrogates: not text
        raise ValidationError("The text is not valid Unicode (binary data?).", code="binary") from None
    if size > MAX_BYTES:
        raise ValidationError(f"The text is {size} bytes; the limit is {MAX_BYTES} bytes (50 kB).", code="too_long")
    match = CONTROL.search(text)
    if match:
        raise ValidationError(
            f"The text contains a control character (U+{ord(match.group(0)):04X}); paste text, not binary data.",
            code="binary",
        )
