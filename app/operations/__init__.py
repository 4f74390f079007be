"""What operators and their tools poll: `/health` and `/metrics`. Like a room, it may read the
other rooms (notification states, queues, mail)."""
