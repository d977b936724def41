"""Text typed by users, quoted in the plain-text mails that the portal sends.

Mail clients turn URLs, host names and e-mail addresses of a plain-text body into links.
A mail sent from the portal's own address must carry no link that a user chose, so
``defuse_links`` rewrites them with this rule:

1. A scheme followed by ``://`` (``http://``, ``https://``, ``ftp://`` or any other) is
   removed, and so are the schemes ``mailto:``, ``tel:``, ``sms:``, ``callto:``,
   ``javascript:`` and ``data:``.
2. Every dot of a host name becomes ``[.]``. Host names are the host part of a URL with a
   scheme (an IP address too), the domain of an e-mail address, and any dotted word that ends
   in a label of at least two letters.

So ``http://evil.example/x`` becomes ``evil[.]example/x`` and ``jean@agence.fr`` becomes
``jean@agence[.]fr``. Rule 2 cannot tell a host name from a word typed without a space after
its full stop, so ``M.Dupont`` also becomes ``M[.]Dupont``. Numbers such as ``1.234,56`` or
``FA2026.000034`` are left alone.
"""

from __future__ import annotations

import re

DEFUSED_DOT = "[.]"

# The full stop and the ideographic and full-width full stops, which IDNA (RFC 3490)
# also reads as label separators.
_DOTS = ".\u3002\uff0e\uff61"
_DOT = re.compile(f"[{_DOTS}]")

# A scheme, "://" and the authority (user information, host and port) that follows.
_SCHEME_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://([^\s/?#<>\"'\\]*)", re.IGNORECASE)
_BARE_SCHEME = re.compile(r"\b(?:mailto|tel|sms|callto|javascript|data):(?=\S)", re.IGNORECASE)
# Labels of letters, digits and hyphens joined by dots, the last one of at least two letters
# (or an IDNA "xn--" label). The lookarounds keep the match from starting or ending inside a
# longer word.
_HOST_NAME = re.compile(
    rf"(?<![\w{_DOTS}-])(?:[\w-]+[{_DOTS}])+(?:[^\W\d_]{{2,}}|xn--[\w-]+)(?![\w-])"
)


def _defuse_dots(text: str) -> str:
    return _DOT.sub(DEFUSED_DOT, text)


def defuse_links(text: str) -> str:
    """Return ``text`` with its URLs, host names and e-mail addresses rewritten so that no mail
    client turns them into links (see the module's rule)."""
    text = _SCHEME_URL.sub(lambda match: _defuse_dots(match.group(1)), text)
    text = _BARE_SCHEME.sub("", text)
    return _HOST_NAME.sub(lambda match: _defuse_dots(match.group()), text)


def quote_lines(text: str) -> str:
    """Prefix each line of ``text`` with ``> ``, the quotation mark of plain-text mail.

    An empty line gets ``>`` alone, so that the quotation stays one block.
    """
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))
