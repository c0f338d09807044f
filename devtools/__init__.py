"""Development helpers shared by tests/, bench/ and scripts/ (never imported by the app or vae_core)."""
