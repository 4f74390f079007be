"""RQ side of the platform: job functions and the worker bootstrap."""
