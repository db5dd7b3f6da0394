"""The content note of the notebooks that show abusive posts: posts for those who choose to read them.

Each such notebook has ``show_abusive_posts = True`` in its Settings, and every
cell that shows abusive posts starts with :data:`MARKER` and passes what it
shows through :func:`show_or_count`. With the setting False those cells show
counts, and tables keep every column but the posts' words after the first two,
so a trainee can go through the notebook without reading the abuse.
"""

from __future__ import annotations

__all__ = ["MARKER", "SETTING", "show_or_count"]

MARKER = "# Shows abusive posts"
SETTING = "show_abusive_posts"
TEXT_COLUMNS = ("text", "post")
KEPT_WORDS = 2


def show_or_count(posts, show: bool, what: str = "posts"):
    """What a cell should show of ``posts`` (a table, a column or a list of texts).

    With ``show`` True: ``posts`` as they are. Otherwise a line saying how many
    there are, then a table with its text columns cut to their first two words,
    or nothing for a column or a list.

    Examples
    --------
    >>> show_or_count(["post one", "post two"], show=False)
    2 posts not shown here: show_abusive_posts is False in Settings.
    >>> show_or_count(["post one"], show=True)
    ['post one']
    """
    if show:
        return posts
    columns = [name for name in TEXT_COLUMNS if name in getattr(posts, "columns", ())]
    if not columns:
        print(f"{len(posts):,} {what} not shown here: {SETTING} is False in Settings.")
        return None
    print(f"{len(posts):,} {what}, cut to their first {KEPT_WORDS} words: {SETTING} is False in Settings.")
    cut = posts.copy()
    for name in columns:
        cut[name] = cut[name].str.split().str[:KEPT_WORDS].str.join(" ") + " …"
    return cut
