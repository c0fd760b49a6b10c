#!/bin/bash
# Creates Parley's topics before the apps start, with the settings the apps cannot choose themselves.
# Runs in the apache/kafka image (compose: the create-topics service; Kubernetes: the parley-create-topics
# Job). Idempotent: run it on every deploy. The same file is in infra/compose/kafka/ and infra/k8s/base/
# (test/deploy checks that they are identical).
#
#   KAFKA_BROKERS               host:port[,host:port...]                               (required)
#   PARLEY_PARTITIONS           partitions of BOTH topics; fixed once created          (required)
#   PARLEY_REPLICATION_FACTOR   replicas per partition: 3 in production, 1 on a laptop (default 3)
#   PARLEY_MIN_INSYNC_REPLICAS  acks=all writes need this many replicas: 2 of 3         (default 2)
#   PARLEY_COMMANDS_RETENTION_MS  how long commands are kept (default 7 days)
#
# parley.events is the source of truth: kept forever (retention.ms=-1). A topic an app created first (they
# create missing topics with the broker's default retention, often 7 days) is given the right retention
# here too. A partition count that differs from PARLEY_PARTITIONS, or between the two topics, fails the job:
# partition counts cannot change without moving conversations (docs/OPERATIONS.md, "Topics and partitions").
set -euo pipefail

: "${KAFKA_BROKERS:?KAFKA_BROKERS is required}"
: "${PARLEY_PARTITIONS:?PARLEY_PARTITIONS is required}"
RF="${PARLEY_REPLICATION_FACTOR:-3}"
[ "$RF" = "-1" ] && RF=3
MIN_ISR="${PARLEY_MIN_INSYNC_REPLICAS:-2}"
if [ "$MIN_ISR" -gt "$RF" ]; then
  echo "PARLEY_MIN_INSYNC_REPLICAS ($MIN_ISR) is above the replication factor ($RF): using $RF" >&2
  MIN_ISR="$RF"
fi
COMMANDS_RETENTION_MS="${PARLEY_COMMANDS_RETENTION_MS:-604800000}"
BIN="${KAFKA_HOME:-/opt/kafka}/bin"
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx256m}"

topics() { "$BIN/kafka-topics.sh" --bootstrap-server "$KAFKA_BROKERS" "$@"; }

for attempt in $(seq 1 60); do
  if topics --list >/dev/null 2>&1; then break; fi
  if [ "$attempt" = 60 ]; then echo "Kafka at $KAFKA_BROKERS is not reachable" >&2; exit 1; fi
  echo "waiting for Kafka at $KAFKA_BROKERS ($attempt/60)"
  sleep 5
done

topics --create --if-not-exists --topic parley.events \
  --partitions "$PARLEY_PARTITIONS" --replication-factor "$RF" \
  --config retention.ms=-1 --config retention.bytes=-1 --config cleanup.policy=delete \
  --config min.insync.replicas="$MIN_ISR"
topics --create --if-not-exists --topic parley.commands \
  --partitions "$PARLEY_PARTITIONS" --replication-factor "$RF" \
  --config retention.ms="$COMMANDS_RETENTION_MS" --config min.insync.replicas="$MIN_ISR"
# Commands ingest could not decide (docs/OPERATIONS.md, Quarantined records): kept until an operator acts.
topics --create --if-not-exists --topic parley.deadletter \
  --partitions "$PARLEY_PARTITIONS" --replication-factor "$RF" \
  --config retention.ms=-1 --config retention.bytes=-1 --config min.insync.replicas="$MIN_ISR"
# Snapshots of ingest's and fanout's partition state (docs/OPERATIONS.md, Snapshots): compacted, so about
# one snapshot per partition and app is kept; losing them costs only a longer takeover.
topics --create --if-not-exists --topic parley.snapshots \
  --partitions "$PARLEY_PARTITIONS" --replication-factor "$RF" \
  --config cleanup.policy=compact --config segment.ms=3600000 --config min.cleanable.dirty.ratio=0.1 \
  --config min.insync.replicas="$MIN_ISR"

# Topics that existed before (created by an app, or by an older version of this job) get the same settings.
configs() { "$BIN/kafka-configs.sh" --bootstrap-server "$KAFKA_BROKERS" --alter --entity-type topics "$@"; }
configs --entity-name parley.events --add-config "retention.ms=-1,retention.bytes=-1,min.insync.replicas=$MIN_ISR"
configs --entity-name parley.commands --add-config "retention.ms=$COMMANDS_RETENTION_MS,min.insync.replicas=$MIN_ISR"

count() { topics --describe --topic "$1" | sed -n 's/.*PartitionCount: *\([0-9][0-9]*\).*/\1/p' | head -n 1; }
events=$(count parley.events)
commands=$(count parley.commands)
echo "parley.events: $events partitions; parley.commands: $commands partitions"
if [ "$events" != "$commands" ]; then
  echo "parley.events and parley.commands must have the same partition count ($events != $commands)" >&2
  exit 1
fi
if [ "$events" != "$PARLEY_PARTITIONS" ]; then
  echo "The topics have $events partitions but PARLEY_PARTITIONS is $PARLEY_PARTITIONS. Partition counts are" >&2
  echo "fixed at creation: set PARLEY_PARTITIONS back to $events (docs/OPERATIONS.md, Topics and partitions)." >&2
  exit 1
fi
echo "topics ready"
