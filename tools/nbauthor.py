"""Write a notebook from a short Python description: an authoring convenience for new chapters.

    from tools.nbauthor import NotebookWriter
    nb = NotebookWriter()
    nb.md("# 01 - The leaky integrate-and-fire neuron", slide="slide")
    nb.code("import numpy as np", slide="skip")
    nb.md("Speaker notes: ...", slide="notes")
    nb.save("notebooks/01_lif.ipynb")

Every cell gets slideshow metadata (slide, subslide, fragment, skip, notes or '-'), so the
notebook passes the hygiene script and builds into slides. Execute it afterwards with
tools/execute_notebooks.py. The .ipynb file is the source that is committed and edited.
"""
import textwrap

import nbformat

SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}


class NotebookWriter:
    """Collect cells, then save them as a notebook with slideshow metadata on every cell."""

    def __init__(self):
        self.cells = []

    def _add(self, cell, slide, tags):
        if slide not in SLIDE_TYPES:
            raise ValueError(f"slide must be one of {sorted(SLIDE_TYPES)}, got {slide!r}")
        cell.metadata["slideshow"] = {"slide_type": slide}
        if tags:
            cell.metadata["tags"] = list(tags)
        self.cells.append(cell)
        return cell

    def md(self, text, slide="-", tags=()):
        """Add a markdown cell (text is dedented and stripped)."""
        return self._add(nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip()), slide, tags)

    def code(self, text, slide="-", tags=()):
        """Add a code cell (text is dedented and stripped)."""
        return self._add(nbformat.v4.new_code_cell(textwrap.dedent(text).strip()), slide, tags)

    def save(self, path):
        """Write the notebook with a python3 kernelspec."""
        nb = nbformat.v4.new_notebook(cells=self.cells)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        nbformat.write(nb, str(path))
        return path
