"""VAE latent-space explorer: `streamlit run app.py`. Page config, model picker, navigation."""

from pathlib import Path

import streamlit as st

from ui.sidebar import diagnostics, model_picker
from vae_core.store import list_models

# a file of our own: a :material/…: page icon makes the browser fetch its SVG from fonts.gstatic.com
st.set_page_config(page_title="VAE latent explorer", page_icon=str(Path(__file__).parent / "ui" / "icon.png"),
                   layout="wide")

TRAIN = st.Page("views/train.py", title="Train a model", icon=":material/model_training:")
PAGES = [
    st.Page("views/explorer.py", title="Latent explorer", icon=":material/explore:", default=True),
    st.Page("views/training.py", title="Loss curves", icon=":material/show_chart:"),
    st.Page("views/projections.py", title="Latent projections", icon=":material/scatter_plot:"),
    st.Page("views/reconstructions.py", title="Reconstructions & upload", icon=":material/autorenew:"),
    st.Page("views/samples.py", title="Random samples", icon=":material/casino:"),
    st.Page("views/compare.py", title="Compare models", icon=":material/compare:"),
    st.Page("views/interpolation.py", title="Interpolation", icon=":material/linear_scale:"),
    st.Page("views/holes.py", title="Prior holes", icon=":material/blur_on:"),
    st.Page("views/anomalies.py", title="Anomalies", icon=":material/report:"),
    st.Page("views/representations.py", title="Representations", icon=":material/label:"),
    TRAIN,
]

names = list_models()
if not names:
    page = st.navigation([st.Page("views/no_model.py", title="No model yet", icon=":material/build:"), TRAIN])
else:
    page = st.navigation(PAGES)
    st.session_state["model_ref"] = model_picker(names)
page.run()
if names:
    diagnostics()  # after the page ran, so it counts what the page loaded
