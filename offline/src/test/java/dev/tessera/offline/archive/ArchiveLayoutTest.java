package dev.tessera.offline.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.TesseraException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ArchiveLayoutTest {
    @Test
    void hourFoldersAreTheUtcHourOfTheEventTime() {
        assertThat(ArchiveLayout.hourDir(ArchiveLayout.hourStart(0))).isEqualTo("dt=1970-01-01/hour=00");
        assertThat(ArchiveLayout.hourDir(ArchiveLayout.hourStart(3_599_999))).isEqualTo("dt=1970-01-01/hour=00");
        assertThat(ArchiveLayout.hourDir(ArchiveLayout.hourStart(3_600_000))).isEqualTo("dt=1970-01-01/hour=01");
        assertThat(ArchiveLayout.hourDir(ArchiveLayout.hourStart(-1))).isEqualTo("dt=1969-12-31/hour=23");
        // against java.time, on random instants
        Random rnd = new Random(1);
        for (int i = 0; i < 10_000; i++) {
            long t = (long) (rnd.nextDouble() * 4_000_000_000_000L) - 1_000_000_000_000L;
            var utc = Instant.ofEpochMilli(t).atOffset(ZoneOffset.UTC);
            assertThat(ArchiveLayout.hourDir(ArchiveLayout.hourStart(t))).isEqualTo(String.format("dt=%s/hour=%02d",
                    utc.toLocalDate(), utc.getHour()));
            assertThat(ArchiveLayout.hourStart(t)).isLessThanOrEqualTo(t).isGreaterThan(t - ArchiveLayout.HOUR_MILLIS);
        }
    }

    @Test
    void namesRoundTripAndTempFilesAreHidden() {
        assertThat(ArchiveLayout.dataFileName(2, 100, 250)).isEqualTo("p2-100-250.parquet");
        assertThat(ArchiveLayout.manifestName(2, 100, 250)).isEqualTo("p2-100-250.json");
        assertThat(ArchiveLayout.parseManifestName("p2-100-250.json")).containsExactly(2, 100, 250);
        assertThat(ArchiveLayout.parseManifestName("p-1-0-9.json")).containsExactly(-1, 0, 9);
        assertThat(ArchiveLayout.parseManifestName(ArchiveLayout.tempName("p2-100-250.json"))).isNull();
        assertThat(ArchiveLayout.inProgressName(2, 100)).startsWith(".").doesNotEndWith(".parquet");
        assertThat(ArchiveLayout.tempName("p2-100-250.json")).startsWith(".");
    }

    @Test
    void sourceNamesCannotLeaveTheArchive() {
        for (String bad : List.of("..", "../x", "a/b", ".hidden", "")) {
            assertThatThrownBy(() -> ArchiveLayout.sourceDir(Path.of("/a"), bad)).isInstanceOf(TesseraException.class);
        }
        assertThat(ArchiveLayout.sourceDir(Path.of("/a"), "payments")).isEqualTo(Path.of("/a/payments"));
    }

    @Test
    void keyColumnsAreNamedByFieldWithoutClashes() {
        assertThat(ArchiveSchema.keyColumnNames(List.of("account_id", "merchant.id", "id", "event_time", "card-no", "9lives",
                "merchant_id", "_raw")))
                .containsExactly("account_id", "merchant_id", "key_id", "key_event_time", "card_no", "_9lives",
                        "key_merchant_id", "key__raw");
        ArchiveSchema schema = ArchiveSchema.of("payments", List.of("account_id", "merchant.id"), TypedColumns.none());
        assertThat(schema.avro.getFields().stream().map(f -> f.name()).toList()).containsExactly(
                "_partition", "_offset", "_ingest_time", "event_time", "id", "account_id", "merchant_id", "_untyped", "_raw");
        assertThat(schema.fileMetadata).containsEntry("tessera.key_columns", "account_id=account_id,merchant_id=merchant.id")
                .containsEntry("tessera.archive.version", "2");
    }

    @Test
    void valueColumnsAreNamedByFieldWithATypeSuffixWithoutClashes() {
        assertThat(ArchiveSchema.valueColumnNames(List.of("amount", "merchant.id", "id", "_raw", "amount__long", "9x"),
                List.of("merchant_id")))
                .containsExactly("amount", "value_merchant_id", "value_id", "value__raw", "value_amount__long", "_9x");
        // "amount__long" as a field: its base would collide with amount's long column
    }
}
