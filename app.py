"""Alignment Tax Assessment — the wizard. Run with: streamlit run app.py

A thin entry point: navigation over the six step pages in assessment/ui/. Heavy libraries
(litellm, reportlab) are imported only by the steps that need them; importing the assessment
package keeps LiteLLM offline (no price-map download).
"""

from __future__ import annotations

import streamlit as st


def main() -> None:
    st.set_page_config(page_title="Alignment Tax Assessment", page_icon=":material/balance:", layout="wide")
    pages = [
        st.Page("assessment/ui/step_setup.py", title="1. Set up", icon=":material/edit_note:", url_path="setup",
                default=True),
        st.Page("assessment/ui/step_packs.py", title="2. Domain packs", icon=":material/inventory_2:",
                url_path="packs"),
        st.Page("assessment/ui/step_candidates.py", title="3. Candidates", icon=":material/smart_toy:",
                url_path="candidates"),
        st.Page("assessment/ui/step_run.py", title="4. Estimate and run", icon=":material/play_circle:",
                url_path="run"),
        st.Page("assessment/ui/step_review.py", title="5. Review", icon=":material/analytics:", url_path="review"),
        st.Page("assessment/ui/step_export.py", title="6. Export", icon=":material/download:", url_path="export"),
    ]
    st.navigation(pages, position="top").run()


main()
