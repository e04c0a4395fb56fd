package dev.tessera.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code definitions/valid}: several files and documents, a nested folder, .yml, an Avro schema. */
class ValidDefinitionsTest {
    private final Definitions defs = DefinitionLoader.load(Fixtures.definitions("valid"));

    @Test
    void entitiesKeepKeysAndMeta() {
        assertThat(defs.entities()).containsOnlyKeys("account", "merchant_account");
        Entity account = defs.entity("account").orElseThrow();
        assertThat(account.keys()).containsExactly("account_id");
        assertThat(account.meta()).isEqualTo(new Meta("A customer account.", "risk-platform", List.of("identity"),
                new Location("entities.yaml", 1, 1)));
        Entity composite = defs.entity("merchant_account").orElseThrow();
        assertThat(composite.keys()).containsExactly("merchant_id", "account_id");
        assertThat(composite.meta().location()).isEqualTo(new Location("entities.yaml", 8, 1));
    }

    @Test
    void sourcesTakeGivenValuesAndDefaults() {
        Source payments = defs.source("payments").orElseThrow();
        assertThat(payments).isEqualTo(new Source("payments", "commerce.payments.v1", SourceFormat.AVRO,
                "schemas/payment.avsc", java.util.Map.of(), "event_time", "payment_id", TimeSpan.parse("2m"), TimeSpan.parse("30s"),
                TimeSpan.parse("1h"), TimeSpan.parse("1m"),
                new Meta(null, "payments-risk", List.of("payments", "fraud"), new Location("sources/payments.yml", 1, 1))));

        Source logins = defs.source("logins").orElseThrow();
        assertThat(logins.format()).isEqualTo(SourceFormat.JSON);
        assertThat(logins.schema()).isNull();
        assertThat(logins.id()).isNull();
        assertThat(logins.timestamp()).isEqualTo("occurred_at");
        assertThat(logins.idleTimeout()).isEqualTo(Source.DEFAULT_IDLE_TIMEOUT);
        assertThat(logins.maxClockSkew()).isEqualTo(Source.DEFAULT_MAX_CLOCK_SKEW);
        assertThat(logins.dedupHorizon()).as("default dedup horizon is max(lateness, 1h)").isEqualTo(TimeSpan.parse("2h"));
    }

    @Test
    void groupsKeepDeclarationOrderAcrossFiles() {
        assertThat(defs.groups()).containsOnlyKeys("account_logins", "account_payments", "merchant_account_payments");
        assertThat(defs.groups().keySet()).containsExactly("account_logins", "account_payments",
                "merchant_account_payments");
        FeatureGroup g = defs.group("account_payments").orElseThrow();
        assertThat(defs.sourceOf(g).name()).isEqualTo("payments");
        assertThat(defs.entityOf(g).name()).isEqualTo("account");
        assertThat(defs.groupsOf(defs.source("payments").orElseThrow())).map(FeatureGroup::name)
                .containsExactly("account_payments", "merchant_account_payments");
    }

    @Test
    void servedNamesUseCanonicalWindowsInDeclarationOrder() {
        assertThat(defs.group("account_payments").orElseThrow().servedNames()).containsExactly(
                "payment_count_10m", "payment_count_1h", "payment_count_1d", "declined_count_1h", "amount_avg_90s",
                "amount_p95_7d", "recent_cards_1d", "top_merchants_7d", "last_country");
    }

    @Test
    void hopsAreExplicitOrTheWindowsDefault() {
        FeatureGroup g = defs.group("account_payments").orElseThrow();
        Feature count = feature(g, "payment_count");
        assertThat(count.hop()).isNull();
        assertThat(count.windows()).map(w -> count.hopFor(w).text()).containsExactly("10s", "5m", "1h");
        Feature declined = feature(g, "declined_count");
        assertThat(declined.hop()).isEqualTo(TimeSpan.parse("1m"));
        assertThat(declined.hopFor(TimeSpan.parse("1h"))).isEqualTo(TimeSpan.parse("1m"));
        Feature avg = feature(g, "amount_avg");
        assertThat(avg.hopFor(avg.windows().get(0))).as("90s has 9 hops of 10s, so 1s").isEqualTo(TimeSpan.parse("1s"));
        assertThat(feature(g, "amount_p95").hopFor(TimeSpan.parse("7d"))).isEqualTo(TimeSpan.parse("1h"));
        assertThat(feature(g, "last_country").lifetime()).isTrue();
    }

    @Test
    void featuresCarryTheirParameters() {
        FeatureGroup g = defs.group("account_payments").orElseThrow();
        Feature declined = feature(g, "declined_count");
        assertThat(declined.agg()).isEqualTo(Aggregation.COUNT);
        assertThat(declined.of()).isNull();
        assertThat(declined.where()).isEqualTo("status == 'DECLINED' and amount > 100");
        assertThat(declined.whereFields()).containsExactlyInAnyOrder("status", "amount");
        assertThat(declined.meta().description()).isEqualTo("Declined payments over 100.");
        assertThat(declined.meta().location()).isEqualTo(new Location("groups/payments.yaml", 11, 5));
        assertThat(feature(g, "payment_count").whereFields()).isEmpty();

        Feature p95 = feature(g, "amount_p95");
        assertThat(p95.p()).isEqualTo(0.95);
        assertThat(p95.k()).isZero();
        assertThat(feature(g, "recent_cards").k()).isEqualTo(5);
        assertThat(feature(g, "top_merchants").k()).isEqualTo(3);
        assertThat(feature(g, "top_merchants").p()).isNaN();
        Feature counted = feature(defs.group("merchant_account_payments").orElseThrow(), "counted_amounts");
        assertThat(counted.agg()).isEqualTo(Aggregation.COUNT);
        assertThat(counted.of()).as("count may count non-null values of a field").isEqualTo("amount");
    }

    @Test
    void servicesResolveSelectorsInOrder() {
        FeatureService v1 = defs.service("account_risk_v1").orElseThrow();
        assertThat(v1.selectors()).containsExactly("account_payments.declined_count_1h",
                "account_payments.payment_count_1h", "account_logins.*");
        assertThat(v1.features()).map(FeatureRef::qualifiedName).containsExactly(
                "account_payments.declined_count_1h", "account_payments.payment_count_1h",
                "account_logins.login_count_1h", "account_logins.login_count_1d",
                "account_logins.distinct_devices_30d");
        assertThat(v1.features().get(0).columnName()).isEqualTo("account_payments__declined_count_1h");
    }

    @Test
    void groupStarExpandsToEveryServedNameOfTheGroup() {
        FeatureService overview = defs.service("account_overview").orElseThrow();
        assertThat(overview.features()).map(FeatureRef::servedName)
                .isEqualTo(defs.group("account_payments").orElseThrow().servedNames());
        assertThat(overview.meta().description()).isEqualTo("Everything about an account.");
    }

    @Test
    void versionIsAStableContentHash(@TempDir Path copy) throws IOException {
        assertThat(defs.version()).matches("[0-9a-f]{16}");
        assertThat(DefinitionLoader.load(Fixtures.definitions("valid")).version()).isEqualTo(defs.version());

        copyTree(Fixtures.definitions("valid"), copy);
        assertThat(DefinitionLoader.load(copy).version()).as("same content elsewhere").isEqualTo(defs.version());

        Path entities = copy.resolve("entities.yaml");
        Files.writeString(entities, Files.readString(entities) + "# a comment\n");
        String edited = DefinitionLoader.load(copy).version();
        assertThat(edited).isNotEqualTo(defs.version());

        Path schema = copy.resolve("schemas/payment.avsc");
        Files.writeString(schema, Files.readString(schema).replace("Payment", "PaymentV2"));
        assertThat(DefinitionLoader.load(copy).version()).as("schema files are part of the version").isNotEqualTo(edited);
    }

    @Test
    void hiddenFoldersAndOtherFilesAreIgnored(@TempDir Path copy) throws IOException {
        copyTree(Fixtures.definitions("valid"), copy);
        Files.createDirectories(copy.resolve(".git"));
        Files.writeString(copy.resolve(".git/config.yaml"), "not: a definition\n");
        Files.writeString(copy.resolve("notes.txt"), "kind: Nonsense\n");

        assertThat(DefinitionLoader.validate(copy).problems()).isEmpty();
    }

    @Test
    void theModelRegistryFolderAtTheTopIsNotRead(@TempDir Path copy) throws IOException {
        copyTree(Fixtures.definitions("valid"), copy);
        String version = DefinitionLoader.load(copy).version();
        Files.createDirectories(copy.resolve("models"));
        Files.writeString(copy.resolve("models/account_risk_v1.yaml"), "name: account_risk\nversion: 1\n");

        LoadResult result = DefinitionLoader.validate(copy);

        assertThat(result.problems()).isEmpty();
        assertThat(result.definitions().version()).as("models are versioned on their own").isEqualTo(version);
        Files.createDirectories(copy.resolve("groups/models"));
        Files.writeString(copy.resolve("groups/models/x.yaml"), "name: not_a_definition\n");
        assertThat(DefinitionLoader.validate(copy).problems()).as("only the top-level folder is the registry")
                .singleElement().satisfies(p -> assertThat(p.location().file()).isEqualTo("groups/models/x.yaml"));
    }

    private static Feature feature(FeatureGroup g, String name) {
        return g.features().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
