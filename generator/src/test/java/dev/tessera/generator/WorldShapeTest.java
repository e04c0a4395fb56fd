package dev.tessera.generator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The world has the shape that makes it useful: skewed activity, fraud whose signature shows in the
 * example features (computed here naively from the output, the way the features define them), and
 * chargebacks that arrive days later and mostly on fraud. Ground truth ({@link GeneratedRecord#fraud()})
 * is used only to tell which events a pattern produced.
 */
class WorldShapeTest {
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;

    /** A parsed event and its ground truth. */
    record Ev(CommerceSource source, long time, ObjectNode o, FraudPattern fraud) {
        String get(String field) {
            return o.get(field).asText();
        }
    }

    private static GeneratorConfig config;
    private static List<Ev> events;
    private static GenerationStats stats;

    @BeforeAll
    static void generate() {
        config = GeneratorConfig.builder().seed(5).accounts(2_000).eventsPerSecond(0.4).duration(Duration.ofDays(4))
                .chargebackDelay(Duration.ofDays(1), Duration.ofDays(2)).disorder(DisorderRates.NONE).build();
        events = new ArrayList<>();
        Collected out = Collected.run(config);
        stats = out.stats;
        for (GeneratedRecord r : out.records) {
            events.add(new Ev(r.source(), r.eventTime(), OutputReader.parse(r.value()), r.fraud()));
        }
    }

    private static List<Ev> of(CommerceSource source, Predicate<Ev> filter) {
        return events.stream().filter(e -> e.source() == source && filter.test(e)).toList();
    }

    @Test
    void theEventRateIsTheConfiguredOne() {
        double perSecond = events.size() / (config.durationMillis() / 1000.0);
        assertThat(perSecond).isCloseTo(0.4, org.assertj.core.data.Offset.offset(0.04));
    }

    @Test
    void aFewAccountsMakeMostOfThePayments() {
        List<Ev> payments = of(CommerceSource.PAYMENTS, e -> true);
        Map<String, Integer> perAccount = new HashMap<>();
        payments.forEach(p -> perAccount.merge(p.get("account_id"), 1, Integer::sum));
        long top1Percent = perAccount.values().stream().sorted(Comparator.reverseOrder()).limit(config.accounts() / 100)
                .mapToLong(Integer::longValue).sum();
        assertThat((double) top1Percent / payments.size()).as("share of the top 1% of accounts").isGreaterThan(0.10);
        assertThat(perAccount.values().stream().filter(n -> n == 1).count()).as("a long tail of accounts seen once")
                .isGreaterThan(50);
    }

    @Test
    void cardTestingSpikesDeclinedCountOverOneHour() {
        Predicate<Ev> declined = e -> e.get("status").equals("DECLINED");
        Map<String, Integer> testing = maxPerKeyInWindow(of(CommerceSource.PAYMENTS,
                declined.and(e -> e.fraud() == FraudPattern.CARD_TESTING)), "account_id", null, HOUR);
        Map<String, Integer> legit = maxPerKeyInWindow(of(CommerceSource.PAYMENTS, declined.and(e -> e.fraud() == null)),
                "account_id", null, HOUR);
        assertThat(testing).as("card-testing accounts").hasSizeGreaterThan(20);
        assertThat(testing.values().stream().filter(n -> n >= 8).count()).as("bursts with 8+ declines in an hour")
                .isGreaterThan(testing.size() * 8L / 10);
        assertThat(max(testing)).isGreaterThanOrEqualTo(25);
        assertThat(max(legit)).as("declined_count_1h of legitimate accounts").isLessThan(8);
        // and distinct_cards_1d: one account, many cards
        assertThat(max(maxPerKeyInWindow(of(CommerceSource.PAYMENTS, e -> e.fraud() == FraudPattern.CARD_TESTING),
                "account_id", "card_fingerprint", DAY))).isGreaterThanOrEqualTo(25);
    }

    @Test
    void muleRingsShareCardsAcrossAccounts() {
        Map<String, Integer> accountsPerCard = maxPerKeyInWindow(of(CommerceSource.PAYMENTS, e -> true),
                "card_fingerprint", "account_id", DAY);
        Set<String> muleCards = new HashSet<>();
        of(CommerceSource.PAYMENTS, e -> e.fraud() == FraudPattern.MULE_RING).forEach(e -> muleCards.add(e.get("card_fingerprint")));
        assertThat(accountsPerCard.entrySet().stream().filter(e -> e.getValue() >= 3).map(Map.Entry::getKey))
                .as("cards with card_payments.distinct_accounts_1d >= 3").isNotEmpty().allMatch(muleCards::contains);
        assertThat(accountsPerCard.entrySet().stream().filter(e -> !muleCards.contains(e.getKey())).mapToInt(Map.Entry::getValue))
                .as("every other card is used by one account").containsOnly(1);
    }

    @Test
    void credentialStuffingAndMulesShareDevicesAcrossAccounts() {
        Map<String, Integer> accountsPerDevice = maxPerKeyInWindow(of(CommerceSource.LOGINS, e -> true),
                "device_id", "account_id", HOUR);
        Set<String> shared = new HashSet<>();
        of(CommerceSource.LOGINS, e -> e.fraud() == FraudPattern.CREDENTIAL_STUFFING || e.fraud() == FraudPattern.MULE_RING
                || e.fraud() == FraudPattern.CARD_TESTING).forEach(e -> shared.add(e.get("device_id")));
        assertThat(max(accountsPerDevice)).as("device_logins.distinct_accounts_1h").isGreaterThanOrEqualTo(30);
        assertThat(accountsPerDevice.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey))
                .allMatch(shared::contains);
        Map<String, Integer> failures = maxPerKeyInWindow(of(CommerceSource.LOGINS,
                e -> e.fraud() == FraudPattern.CREDENTIAL_STUFFING && !e.o().get("success").asBoolean()), "device_id", null, HOUR);
        assertThat(max(failures)).as("device_logins.failed_login_count_1h").isGreaterThanOrEqualTo(30);
    }

    @Test
    void takeoversLogInFromANewDeviceAndCountryThenPay() {
        Map<String, Set<String>> devicesSeen = new HashMap<>();
        Map<String, String> lastCountry = new HashMap<>();
        Map<String, Long> takenOverAt = new HashMap<>();
        int takeovers = 0;
        int paidAfter = 0;
        for (Ev e : events) {
            if (e.source() == CommerceSource.LOGINS) {
                String account = e.get("account_id");
                Set<String> devices = devicesSeen.computeIfAbsent(account, k -> new HashSet<>());
                if (e.fraud() == FraudPattern.ACCOUNT_TAKEOVER && e.o().get("success").asBoolean() && lastCountry.containsKey(account)) {
                    takeovers++;
                    assertThat(devices).as("a device the account never used").doesNotContain(e.get("device_id"));
                    assertThat(e.get("country")).as("another country").isNotEqualTo(lastCountry.get(account));
                    takenOverAt.put(account, e.time());
                }
                if (e.fraud() != FraudPattern.ACCOUNT_TAKEOVER) {
                    devices.add(e.get("device_id"));
                }
                if (e.fraud() == null) {
                    lastCountry.put(account, e.get("country"));
                }
            } else if (e.source() == CommerceSource.PAYMENTS && e.fraud() == FraudPattern.ACCOUNT_TAKEOVER) {
                Long at = takenOverAt.remove(e.get("account_id"));
                if (at != null && e.time() - at < HOUR) {
                    paidAfter++;
                }
            }
        }
        assertThat(takeovers).isGreaterThan(10);
        assertThat(paidAfter).as("takeovers followed by payments within the hour").isGreaterThan(takeovers * 9 / 10);
    }

    @Test
    void chargebacksArriveDaysLaterMostlyOnFraud() {
        Map<String, Ev> payments = new HashMap<>();
        of(CommerceSource.PAYMENTS, e -> true).forEach(p -> payments.put(p.get("payment_id"), p));
        List<Ev> disputes = of(CommerceSource.CHARGEBACKS, e -> true);
        // payments of the world's warm-up were never delivered, but their chargebacks are
        List<Ev> chargebacks = disputes.stream().filter(c -> payments.containsKey(c.get("payment_id"))).toList();
        assertThat(disputes.stream().filter(c -> !payments.containsKey(c.get("payment_id"))))
                .as("chargebacks of payments before the start").hasSizeLessThan(disputes.size() / 50)
                .allMatch(c -> c.time() < config.startMillis() + 2 * DAY);
        int onFraud = 0;
        for (Ev c : chargebacks) {
            Ev p = payments.get(c.get("payment_id"));
            assertThat(p.get("status")).isEqualTo("APPROVED");
            assertThat(c.get("account_id")).isEqualTo(p.get("account_id"));
            assertThat(c.get("card_fingerprint")).isEqualTo(p.get("card_fingerprint"));
            assertThat(c.o().get("amount").decimalValue()).isEqualByComparingTo(p.o().get("amount").decimalValue());
            assertThat(c.time() - p.time()).as("days after the payment").isBetween(DAY, 2 * DAY);
            if (p.fraud() != null) {
                onFraud++;
            }
        }
        assertThat(chargebacks).hasSizeGreaterThan(200);
        assertThat((double) onFraud / chargebacks.size()).as("share of chargebacks on fraudulent payments").isGreaterThan(0.6);
        assertThat(chargebacks.size() - onFraud).as("some noise: disputes of legitimate payments").isPositive();

        // as labels: the chargeback rate of approved fraudulent payments dwarfs that of legitimate ones
        long fraudApproved = payments.values().stream().filter(p -> p.fraud() != null && p.get("status").equals("APPROVED")
                && p.time() < config.startMillis() + 2 * DAY).count();
        long legitApproved = payments.values().stream().filter(p -> p.fraud() == null && p.get("status").equals("APPROVED")
                && p.time() < config.startMillis() + 2 * DAY).count();
        long fraudDisputed = chargebacks.stream().filter(c -> payments.get(c.get("payment_id")).fraud() != null
                && payments.get(c.get("payment_id")).time() < config.startMillis() + 2 * DAY).count();
        long legitDisputed = chargebacks.stream().filter(c -> payments.get(c.get("payment_id")).fraud() == null
                && payments.get(c.get("payment_id")).time() < config.startMillis() + 2 * DAY).count();
        assertThat((double) fraudDisputed / fraudApproved).isGreaterThan(50 * (double) legitDisputed / legitApproved);
    }

    @Test
    void theStatsAgreeWithTheGroundTruth() {
        for (FraudPattern p : FraudPattern.values()) {
            assertThat(stats.fraudRecords().get(p)).as(p.code()).isEqualTo(events.stream().filter(e -> e.fraud() == p).count())
                    .isPositive();
        }
        long fraud = stats.fraudRecords().values().stream().mapToLong(Long::longValue).sum();
        assertThat((double) fraud / stats.totalRecords()).as("fraud share").isCloseTo(0.03, org.assertj.core.data.Offset.offset(0.01));
        assertThat(stats.chargebacksOnFraud() + stats.chargebacksOnLegit()).isEqualTo(stats.records().get(CommerceSource.CHARGEBACKS));
    }

    /**
     * Per key, the largest number of events (or of distinct {@code distinctField} values when given)
     * within any window of length {@code window}: the naive form of count / approx_distinct windows.
     */
    private static Map<String, Integer> maxPerKeyInWindow(List<Ev> evs, String keyField, String distinctField, long window) {
        Map<String, List<Ev>> byKey = new HashMap<>();
        evs.forEach(e -> byKey.computeIfAbsent(e.get(keyField), k -> new ArrayList<>()).add(e));
        Map<String, Integer> result = new HashMap<>();
        byKey.forEach((key, list) -> {
            list.sort(Comparator.comparingLong(Ev::time));
            int best = 0;
            int from = 0;
            Map<String, Integer> inWindow = new HashMap<>();
            for (Ev e : list) {
                while (e.time() - list.get(from).time() >= window) {
                    inWindow.merge(value(list.get(from++), distinctField), -1, (a, b) -> a + b == 0 ? null : a + b);
                }
                inWindow.merge(value(e, distinctField), 1, Integer::sum);
                int n = distinctField == null ? inWindow.values().stream().mapToInt(Integer::intValue).sum() : inWindow.size();
                best = Math.max(best, n);
            }
            result.put(key, best);
        });
        return result;
    }

    private static String value(Ev e, String field) {
        return field == null ? "" : e.get(field);
    }

    private static int max(Map<String, Integer> m) {
        return m.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }
}
