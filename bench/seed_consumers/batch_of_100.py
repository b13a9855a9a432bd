#!/usr/bin/python3
"""The original analytics consumer: kafka-python's KafkaConsumer without auto-commit,
transfers gathered into batches of BATCH_SIZE (100) or whatever arrived within
BATCH_TIMEOUT_MS, each batch written with psycopg2's executemany and committed, and only
then its offsets committed to Kafka.

  KAFKA_BOOTSTRAP_SERVERS=... KAFKA_TOPIC=... KAFKA_CONSUMER_GROUP=... DATABASE_URL=... \
  KAFKA_MAX_RECORDS=N [BATCH_SIZE=100] [BATCH_TIMEOUT_MS=1000] batch_of_100.py

Prints {"rows": N, "commits": C, "seconds": S} when it has stored N messages.
"""
import time

import seed_common


def main():
    settings = seed_common.Settings()
    consumer = seed_common.consumer(settings, enable_auto_commit=False)
    connection, cursor = seed_common.database(settings)
    clock = seed_common.Clock()
    batch = []
    batch_started = 0.0
    rows = 0
    commits = 0
    while rows < settings.max_records:
        # Never more than the batch (or the rows left) at once: every message consumed is in
        # the batch, so the offsets committed after its write cover written rows only.
        wanted = min(settings.batch_size - len(batch), settings.max_records - rows - len(batch))
        polled = consumer.poll(timeout_ms=settings.batch_timeout_ms, max_records=wanted)
        for records in polled.values():
            for record in records:
                clock.consumed()
                if not batch:
                    batch_started = time.monotonic()
                batch.append(seed_common.row(record.value))
        full = len(batch) == settings.batch_size or rows + len(batch) == settings.max_records
        late = batch and time.monotonic() - batch_started >= settings.batch_timeout_ms / 1000
        if full or late:
            cursor.executemany(seed_common.INSERT, batch)
            connection.commit()
            consumer.commit()
            clock.committed()
            rows += len(batch)
            commits += 1
            batch = []
    consumer.close()
    connection.close()
    clock.report(rows, commits)


if __name__ == "__main__":
    main()
