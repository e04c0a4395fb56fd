-- examples/commerce/groups/account_payments.yaml by hand in Flink SQL: one window TVF query per
-- (window, hop) pair, HOP(slide = Tessera's hop, size = the window), grouped by the entity and the
-- window; the lifetime feature is a regular GROUP BY. Results go to the blackhole connector.
-- Tessera's default hops (TimeSpan.defaultHop): 10m -> 10s, 1h -> 5m, 1d -> 1h, 7d -> 1h, 30d -> 1d.
-- Not in Flink SQL's built-ins, so left out here (Tessera computes them): recent_cards_1d (last_k),
-- top_merchants_7d (top_k). approx_distinct is exact COUNT(DISTINCT) (APPROX_COUNT_DISTINCT is
-- batch-only in Flink), approx_percentile is the exact PERCENTILE.

CREATE TABLE account_payments_10m (
  account_id STRING, window_end TIMESTAMP(3),
  payment_count_10m BIGINT
) WITH ('connector' = 'blackhole');

CREATE TABLE account_payments_1h (
  account_id STRING, window_end TIMESTAMP(3),
  payment_count_1h BIGINT, declined_count_1h BIGINT, amount_sum_1h DOUBLE
) WITH ('connector' = 'blackhole');

CREATE TABLE account_payments_1d (
  account_id STRING, window_end TIMESTAMP(3),
  payment_count_1d BIGINT, declined_count_1d BIGINT, amount_sum_1d DOUBLE, distinct_cards_1d BIGINT
) WITH ('connector' = 'blackhole');

CREATE TABLE account_payments_7d (
  account_id STRING, window_end TIMESTAMP(3),
  payment_count_7d BIGINT, amount_p95_7d DOUBLE
) WITH ('connector' = 'blackhole');

CREATE TABLE account_payments_30d (
  account_id STRING, window_end TIMESTAMP(3),
  amount_sum_30d DOUBLE, distinct_cards_30d BIGINT
) WITH ('connector' = 'blackhole');

CREATE TABLE account_payments_lifetime (
  account_id STRING, last_country STRING,
  PRIMARY KEY (account_id) NOT ENFORCED
) WITH ('connector' = 'blackhole');

INSERT INTO account_payments_10m
SELECT account_id, window_end, COUNT(*)
FROM TABLE(HOP(TABLE payments, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '10' MINUTE))
GROUP BY account_id, window_start, window_end;

INSERT INTO account_payments_1h
SELECT account_id, window_end, COUNT(*), COUNT(*) FILTER (WHERE status = 'DECLINED'), SUM(amount)
FROM TABLE(HOP(TABLE payments, DESCRIPTOR(ts), INTERVAL '5' MINUTE, INTERVAL '1' HOUR))
GROUP BY account_id, window_start, window_end;

INSERT INTO account_payments_1d
SELECT account_id, window_end, COUNT(*), COUNT(*) FILTER (WHERE status = 'DECLINED'), SUM(amount),
       COUNT(DISTINCT card_fingerprint)
FROM TABLE(HOP(TABLE payments, DESCRIPTOR(ts), INTERVAL '1' HOUR, INTERVAL '1' DAY))
GROUP BY account_id, window_start, window_end;

INSERT INTO account_payments_7d
SELECT account_id, window_end, COUNT(*), PERCENTILE(amount, 0.95)
FROM TABLE(HOP(TABLE payments, DESCRIPTOR(ts), INTERVAL '1' HOUR, INTERVAL '7' DAY))
GROUP BY account_id, window_start, window_end;

INSERT INTO account_payments_30d
SELECT account_id, window_end, SUM(amount), COUNT(DISTINCT card_fingerprint)
FROM TABLE(HOP(TABLE payments, DESCRIPTOR(ts), INTERVAL '1' DAY, INTERVAL '30' DAY))
GROUP BY account_id, window_start, window_end;

INSERT INTO account_payments_lifetime
SELECT account_id, LAST_VALUE(country)
FROM payments
GROUP BY account_id;
