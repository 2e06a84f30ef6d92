"""The Streamlit wizard. The step pages (``step_*.py``) and ``common.py`` import streamlit;
``state``, ``jobs``, ``connection``, ``tables`` and ``downloads`` are plain logic and do not.

This ``__init__`` imports nothing, so the plain modules can be used (and tested) without
loading streamlit.
"""
