"""Errors a user can cause: each carries one sentence that says what to do."""


class UserError(Exception):
    """Base class: bad input from the user (file, model name, missing data)."""


class DataNotFoundError(UserError):
    """MNIST could not be found or fetched from any source."""


class ModelNotFoundError(UserError):
    """No model folder with that name."""


class ModelLoadError(UserError):
    """The model folder exists but its files are corrupt or inconsistent."""


class BadImageError(UserError):
    """An uploaded file is not a usable digit image."""


class TrainingLockedError(UserError):
    """Another training run already writes a model with the same name."""
