"""The user's configuration files: the portal file and the alert file, read and validated."""
