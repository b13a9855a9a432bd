"""What the two seed-style consumers share: their settings, read from the environment
variables the original scripts read, the row they insert and the line they report.

Only seed_consumers_bench runs them (with Debian's /usr/bin/python3, python3-kafka 2.0.2 and
python3-psycopg2): they are the reference tokenflow's sink is measured against, not tools.
"""
import json
import os
import time

import psycopg2
from kafka import KafkaConsumer

# The tokenflow sink's table (PostgresStore::init_schema): the rows must land where the
# sink's do, so that the bench compares the same writes into the same indexed table.
INSERT = (
    'INSERT INTO raw.transfers_kafka (id, block_number, "timestamp", contract_address,'
    " from_address, to_address, value) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (id) DO NOTHING"
)


class Settings:
    def __init__(self):
        self.bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        self.topic = os.environ["KAFKA_TOPIC"]
        self.group = os.environ["KAFKA_CONSUMER_GROUP"]
        self.database_url = os.environ["DATABASE_URL"]
        # The originals ran until interrupted; the bench stops each after the rows it produced.
        self.max_records = int(os.environ["KAFKA_MAX_RECORDS"])
        self.batch_size = int(os.environ.get("BATCH_SIZE", "100"))
        self.batch_timeout_ms = int(os.environ.get("BATCH_TIMEOUT_MS", "1000"))


def decode(raw):
    return json.loads(raw.decode("utf-8"))


def consumer(settings, **options):
    """kafka-python's KafkaConsumer as the originals made it: the group reads from the
    earliest offset, values decoded as JSON; `options` are the script's own settings."""
    return KafkaConsumer(
        settings.topic,
        bootstrap_servers=settings.bootstrap,
        group_id=settings.group,
        auto_offset_reset="earliest",
        value_deserializer=decode,
        **options,
    )


def database(settings):
    connection = psycopg2.connect(settings.database_url)
    return connection, connection.cursor()


def row(transfer):
    return (
        transfer["id"],
        transfer["block_number"],
        transfer["timestamp"],
        transfer["contract_address"],
        transfer["from_address"],
        transfer["to_address"],
        transfer["value"],
    )


class Clock:
    """The clock sink_bench runs for the tokenflow sink: from the first message consumed to
    the last row committed (start-up and the group join are not counted)."""

    def __init__(self):
        self.first = None
        self.last = None

    def consumed(self):
        if self.first is None:
            self.first = time.monotonic()

    def committed(self):
        self.last = time.monotonic()

    def report(self, rows, commits):
        seconds = (self.last - self.first) if self.first is not None and self.last else 0.0
        print(json.dumps({"rows": rows, "commits": commits, "seconds": seconds}), flush=True)
