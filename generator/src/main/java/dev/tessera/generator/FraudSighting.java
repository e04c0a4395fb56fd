package dev.tessera.generator;

/**
 * The latest delivered event of a fraud pattern and its entity keys, so that an example can point at
 * an entity whose features show the pattern right now.
 *
 * @param cardFingerprint null unless the event was a payment or chargeback
 * @param deviceId        null for a chargeback
 * @param ip              null for a chargeback
 */
public record FraudSighting(FraudPattern pattern, CommerceSource source, long eventTime, String accountId,
        String cardFingerprint, String deviceId, String ip) {
}
