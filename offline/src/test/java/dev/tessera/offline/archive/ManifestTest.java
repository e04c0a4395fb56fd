package dev.tessera.offline.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.TesseraException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {
    @TempDir
    Path tmp;

    private static Manifest manifest(int partition, long first, long last) {
        return new Manifest("payments", partition, first, last, 1_764_120_000_000L, 1_764_120_060_000L, List.of(
                new Manifest.FileEntry("dt=2025-11-26/hour=01/p0-" + first + "-" + last + ".parquet", 297, 1_764_118_800_000L,
                        1_764_120_000_000L)));
    }

    @Test
    void roundTripsThroughJson() {
        Manifest m = manifest(0, 1200, 1499);
        assertThat(Manifest.fromJson(m.toJson())).isEqualTo(m);
        Manifest empty = new Manifest("payments", 3, 0, 9, Long.MIN_VALUE, 5, List.of());
        assertThat(Manifest.fromJson(empty.toJson())).isEqualTo(empty);
        assertThat(new String(empty.toJson(), StandardCharsets.UTF_8)).contains("\"max_event_time\" : null");
    }

    @Test
    void rejectsWhatItCannotTrust() {
        assertThatThrownBy(() -> Manifest.fromJson("{\"format\": 1".getBytes(StandardCharsets.UTF_8)))
                .hasMessageStartingWith("not JSON");
        assertThatThrownBy(() -> Manifest.fromJson("{\"format\": 2}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("format 2 is not one this version reads");
        String escaping = new String(manifest(0, 1, 2).toJson(), StandardCharsets.UTF_8).replace("dt=", "../dt=");
        assertThatThrownBy(() -> Manifest.fromJson(escaping.getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("relative \"path\"");
    }

    @Test
    void damagedRenamedOrOverlappingManifestsAreReportedWithTheFix() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("payments").resolve(ArchiveLayout.MANIFESTS));
        Files.write(dir.resolve("p0-0-9.json"), manifest(0, 0, 9).toJson());
        Files.write(dir.resolve("p0-10-19.json"), manifest(0, 10, 19).toJson());
        Files.write(dir.resolve("p1-0-4.json"), manifest(1, 0, 4).toJson());
        CommittedArchive ok = CommittedArchive.load(tmp.resolve("payments"));
        assertThat(ok.nextOffsets()).containsEntry(0, 20L).containsEntry(1, 5L);
        assertThat(ok.files()).hasSize(3);

        Files.write(dir.resolve("p0-15-30.json"), manifest(0, 15, 30).toJson());
        assertThatThrownBy(() -> CommittedArchive.load(tmp.resolve("payments"))).isInstanceOf(TesseraException.class)
                .hasMessageContaining("p0-10-19.json and p0-15-30.json").hasMessageContaining("overlap")
                .hasMessageContaining("Move the later one out");
        Files.delete(dir.resolve("p0-15-30.json"));

        Files.write(dir.resolve("p2-0-4.json"), manifest(2, 0, 5).toJson());
        assertThatThrownBy(() -> CommittedArchive.load(tmp.resolve("payments"))).isInstanceOf(TesseraException.class)
                .hasMessageContaining("give it back the name p2-0-5.json");
        Files.delete(dir.resolve("p2-0-4.json"));

        Files.writeString(dir.resolve("p2-0-4.json"), "{\"format\": 1, \"source\": \"payments\"");
        assertThatThrownBy(() -> CommittedArchive.load(tmp.resolve("payments"))).isInstanceOf(TesseraException.class)
                .hasMessageContaining("p2-0-4.json is damaged: not JSON");
    }
}
