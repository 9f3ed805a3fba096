"""The site builder: validates data/, executes the notebooks with papermill, renders the HTML site.
Not part of ``helpers`` (no notebook imports it). Run ``python -m builder --help``."""
