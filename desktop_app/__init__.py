"""Image Variations: AI variations of the square of a picture that matters."""

__version__ = "0.1.0"
APP_NAME = "Image Variations"
