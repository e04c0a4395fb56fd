package dev.tessera.generator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Same seed and configuration, same bytes; anything else, other bytes. */
class DeterminismTest {
    private static final GeneratorConfig CONFIG = GeneratorConfig.builder().seed(42).accounts(500).eventsPerSecond(5)
            .duration(Duration.ofHours(3)).chargebackDelay(Duration.ofMinutes(30), Duration.ofHours(2))
            .disorder(new DisorderRates(0.01, 0.02, 0.01, 0.01, 0.01)).build();

    @TempDir
    Path tmp;

    private Map<CommerceSource, Path> write(GeneratorConfig config, String name) {
        Map<CommerceSource, Path> files = JsonlFileSink.filesNextTo(tmp.resolve(name), config.sources());
        try (JsonlFileSink sink = new JsonlFileSink(files)) {
            new CommerceWorld(config).run(sink);
        }
        return files;
    }

    @Test
    void theSameConfigurationWritesTheSameBytes() throws IOException {
        Map<CommerceSource, Path> a = write(CONFIG, "a.jsonl");
        Map<CommerceSource, Path> b = write(GeneratorConfig.builder().seed(42).accounts(500).eventsPerSecond(5)
                .duration(Duration.ofHours(3)).chargebackDelay(Duration.ofMinutes(30), Duration.ofHours(2))
                .disorder(new DisorderRates(0.01, 0.02, 0.01, 0.01, 0.01)).build(), "b.jsonl");
        for (CommerceSource s : CommerceSource.values()) {
            assertThat(Files.size(a.get(s))).as(s.sourceName()).isPositive();
            assertThat(Files.readAllBytes(b.get(s))).as(s.sourceName()).isEqualTo(Files.readAllBytes(a.get(s)));
        }
    }

    @Test
    void anotherSeedWritesAnotherWorld() throws IOException {
        Map<CommerceSource, Path> a = write(CONFIG, "a.jsonl");
        Map<CommerceSource, Path> b = write(CONFIG.toBuilder().seed(43).build(), "b.jsonl");
        for (CommerceSource s : CommerceSource.values()) {
            assertThat(Files.readAllBytes(b.get(s))).as(s.sourceName()).isNotEqualTo(Files.readAllBytes(a.get(s)));
        }
        String first = Files.readAllLines(a.get(CommerceSource.PAYMENTS)).get(0);
        assertThat(Files.readString(b.get(CommerceSource.PAYMENTS))).as("ids depend on the seed")
                .doesNotContain(first.substring(first.indexOf("pay_"), first.indexOf("pay_") + 17));
    }

    @Test
    void restrictingTheSourcesDoesNotChangeASourcesRecords() throws IOException {
        Map<CommerceSource, Path> all = write(CONFIG, "all.jsonl");
        GeneratorConfig paymentsOnly = CONFIG.toBuilder().sources(EnumSet.of(CommerceSource.PAYMENTS)).build();
        Map<CommerceSource, Path> one = write(paymentsOnly, "one.jsonl");
        assertThat(one).containsOnlyKeys(CommerceSource.PAYMENTS);
        assertThat(Files.readAllBytes(one.get(CommerceSource.PAYMENTS)))
                .isEqualTo(Files.readAllBytes(all.get(CommerceSource.PAYMENTS)));
    }

    @Test
    void disorderRatesDoNotChangeTheWorld() {
        Collected clean = Collected.run(CONFIG.toBuilder().disorder(DisorderRates.NONE).build());
        Collected messy = Collected.run(CONFIG);
        // the same events happen; only their delivery differs
        assertThat(messy.stats.fraudRecords().get(FraudPattern.CARD_TESTING) - messy.stats.disorder(Disorder.DUPLICATE))
                .isLessThanOrEqualTo(clean.stats.fraudRecords().get(FraudPattern.CARD_TESTING));
        assertThat(clean.records.stream().filter(r -> r.source() == CommerceSource.PAYMENTS).count())
                .isEqualTo(messy.records.stream().filter(r -> r.source() == CommerceSource.PAYMENTS
                        && r.disorder() != Disorder.DUPLICATE).count());
    }

    /**
     * The first records of a fixed configuration, byte for byte. A change here means every seed now
     * makes another world: fine when the model changed on purpose (update the lines), a bug when it
     * did not (an iteration over a hash map, a JDK random, a locale).
     */
    @Test
    void theWorldOfAFixedSeedDoesNotChangeUnnoticed() throws Exception {
        GeneratorConfig config = GeneratorConfig.builder().seed(1).accounts(100).events(2_000).build();
        java.util.List<GeneratedRecord> records = Collected.run(config).records;
        assertThat(records.subList(0, 2)).extracting(GeneratedRecord::text).containsExactly(
                "{\"payment_id\":\"pay_0xehmh0vkubkz\",\"event_time\":1767225600809,"
                        + "\"account_id\":\"acct_1sb7h205h28en\",\"card_fingerprint\":\"card_2tn6bfkld9i2g\","
                        + "\"merchant_id\":\"mch_0213\",\"amount\":44.90,\"currency\":\"BRL\",\"status\":\"APPROVED\","
                        + "\"country\":\"BR\",\"device_id\":\"dev_2zfvef8bod23y\",\"ip\":\"194.19.131.31\"}",
                "{\"payment_id\":\"pay_0zxpa8iwphls8\",\"event_time\":1767225602150,"
                        + "\"account_id\":\"acct_3nybrne5bpeuv\",\"card_fingerprint\":\"card_3n926ts45lqtn\","
                        + "\"merchant_id\":\"mch_0003\",\"amount\":51.32,\"currency\":\"USD\",\"status\":\"APPROVED\","
                        + "\"country\":\"US\",\"device_id\":\"dev_3ksy3l5v3hwrx\",\"ip\":\"154.14.88.101\"}");
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        for (GeneratedRecord r : records) {
            sha.update(r.value());
            sha.update((byte) '\n');
        }
        assertThat(java.util.HexFormat.of().formatHex(sha.digest()))
                .isEqualTo("482762187ac8c1b5e0140f68dd8eb66c5161552e07db7bf08b07a9229958a979");
    }

    @Test
    void filesNextToTheOutputAreNamedBySource() {
        assertThat(JsonlFileSink.filesNextTo(Path.of("out", "events.jsonl"), EnumSet.of(CommerceSource.PAYMENTS,
                CommerceSource.CHARGEBACKS))).containsExactly(
                Map.entry(CommerceSource.PAYMENTS, Path.of("out", "events.payments.jsonl")),
                Map.entry(CommerceSource.CHARGEBACKS, Path.of("out", "events.chargebacks.jsonl")));
        assertThat(JsonlFileSink.filesNextTo(Path.of("events"), EnumSet.of(CommerceSource.LOGINS)))
                .containsEntry(CommerceSource.LOGINS, Path.of("events.logins.jsonl"));
    }
}
