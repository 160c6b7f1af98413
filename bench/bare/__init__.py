"""The bare framework: plain Django and DRF with no middleware and no project code, served by
the same gunicorn as the application, so that `make bench` can say how much of the framework's
best the application keeps."""
