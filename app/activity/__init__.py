"""Weekly facilitator activity logs, their deadlines and the compliance report."""
