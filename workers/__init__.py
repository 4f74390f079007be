"""RQ side of the platform: job functions (jobs.py), the worker bootstrap (worker.py), the
periodic jobs (cron.py) and their `flask worker` / `flask cron` commands (cli.py)."""
