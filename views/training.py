"""Loss curves: how the model learned, epoch by epoch."""

import pandas as pd
import streamlit as st

from ui import resources as R
from ui.charts import loss_curves
from ui.current import current_model
from vae_core.history import kept_epoch, lr_drop_epochs

st.title("Loss curves")
st.markdown(
    "The loss the VAE minimised, per epoch, on the training digits and on the 10,000 held-out test digits: "
    "**reconstruction** (how well it redraws its input) plus **KL** (how close each code stays to the N(0, I) "
    "prior). Dashed lines mark where the learning rate was halved and the star the epoch whose weights were kept; "
    "try the log scale and the smoothing window.")

ref = current_model()
loaded = R.loaded(ref)
history = loaded.history
if loaded.history_problem:
    st.error(f"The training history cannot be shown: {loaded.history_problem}")
    st.stop()
if not history.get("loss"):
    st.info("This model has no training history saved.")
    st.stop()

c1, c2 = st.columns([3, 1])
window = c1.slider("Moving-average window (epochs)", 1, 21, 7, help="7 is the reference notebook's smoothing")
log_y = c2.toggle("Log scale", value=False)
recipe = loaded.train_config
best = kept_epoch(history, loaded.extra.get("run"), recipe.early_stopping_min_delta if recipe else None)
st.plotly_chart(loss_curves(history, window, log_y, best), width="stretch")
m1, m2, m3, m4 = st.columns(4)
m1.metric("Epochs run", len(history["loss"]))
m2.metric("Best epoch", best if best else "–", help="the epoch whose weights were kept (EarlyStopping's rule)")
m3.metric("Best validation loss", f"{history['val_loss'][best - 1]:.2f}" if best else "–")
m4.metric("Training time", f"{sum(history['seconds']) / 60:.1f} min" if "seconds" in history else "–")
if "learning_rate" in history:
    drops = lr_drop_epochs(history["learning_rate"])
    st.caption("Learning rate halved at the end of epochs: " + (", ".join(map(str, drops)) if drops else "never"))
if recipe is not None and recipe.precision != "float32":
    st.caption(f"Trained with `--precision {recipe.precision}`: the layers computed in bfloat16 during "
               "training (weights, optimizer and loss in float32); the saved model computes in float32.")

table = pd.DataFrame(history)
table.insert(0, "epoch", range(1, len(table) + 1))
st.dataframe(table, hide_index=True, width="stretch", height=300)
st.download_button("Download history as CSV", table.to_csv(index=False).encode(), f"{ref.name}-history.csv",
                   "text/csv")
