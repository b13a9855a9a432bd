#!/usr/bin/python3
"""The original speed layer: kafka-python's KafkaConsumer with its defaults (offsets
auto-committed every 5 s), one INSERT and one COMMIT per message through psycopg2.

  KAFKA_BOOTSTRAP_SERVERS=... KAFKA_TOPIC=... KAFKA_CONSUMER_GROUP=... DATABASE_URL=... \
  KAFKA_MAX_RECORDS=N per_row_commit.py

Prints {"rows": N, "commits": C, "seconds": S} when it has stored N messages.
"""
import seed_common


def main():
    settings = seed_common.Settings()
    consumer = seed_common.consumer(settings)  # enable_auto_commit=True, every 5 s
    connection, cursor = seed_common.database(settings)
    clock = seed_common.Clock()
    rows = 0
    for message in consumer:
        clock.consumed()
        cursor.execute(seed_common.INSERT, seed_common.row(message.value))
        connection.commit()
        clock.committed()
        rows += 1
        if rows == settings.max_records:
            break
    consumer.close()  # commits the consumed offsets (auto-commit on)
    connection.close()
    clock.report(rows, rows)


if __name__ == "__main__":
    main()
