-- The payments topic as a Flink SQL table, written the way the Flink documentation writes a Kafka
-- JSON source: the fields the features read (the Kafka table source does not push projections down
-- once its scan is shared by several queries, so unused columns would still be decoded), an
-- event-time attribute from the epoch-millis field and a watermark of the source's lateness
-- (examples/commerce/sources.yaml: lateness 10m). Bounded: the records present at start.
CREATE TABLE payments (
  account_id STRING,
  card_fingerprint STRING,
  merchant_id STRING,
  amount DOUBLE,
  status STRING,
  country STRING,
  event_time BIGINT,
  ts AS TO_TIMESTAMP_LTZ(event_time, 3),
  WATERMARK FOR ts AS ts - INTERVAL '10' MINUTE
) WITH (
  'connector' = 'kafka',
  'topic' = '${topic}',
  'properties.bootstrap.servers' = '${bootstrap}',
  'properties.group.id' = '${group_id}',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = '${bounded_mode}',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);
