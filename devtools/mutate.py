"""Plant plausible bugs one at a time and check that the tests meant to catch them fail (mutation testing by hand).

    python -m devtools.mutate [NAME ...]

Each mutation is (name, file, the text replaced, the bug, the tests that should catch it). It runs in a detached
git worktree of HEAD (/tmp/vae-mutate), so the working tree is never touched, and prints caught / MISSED per
mutation. A missed mutation means a missing test, or an equivalent mutation (the bug cannot happen: say why).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
WORKTREE = Path("/tmp/vae-mutate")
MUTATIONS = [
 ("kl sign", "vae_core/evaluate.py", "return -0.5 * (1.0 + log_var - np.square(mean) - np.exp(log_var)).sum(axis=1)", "return -0.5 * (1.0 + log_var + np.square(mean) - np.exp(log_var)).sum(axis=1)", ["tests/test_values.py", "tests/test_evaluate.py"]),  # noqa: E501
 ("iwae log_q drops log_var", "vae_core/evaluate.py", "log_qz = -0.5 * (eps.astype(np.float64) ** 2 + log_var[:, None] + _LOG_2PI).sum(axis=2)", "log_qz = -0.5 * (eps.astype(np.float64) ** 2 + _LOG_2PI).sum(axis=2)", ["tests/test_values.py", "tests/test_evaluate.py"]),  # noqa: E501
 ("knn k=1", "vae_core/evaluate.py", "KNeighborsClassifier(n_neighbors=neighbours)", "KNeighborsClassifier(n_neighbors=1)", ["tests/test_values.py", "tests/test_evaluate.py"]),  # noqa: E501
 ("roc: ties split into points", "vae_core/anomaly.py", "last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]", "last = np.arange(len(s))", ["tests/test_anomaly.py"]),  # noqa: E501
 ("percentile weak", "vae_core/anomaly.py", "return float((np.asarray(reference) < value).mean() * 100)", "return float((np.asarray(reference) <= value).mean() * 100)", ["tests/test_anomaly.py", "tests/views/test_upload_verdicts.py"]),  # noqa: E501
 ("kl bits in nats", "vae_core/compress.py", "kl_per_image(z_mean, z_log_var).mean() / np.log(2))", "kl_per_image(z_mean, z_log_var).mean())", ["tests/test_values.py", "tests/test_compress.py"]),  # noqa: E501
 ("holes: log_var as log std", "vae_core/holes.py", "inv_var = np.exp(-log_var)  # (N, d)", "inv_var = np.exp(-0.5 * log_var)  # (N, d)", ["tests/test_holes.py"]),  # noqa: E501
 ("selection forgets posterior variance", "vae_core/selection.py", "covariance = centred.T @ centred / len(z_mean) + np.diag(var.mean(0))", "covariance = centred.T @ centred / len(z_mean)", ["tests/test_selection.py"]),  # noqa: E501
 ("prior ignores weights", "vae_core/prior.py", "component = rng.choice(len(weights), size=n, p=weights / weights.sum())", "component = rng.choice(len(weights), size=n)", ["tests/test_prior.py"]),  # noqa: E501
 ("lean conv-transpose kernel unflipped axis", "vae_core/lean.py", "full[:, ky:ky + stride * h:stride, kx:kx + stride * w:stride] += taps[:, :, :, ky, kx]", "full[:, ky:ky + stride * h:stride, kx:kx + stride * w:stride] += taps[:, :, :, kx, ky]", ["tests/test_lean.py"]),  # noqa: E501
 ("decoder.js sigmoid sign", "ui/latent_plane/decoder.js", "image[y * size + x] = 1 / (1 + Math.exp(-s));", "image[y * size + x] = 1 / (1 + Math.exp(s));", ["tests/test_decoder_js.py"]),  # noqa: E501
 ("comparison_row swaps KL and reconstruction", "vae_core/family.py", '"reconstruction": metrics.get("reconstruction_loss"),\n        "KL": metrics.get("kl_loss"),', '"reconstruction": metrics.get("kl_loss"),\n        "KL": metrics.get("reconstruction_loss"),', ["tests/test_values.py", "tests/test_family.py"]),  # noqa: E501
 ("fid drops the trace term", "vae_core/fid.py", "+ np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root", "+ np.trace(cov_a) - 2 * trace_root", ["tests/test_prior.py"]),  # noqa: E501
 ("0.0.0.0 counted as loopback", "ui/hosting.py", "return ipaddress.ip_address(address).is_loopback", "return ipaddress.ip_address(address).is_loopback or address == '0.0.0.0'", ["tests/test_hosting.py"]),  # noqa: E501
 ("any session may stop an exposed run", "ui/hosting.py", "return not who.exposed or not started_by or started_by == session", "return True", ["tests/test_hosting.py"]),  # noqa: E501
 ("names may start with _", "vae_core/store.py", '_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")', '_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")', ["tests/test_store.py", "tests/test_hosting.py"]),  # noqa: E501
 ("link accepts any model", "ui/links.py", '        if text not in names:\n            raise ValueError("not a model in this app")', '        if text not in names and False:\n            raise ValueError("not a model in this app")', ["tests/test_links.py"]),  # noqa: E501
 ("learned gallery draws N(0, I)", "ui/resources.py", 'z = draw(which, learned_prior(ref) if which == "learned" else None,', 'z = draw("standard", None,', ["tests/views/test_learned_prior_pages.py"]),  # noqa: E501
 ("Train page argv drops float fields", "ui/training_job.py", "text = repr(float(value)) if isinstance(value, float) else str(value)", "if isinstance(value, float):\n                        continue\n                    text = str(value)", ["tests/test_hosting.py", "tests/views/test_train_page.py"]),  # noqa: E501
 ("holes page: mean for median", "views/holes.py", "medians = {which: float(np.median(draws[which][3])) for which in priors}", "medians = {which: float(np.mean(draws[which][3])) for which in priors}", ["tests/views/test_holes_page.py", "tests/views/test_learned_prior_pages.py"]),  # noqa: E501
 ("prior table: FID from the other prior", "vae_core/family.py", '"FID": report.get("fid"),', '"FID": report.get("fid") if which == "standard" else None,', ["tests/test_values.py", "tests/test_family.py"]),  # noqa: E501
]


def main(only: list[str]) -> int:
    subprocess.run(["git", "worktree", "remove", "--force", str(WORKTREE)], cwd=PROJECT, capture_output=True)
    subprocess.run(["git", "worktree", "add", "-q", "--detach", str(WORKTREE), "HEAD"], cwd=PROJECT, check=True)
    missed = 0
    try:
        for name, path, old, new, tests in MUTATIONS:
            if only and name not in only:
                continue
            file = WORKTREE / path
            source = file.read_text()
            if old not in source:
                print(f"{name}: NOT APPLIED (the text is gone; update the mutation)", flush=True)
                missed += 1
                continue
            file.write_text(source.replace(old, new, 1))
            try:
                run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
                                     cwd=WORKTREE, capture_output=True, text=True, timeout=1800)
            finally:
                file.write_text(source)
            failed = [line for line in run.stdout.splitlines() if line.startswith("FAILED")]
            verdict = f"caught by {failed[0].split()[1]}" if run.returncode else "MISSED"
            missed += not run.returncode
            print(f"{name}: {verdict}", flush=True)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(WORKTREE)], cwd=PROJECT, capture_output=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
