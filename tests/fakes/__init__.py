"""Protocol-faithful fakes of the platforms, served on 127.0.0.1 for end-to-end tests."""
