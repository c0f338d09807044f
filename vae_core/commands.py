"""The CLI's commands, each a thin call into the library (arguments were validated in __main__)."""

from __future__ import annotations

import argparse
import json
import sys

from .quiet import import_keras_quietly

import_keras_quietly()

from . import data, images, preprocess, store  # noqa: E402
from .artifacts import load_model  # noqa: E402
from .config import ModelConfig, TrainConfig, from_dict  # noqa: E402
from .errors import UserError  # noqa: E402


def _emit(value) -> None:
    print(json.dumps(value), flush=True)


def raise_user(message: str) -> None:
    raise UserError(message)


def train(args: argparse.Namespace) -> None:
    from . import distribute, progress
    from .config import to_dict
    from .train import fit, train_and_save

    model, recipe = from_dict(ModelConfig, vars(args)), from_dict(TrainConfig, vars(args))  # one option per field
    settings = {"model": to_dict(model), "train": to_dict(recipe), "evaluate": not args.no_evaluate}
    with progress.tracked(getattr(args, "progress_file", None), args.name, settings, recipe.epochs) as tracker:
        mnist = data.load_mnist()
        print(f"data: {mnist.source}", file=sys.stderr)
        report = {"on_epoch": tracker.on_epoch, "on_batch": tracker.on_batch} if tracker else {}
        stop = getattr(args, "stop_requested", None)
        if not distribute.is_chief(recipe.distribute):  # another worker of a multi-worker run: the chief saves
            fit(model, recipe, mnist.x_train, mnist.x_test, stop_requested=stop, **report)
            print(f"{distribute.worker_label(recipe.distribute)}: done; the chief saves the model", file=sys.stderr)
            return
        folder = train_and_save(args.name, model, recipe, mnist.x_train, mnist.x_test, data_source=mnist.source,
                                stop_requested=stop, **report)
        run = store.read_json(folder / store.CONFIG_FILE)["run"]
        print(f"saved {folder}: {run['epochs_run']} epochs, best epoch {run['best_epoch']} "
              f"(val_loss {run['best_val_loss']:.2f}), {run['training_seconds']:.0f} s", file=sys.stderr)
        ended = "stopped" if run["stopped_by_request"] else "done"
        if tracker:
            tracker.update(state="evaluating" if not args.no_evaluate else ended, result=run,
                           message="saved; evaluating on the test set" if not args.no_evaluate else f"saved ({ended})")
        if not args.no_evaluate:
            evaluate(argparse.Namespace(model=args.name, k=50, seed=0), mnist)
            if tracker:
                tracker.update(state=ended, message=f"saved and evaluated ({ended})")


def evaluate(args: argparse.Namespace, mnist: data.Mnist | None = None) -> None:
    from .classifier import classifier_path, read_digits
    from .evaluate import evaluate_model

    loaded = load_model(args.model)
    mnist = mnist or data.load_mnist()
    # the prior-sample figure needs the shipped digit classifier (python -m vae_core classifier); without it, skip
    reader = read_digits if classifier_path().is_file() else None
    metrics = evaluate_model(loaded, mnist, k=args.k, seed=args.seed, read_digits=reader)
    priors = _measure_priors(loaded, mnist, seed=args.seed)
    if priors is not None:
        metrics["priors"] = priors
    metrics[store.METRICS_HASH_KEY] = loaded.file_hash  # readers ignore figures of another model file
    store.write_json_atomic(loaded.folder / store.METRICS_FILE, metrics)
    _emit(metrics)


def _measure_priors(loaded, mnist: data.Mnist, n: int = 10_000, seed: int = 0, learned=None) -> dict | None:
    """{"standard": ..., "learned": ... or None} of vae_core.prior.compare_priors, with the MNIST FID against the
    test digits; `learned` defaults to the prior stored for this model file, if any. None without the shipped
    classifier (python -m vae_core classifier), which reads the samples."""
    from .classifier import classifier_path, load_classifier, read_digits
    from .fid import gaussian_stats, penultimate_features
    from .prior import compare_priors, load_prior

    if not classifier_path().is_file():
        return None
    print("measuring samples of both priors…", file=sys.stderr, flush=True)
    classifier = load_classifier()

    def features(images):
        return penultimate_features(classifier, images)

    if learned is None:
        learned = load_prior(loaded.folder, loaded.file_hash, loaded.config.latent_dim)
    return compare_priors(loaded.fast.decode, learned, loaded.config.latent_dim, read_digits, features,
                          gaussian_stats(features(mnist.x_test)), n=n, seed=seed)


def prior(args: argparse.Namespace) -> None:
    from . import embed
    from .prior import fit_prior, save_prior

    loaded = load_model(args.model)
    mnist = data.load_mnist()
    stats = embed.latent_stats(loaded, mnist.x_train, "train")  # (60000, 2, latent_dim): z_mean, z_log_var
    print(f"fitting the {args.method} prior to {len(stats):,} training codes…", file=sys.stderr, flush=True)
    fitted = fit_prior(stats[:, 0], stats[:, 1], args.method, args.seed)
    path = save_prior(loaded.folder, loaded.file_hash, fitted)
    report = {"model": loaded.name, "method": fitted.method, "file": str(path), **fitted.info}
    priors = _measure_priors(loaded, mnist, n=args.n, seed=args.seed, learned=fitted)  # the prior just fitted
    if priors is not None:
        report["priors"] = priors
        metrics, _ = store.read_metrics(loaded.folder, loaded.file_hash)
        if metrics is not None:  # figures of another model file stay untouched (and ignored by readers)
            store.write_json_atomic(loaded.folder / store.METRICS_FILE, {**metrics, "priors": report["priors"]})
    _emit(report)


def reconstruct(args: argparse.Namespace) -> None:
    from .evaluate import describe_digits

    loaded = load_model(args.model)
    prepared = [(path, preprocess.load_digit(path)) for path in args.images]  # all checked before writing
    args.out.mkdir(parents=True, exist_ok=True)
    for path, digit in prepared:
        z_mean, recon, nelbo = describe_digits(loaded, digit[None])
        images.save_png(args.out / f"{path.stem}.input.png", digit)
        images.save_png(args.out / f"{path.stem}.reconstruction.png", recon[0])
        _emit({"file": str(path), "z_mean": [round(float(v), 6) for v in z_mean[0]],
               "negative_elbo": round(float(nelbo[0]), 4)})


def decode(args: argparse.Namespace) -> None:
    loaded = load_model(args.model)
    if len(args.z) != loaded.config.latent_dim:
        raise_user(f"--z has {len(args.z)} values but model {args.model!r} has latent_dim "
                   f"{loaded.config.latent_dim}")
    images.save_png(args.out, loaded.fast.decode([args.z])[0])
    _emit({"z": args.z, "out": str(args.out)})


def sample(args: argparse.Namespace) -> None:
    from .prior import draw, load_prior

    loaded = load_model(args.model)
    learned = load_prior(loaded.folder, loaded.file_hash, loaded.config.latent_dim)
    which = getattr(args, "prior", "auto")
    if which == "learned" and learned is None:
        raise_user(f"model {args.model!r} has no learned prior for its current model file; fit one with: "
                   f"python -m vae_core prior --model {args.model}")
    if which == "auto":
        which = "learned" if learned is not None else "standard"
    z = draw(which, learned, loaded.config.latent_dim, args.n, args.seed)  # (n, latent_dim)
    images.save_png(args.out, images.tile(loaded.fast.decode(z), columns=min(10, args.n)))
    _emit({"n": args.n, "seed": args.seed, "out": str(args.out), "prior": which,
           "prior_method": learned.method if which == "learned" else "standard normal"})


def grid(args: argparse.Namespace) -> None:
    from .generate import decode_grid

    loaded = load_model(args.model)
    if loaded.config.latent_dim < 2:
        raise_user("grid needs a model with latent_dim of at least 2")
    imgs = decode_grid(loaded.fast, args.n, args.span, args.gaussian)  # (n, n, 28, 28)
    images.save_png(args.out, images.tile(imgs.reshape(-1, 28, 28), columns=args.n))
    _emit({"n": args.n, "span": args.span, "gaussian": args.gaussian, "out": str(args.out)})


def fetch_data(args: argparse.Namespace) -> None:
    mnist = data.load_mnist()
    found = {"source": mnist.source, "cache": str(data.cache_dir()), "train": len(mnist.x_train),
             "test": len(mnist.x_test)}
    if getattr(args, "fashion", False):
        from .fashion import fashion_dir, load_fashion

        fashion = load_fashion()
        found["fashion"] = {"source": fashion.source, "cache": str(fashion_dir()), "images": len(fashion.pixels)}
    _emit(found)



def project(args: argparse.Namespace) -> None:
    import time

    from . import embed
    from .projections import METHODS

    loaded = load_model(args.model)
    mnist = data.load_mnist()
    means = embed.latent_stats(loaded, mnist.x_test, "test")[:, 0]
    report = {"model": loaded.name, "test_digits": min(args.test_digits, len(means)), "seconds": {}, "files": []}
    for method in METHODS:
        start = time.perf_counter()
        embed.projection(loaded, means, method, args.test_digits)
        report["seconds"][method] = round(time.perf_counter() - start, 2)
        report["files"].append(embed.projection_cache_file(loaded, len(means), method, args.test_digits).name)
    _emit(report)


def classifier(args: argparse.Namespace) -> None:
    from .classifier import save_classifier, train_classifier

    mnist = data.load_mnist()
    model, info = train_classifier(mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test, epochs=args.epochs,
                                   seed=args.seed, verbose=2)
    info["data_source"] = mnist.source
    path = save_classifier(model, info)
    print(f"saved {path}: test accuracy {info['test_accuracy']:.4f}", file=sys.stderr)
    _emit(info)


def anomaly(args: argparse.Namespace) -> None:
    from .anomaly import report
    from .fashion import load_fashion

    loaded = load_model(args.model)
    mnist, fashion = data.load_mnist(), load_fashion()  # both found before any scoring starts
    _emit(report(loaded, mnist.x_test, fashion, n=args.n, k=args.k, seed=args.seed))


def represent(args: argparse.Namespace) -> None:
    from .represent import RepresentConfig, report

    loaded = load_model(args.model)
    config = RepresentConfig(test_digits=args.test_digits, seed=args.seed)
    _emit(report(loaded, data.load_mnist(), config,
                 progress=lambda part: print(f"{part} features…", file=sys.stderr, flush=True)))


def compress(args: argparse.Namespace) -> None:
    from .compress import CompressConfig, report

    loaded = load_model(args.model)
    _emit(report(loaded, data.load_mnist(), CompressConfig(test_digits=args.test_digits)))
