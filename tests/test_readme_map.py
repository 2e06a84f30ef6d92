"""The README's code layout names every package of the library, so a newcomer's map is never stale."""

import re

from helpers import ROOT


def test_every_package_is_in_the_readme_layout():
    readme = (ROOT / "README.md").read_text()
    layout = readme[readme.index("### How the code is laid out"):readme.index("### Add a scorer")]
    named = set(re.findall(r"^  (\w+)/", layout, re.M))
    packages = {p.parent.name for p in (ROOT / "assessment").glob("*/__init__.py")}
    assert packages - named == set(), f"packages missing from the README layout: {sorted(packages - named)}"
    assert named - packages == set(), f"README layout names packages that do not exist: {sorted(named - packages)}"
