"""The authoring loop: a starter spec from a data folder (``init``) and a live preview."""
