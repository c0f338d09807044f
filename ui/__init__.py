"""Streamlit-aware helpers: the only st.cache_* wrappers, session-state keys, widgets and chart builders."""
