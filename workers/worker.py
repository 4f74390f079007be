"""The worker bootstrap: an RQ worker that runs inside the Flask app context."""

from rq import Worker

from app.extensions import db, redis_store
from app.notifications.mail import warm_up
from app.notifications.queue import QUEUES


class AppWorker(Worker):
    """RQ's forking worker; each work horse drops the database connections it inherited.

    Sharing a connection across fork corrupts it for both processes, so the horse starts with
    an empty pool (`close=False` leaves the parent's sockets to the parent).
    """

    def main_work_horse(self, job, queue):
        db.engine.dispose(close=False)
        super().main_work_horse(job, queue)


def run_worker(queue_names: tuple[str, ...], burst: bool) -> bool:
    """Work until stopped (or, with `burst`, until the queues are empty). SIGTERM lets the
    current job finish first (RQ's warm shutdown); a second SIGTERM or SIGINT stops at once."""
    warm_up()
    connection = redis_store.client()
    worker = AppWorker(list(queue_names or QUEUES), connection=connection)
    return worker.work(burst=burst, with_scheduler=True)
