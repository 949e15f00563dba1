"""Text out of HTML (pure Python): what a reader sees of a feed's summary or an HTML-only email."""

from html.parser import HTMLParser


class _TextOf(HTMLParser):
    """The readable text of an HTML fragment: tags dropped, entities unescaped, and nothing of
    what a browser would not show as text (scripts, styles, templates)."""

    HIDDEN = frozenset({"script", "style", "template", "noscript", "head", "title", "iframe", "object"})
    BREAKS = frozenset({"br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BREAKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag in self.BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in self.BREAKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def text_of_html(fragment: str) -> str:
    parser = _TextOf()
    parser.feed(fragment)
    parser.close()
    return " ".join("".join(parser.parts).split())
