"""What every room and every process (web, worker, command) builds on: the clock, the domain's
errors, the signals rooms announce to each other, translations."""
