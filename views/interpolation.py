"""Interpolation: the decoded path between two digits, straight and spherical, beside a plain autoencoder's."""

import numpy as np
import streamlit as st

from ui import family as F
from ui import resources as R
from ui.compare_charts import paths_on_plane, step_change_chart
from ui.current import current_model
from ui.digit_input import digit_input
from ui.interpolation_state import CLICK_TARGET, ENDPOINTS, PLANE_KEY, SOURCES, endpoint_key, prepare_endpoints
from ui.messages import public
from ui.widgets import gallery
from vae_core.errors import UserError
from vae_core.family import PlaneBasis, step_changes
from vae_core.generate import latent_path
from vae_core.store import list_models

st.title("Interpolation")
st.markdown(
    "Walk through the latent space from one digit to another and decode every step. A VAE's KL term packs the "
    "codes into one smooth region, so the path morphs one digit into the next; a **plain autoencoder** leaves "
    "gaps between its clusters, and its path jumps or passes through smudges. **Spherical** paths turn around "
    "the origin instead of cutting through it, keeping the code's norm typical in more than two dimensions.")

ref = current_model()
images, labels = R.test_set()
means = R.z_mean(ref)
basis = PlaneBasis(means[:2000])
# a link's endpoints (a=, b=) or a click on the plane below (previous run) set the endpoints before the widgets exist
prepare_endpoints(len(labels))

names = [n for n in list_models() if n != ref.name]
autoencoders = F.autoencoders(names)
c1, c2 = st.columns([2, 1])
other = c1.selectbox("Beside it", ["(none)"] + names,
                     index=1 + names.index(autoencoders[0]) if autoencoders else 0,
                     help="The same two images through another model (a plain autoencoder by default)")
steps = c2.slider("Steps", 5, 16, 10)

endpoints = {}
for column, side in zip(st.columns(2), ENDPOINTS, strict=True):
    with column:
        st.markdown(f"**Endpoint {side}**")
        source = st.radio("From", SOURCES, horizontal=True, key=endpoint_key(side, "source"))
        if source == SOURCES[0]:
            index = int(st.number_input("Test digit #", 0, len(labels) - 1, key=endpoint_key(side, "index")))
            endpoints[side] = (images[index], means[index], f"test digit #{index} (label {labels[index]})")
        elif source == SOURCES[1]:
            a, b = st.columns(2)
            x = a.number_input(basis.names[0], -10.0, 10.0, key=endpoint_key(side, "x"), step=0.1)
            y = b.number_input(basis.names[1], -10.0, 10.0, key=endpoint_key(side, "y"), step=0.1)
            z = basis.from_plane(np.array([[x, y]]))[0]
            endpoints[side] = (R.decode(ref, z[None])[0], z, f"the point ({x:.2f}, {y:.2f})")
        else:
            mine = digit_input(f"interp_{side}")
            if mine is None:
                st.info("Upload or draw a digit for this endpoint.")
                st.stop()
            endpoints[side] = (mine, R.encode(ref, mine[None])[0][0], "your digit")
st.radio("A click on the plane below sets endpoint", ENDPOINTS, horizontal=True, key=CLICK_TARGET)

(image_a, z_a, label_a), (image_b, z_b, label_b) = endpoints["A"], endpoints["B"]
paths = {method: latent_path(z_a, z_b, steps, method) for method in ("linear", "spherical")}
strips = {method: R.decode(ref, path) for method, path in paths.items()}
st.subheader(f"{ref.name}: from {label_a} to {label_b}")
for method, strip in strips.items():
    gallery(strip, columns=steps, scale=2, caption=f"{method} path through {ref.name}'s latent space")

changes = {f"{ref.name}, {method}": step_changes(strip) for method, strip in strips.items()}
if other != "(none)":
    try:  # a damaged model beside it is named in one line; the page's own model still shows its paths
        other_ref = R.model_ref(other)
        other_z, _ = R.encode(other_ref, np.stack([image_a, image_b]))
        other_strip = R.decode(other_ref, latent_path(other_z[0], other_z[1], steps, "linear"))
    except UserError as exc:
        st.warning(f"{other}: {public(exc)}")
    else:
        gallery(other_strip, columns=steps, scale=2,
                caption=f"the same two images through {other} (linear path between its codes)")
        changes[f"{other}, linear"] = step_changes(other_strip)

p1, p2 = st.columns([3, 2])
p1.plotly_chart(paths_on_plane(basis.to_plane(means[:2000]), labels[:2000],
                               {m: basis.to_plane(p) for m, p in paths.items()}, basis.names),
                width="stretch", key=PLANE_KEY, on_select="rerun", selection_mode="points")
p2.plotly_chart(step_change_chart(changes), width="stretch", key="interp_changes")
p2.caption("How much the picture changes from one step to the next. Even steps: a smooth walk. One tall step: "
           "the path jumped across a gap in the latent space.")
if basis.dim > 2:
    st.caption(f"{ref.name} has {basis.dim} latent dimensions: the plane shows the first two principal components "
               "of the test digits' means, and a click there means the point of that plane.")
