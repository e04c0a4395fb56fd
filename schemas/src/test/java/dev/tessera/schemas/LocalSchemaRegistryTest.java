package dev.tessera.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.TesseraException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalSchemaRegistryTest extends AbstractSchemaRegistryContractTest {
    @TempDir
    Path dir;

    @Override
    protected SchemaRegistry create() {
        return LocalSchemaRegistry.open(dir.resolve("contract"));
    }

    @Override
    protected void release() {
        ((LocalSchemaRegistry) registry).close();
    }

    @Test
    void idsVersionsAndLevelsSurviveAReopen() {
        RegisteredSchema v1;
        RegisteredSchema v2;
        try (LocalSchemaRegistry r = LocalSchemaRegistry.open(dir.resolve("r"))) {
            v1 = r.register("payments-value", Schemas.V1);
            v2 = r.register("payments-value", Schemas.V2_ADDED_WITH_DEFAULT);
            r.setCompatibility("payments-value", Compatibility.FULL);
        }
        try (LocalSchemaRegistry r = LocalSchemaRegistry.open(dir.resolve("r"))) {
            assertThat(r.version("payments-value", 1)).isEqualTo(v1);
            assertThat(r.version("payments-value", 2)).isEqualTo(v2);
            assertThat(r.compatibility("payments-value")).isEqualTo(Compatibility.FULL);
            assertThat(r.register("refunds-value", Schemas.REMOVED_COUNTRY).id())
                    .as("new ids continue after the replayed ones").isGreaterThan(v2.id());
        }
    }

    @Test
    void anUnfinishedLastLineIsDroppedAndTheRestKept() throws Exception {
        Path d = dir.resolve("torn");
        int id;
        try (LocalSchemaRegistry r = LocalSchemaRegistry.open(d)) {
            id = r.register("payments-value", Schemas.V1).id();
        }
        Files.writeString(d.resolve(LocalSchemaRegistry.LOG_FILE), "{\"op\": \"register\", \"subj",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        try (LocalSchemaRegistry r = LocalSchemaRegistry.open(d)) {
            assertThat(r.byId(id).schema()).isEqualTo(Schemas.V1);
            RegisteredSchema v2 = r.register("payments-value", Schemas.V2_ADDED_WITH_DEFAULT);
            assertThat(v2.version()).isEqualTo(2);
        }
        try (LocalSchemaRegistry r = LocalSchemaRegistry.open(d)) {
            assertThat(r.versions("payments-value")).containsExactly(1, 2);
        }
    }

    @Test
    void aReadOnlyOpenSeesWhatTheWriterAcknowledgedAndChangesNothing() throws Exception {
        Path d = dir.resolve("shared");
        try (LocalSchemaRegistry writer = LocalSchemaRegistry.open(d)) {
            int id = writer.register("payments-value", Schemas.V1).id();
            Path log = d.resolve(LocalSchemaRegistry.LOG_FILE);
            Files.writeString(log, "{\"op\": \"regis", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            long size = Files.size(log);

            LocalSchemaRegistry reader = LocalSchemaRegistry.openReadOnly(d);
            assertThat(reader.byId(id).schema()).isEqualTo(Schemas.V1);
            assertThatThrownBy(() -> reader.register("payments-value", Schemas.V2_ADDED_WITH_DEFAULT))
                    .isInstanceOf(SchemaRegistryException.class).hasMessageContaining("for reading only");
            assertThat(Files.size(log)).as("the unfinished line is left to the writer").isEqualTo(size);
        }
        assertThat(LocalSchemaRegistry.openReadOnly(dir.resolve("none")).subjects()).isEmpty();
    }

    @Test
    void aCorruptLineInTheMiddleStopsTheOpenNamingIt() throws Exception {
        Path d = dir.resolve("corrupt");
        try (LocalSchemaRegistry r = LocalSchemaRegistry.open(d)) {
            r.register("payments-value", Schemas.V1);
        }
        Path log = d.resolve(LocalSchemaRegistry.LOG_FILE);
        Files.writeString(log, "garbage\n" + Files.readString(log));

        assertThatThrownBy(() -> LocalSchemaRegistry.open(d)).isInstanceOf(TesseraException.class)
                .hasMessageContaining("is corrupt at line 1").hasMessageContaining(log.toString());
    }
}
