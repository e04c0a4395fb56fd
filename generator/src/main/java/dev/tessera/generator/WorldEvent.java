package dev.tessera.generator;

/**
 * An event as the world knows it: its facts, and which fraud pattern (if any) it belongs to. The
 * time is not part of it: the world schedules it, and delivery may stamp it differently
 * ({@link Disorder}). {@link #json} writes exactly the fields of its {@link CommerceSource}, in order.
 */
sealed interface WorldEvent {
    CommerceSource source();

    String accountId();

    /** Null for a legitimate event. */
    FraudPattern fraud();

    byte[] json(long eventTime, JsonLine.Shape shape);

    /** The sighting this event makes of its pattern (only called for fraud). */
    FraudSighting sighting(long eventTime);

    record Payment(String id, String accountId, String card, String merchant, long cents, String currency,
            boolean approved, String country, String device, String ip, FraudPattern fraud) implements WorldEvent {
        @Override
        public CommerceSource source() {
            return CommerceSource.PAYMENTS;
        }

        @Override
        public byte[] json(long t, JsonLine.Shape shape) {
            return new JsonLine(shape).text("payment_id", id).time("event_time", t).key("account_id", accountId)
                    .key("card_fingerprint", card).text("merchant_id", merchant).amount("amount", cents)
                    .text("currency", currency).text("status", approved ? "APPROVED" : "DECLINED")
                    .text("country", country).key("device_id", device).key("ip", ip).bytes();
        }

        @Override
        public FraudSighting sighting(long t) {
            return new FraudSighting(fraud, source(), t, accountId, card, device, ip);
        }
    }

    record Login(String id, String accountId, String device, String ip, boolean success, String country,
            FraudPattern fraud) implements WorldEvent {
        @Override
        public CommerceSource source() {
            return CommerceSource.LOGINS;
        }

        @Override
        public byte[] json(long t, JsonLine.Shape shape) {
            return new JsonLine(shape).text("login_id", id).time("event_time", t).key("account_id", accountId)
                    .key("device_id", device).key("ip", ip).bool("success", success).text("country", country).bytes();
        }

        @Override
        public FraudSighting sighting(long t) {
            return new FraudSighting(fraud, source(), t, accountId, null, device, ip);
        }
    }

    record Signup(String id, String accountId, String emailDomain, String device, String ip, String country,
            FraudPattern fraud) implements WorldEvent {
        @Override
        public CommerceSource source() {
            return CommerceSource.SIGNUPS;
        }

        @Override
        public byte[] json(long t, JsonLine.Shape shape) {
            return new JsonLine(shape).text("signup_id", id).time("event_time", t).key("account_id", accountId)
                    .text("email_domain", emailDomain).key("device_id", device).key("ip", ip).text("country", country)
                    .bytes();
        }

        @Override
        public FraudSighting sighting(long t) {
            return new FraudSighting(fraud, source(), t, accountId, null, device, ip);
        }
    }

    record Chargeback(String id, String accountId, String card, String paymentId, long cents, String reason,
            FraudPattern fraud) implements WorldEvent {
        @Override
        public CommerceSource source() {
            return CommerceSource.CHARGEBACKS;
        }

        @Override
        public byte[] json(long t, JsonLine.Shape shape) {
            return new JsonLine(shape).text("chargeback_id", id).time("event_time", t).key("account_id", accountId)
                    .key("card_fingerprint", card).text("payment_id", paymentId).amount("amount", cents)
                    .text("reason", reason).bytes();
        }

        @Override
        public FraudSighting sighting(long t) {
            return new FraudSighting(fraud, source(), t, accountId, card, null, null);
        }
    }
}
