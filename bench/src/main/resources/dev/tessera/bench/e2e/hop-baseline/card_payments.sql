-- examples/commerce/groups/card_payments.yaml by hand in Flink SQL, as account_payments.sql.
-- Every feature has a built-in here; approx_distinct is exact COUNT(DISTINCT).

CREATE TABLE card_payments_1h (
  card_fingerprint STRING, window_end TIMESTAMP(3),
  payment_count_1h BIGINT, declined_count_1h BIGINT
) WITH ('connector' = 'blackhole');

CREATE TABLE card_payments_1d (
  card_fingerprint STRING, window_end TIMESTAMP(3),
  payment_count_1d BIGINT, declined_count_1d BIGINT, amount_sum_1d DOUBLE, amount_max_1d DOUBLE,
  distinct_accounts_1d BIGINT
) WITH ('connector' = 'blackhole');

CREATE TABLE card_payments_7d (
  card_fingerprint STRING, window_end TIMESTAMP(3),
  payment_count_7d BIGINT, amount_sum_7d DOUBLE
) WITH ('connector' = 'blackhole');

CREATE TABLE card_payments_30d (
  card_fingerprint STRING, window_end TIMESTAMP(3),
  distinct_accounts_30d BIGINT
) WITH ('connector' = 'blackhole');

CREATE TABLE card_payments_lifetime (
  card_fingerprint STRING, first_seen BIGINT, last_merchant STRING,
  PRIMARY KEY (card_fingerprint) NOT ENFORCED
) WITH ('connector' = 'blackhole');

INSERT INTO card_payments_1h
SELECT card_fingerprint, window_end, COUNT(*), COUNT(*) FILTER (WHERE status = 'DECLINED')
FROM TABLE(HOP(TABLE payments, DESCRIPTOR(ts), INTERVAL '5' MINUTE, INTERVAL '1' HOUR))
GROUP BY card_fingerprint, window_start, window_end;

INSERT INTO card_payments_1d
SELECT card_fingerprint, window_end, COUNT(*), COUNT(*) FILTER (WHERE status = 'DECLINED'), SUM(amount), MAX(amount),
       COUNT(DISTINCT account_id)
FROM TABLE(HOP(TABLE payments, DESCRIPTOR(ts), INTERVAL '1' HOUR, INTERVAL '1' DAY))
GROUP BY card_fingerprint, window_start, window_end;

INSERT INTO card_payments_7d
SELECT card_fingerprint, window_end, COUNT(*), SUM(amount)
FROM TABLE(HOP(TABLE payments, DESCRIPTOR(ts), INTERVAL '1' HOUR, INTERVAL '7' DAY))
GROUP BY card_fingerprint, window_start, window_end;

INSERT INTO card_payments_30d
SELECT card_fingerprint, window_end, COUNT(DISTINCT account_id)
FROM TABLE(HOP(TABLE payments, DESCRIPTOR(ts), INTERVAL '1' DAY, INTERVAL '30' DAY))
GROUP BY card_fingerprint, window_start, window_end;

INSERT INTO card_payments_lifetime
SELECT card_fingerprint, MIN(event_time), LAST_VALUE(merchant_id)
FROM payments
GROUP BY card_fingerprint;
