package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.offline.archive.ArchiveReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tessera import} as a user runs it: a report with counts and lines, a rejects file, exit codes, re-runs adding nothing. */
class ImportCommandTest {
    static final Path EXAMPLES = Path.of("..", "examples", "commerce");

    @TempDir
    Path tmp;

    @Test
    void importsReportsRejectsWithTheirLinesAndAddsNothingTheSecondTime() throws Exception {
        long t = System.currentTimeMillis() - 3 * 3_600_000L;
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            lines.add("{\"payment_id\":\"p" + i + "\",\"account_id\":\"a" + (i % 4) + "\",\"card_fingerprint\":\"c1\",\"amount\":" + i
                    + ",\"status\":\"APPROVED\",\"event_time\":" + (t + i * 1000) + "}");
        }
        lines.add(3, "{not json");                                                                   // line 4
        lines.add(7, "{\"payment_id\":\"x\",\"account_id\":\"a1\",\"event_time\":\"soon\"}");        // line 8
        lines.add(lines.get(0));                                                                     // line 23: a copy of line 1
        Path file = Files.write(tmp.resolve("payments.jsonl"), lines);
        String data = tmp.resolve("data").toString();
        Path rejects = tmp.resolve("rejects.jsonl");

        CommandLineTest.Run run = CommandLineTest.tessera("import", "--features", EXAMPLES.toString(), "--data", data, "--source", "payments",
                file.toString(), "--rejects", rejects.toString(), "--no-progress");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("23 rows read", "archived 20 events", "in 1 commit", "rejected 3: ",
                file + ":4: malformed:", file + ":8: bad_timestamp:", file + ":23: duplicate:", "every rejected row, with its text: " + rejects,
                "next: tessera backfill --features " + EXAMPLES + " --data " + data + " --group account_payments",
                "puts them into the online store").doesNotContain("note: the newest");
        assertThat(Files.readAllLines(rejects)).hasSize(3).anySatisfy(l -> assertThat(l).contains("\"line\":4", "\"record\":\"{not json\""));
        assertThat(ArchiveReader.open(Path.of(data, "archive"), "payments").count()).isEqualTo(20);

        CommandLineTest.Run again = CommandLineTest.tessera("import", "--features", EXAMPLES.toString(), "--data", data, "--source",
                "payments", file.toString(), "--no-progress");
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).contains("archived nothing new", "duplicate 21", "(--rejects FILE writes every rejected row");
        assertThat(ArchiveReader.open(Path.of(data, "archive"), "payments").count()).isEqualTo(20);

        // CSV under any name with --format; cells typed by their text
        Path csv = Files.writeString(tmp.resolve("logins.txt"), "login_id,account_id,device_id,ip,success,country,event_time\n"
                + "l1,a1,d1,10.0.0.1,true,FR," + t + "\n" + "l2,a2,d2,10.0.0.2,FALSE,US,2026-01-01T00:00:00Z\n");
        CommandLineTest.Run logins = CommandLineTest.tessera("import", "--features", EXAMPLES.toString(), "--data", data, "--source",
                "logins", "--format", "csv", csv.toString(), "--no-progress");
        assertThat(logins.exit()).as(logins.err()).isZero();
        assertThat(logins.out()).contains("archived 2 events");
        List<String> raw = new ArrayList<>();
        ArchiveReader.open(Path.of(data, "archive"), "logins").forEach(e -> raw.add(new String(e.raw())));
        assertThat(raw).contains("{\"login_id\":\"l1\",\"account_id\":\"a1\",\"device_id\":\"d1\",\"ip\":\"10.0.0.1\",\"success\":true,"
                + "\"country\":\"FR\",\"event_time\":" + t + "}");

        // then into an online store that does not exist yet: backfill creates it
        CommandLineTest.Run backfill = CommandLineTest.tessera("backfill", "--features", EXAMPLES.toString(), "--data", data,
                "--group", "account_payments", "--no-progress");
        assertThat(backfill.exit()).as(backfill.err()).isZero();
        assertThat(backfill.out()).contains("creating it", "20 archived events applied");
        assertThat(Path.of(data, "store")).isDirectory();
    }

    /** History older than every window: served features will not show it, and the import says so (and where it does count). */
    @Test
    void historyOlderThanEveryWindowIsPointedOut() throws Exception {
        long t = System.currentTimeMillis() - 400L * 86_400_000L;
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            lines.add("{\"payment_id\":\"old" + i + "\",\"account_id\":\"a1\",\"card_fingerprint\":\"c1\",\"amount\":1,"
                    + "\"status\":\"APPROVED\",\"event_time\":" + (t + i) + "}");
        }
        Path file = Files.write(tmp.resolve("old.jsonl"), lines);
        CommandLineTest.Run run = CommandLineTest.tessera("import", "--features", EXAMPLES.toString(), "--data", tmp.resolve("d").toString(),
                "--source", "payments", file.toString(), "--no-progress");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("note: the newest of these events is 400d old, more than the longest window of the groups of"
                + " payments (30d): features served now count none of them");
    }

    @Test
    void usageProblemsExitNonZeroWithAHint() throws Exception {
        Path file = Files.writeString(tmp.resolve("x.jsonl"), "{}\n");
        CommandLineTest.Run unknown = CommandLineTest.tessera("import", "--features", EXAMPLES.toString(), "--data", tmp.toString(),
                "--source", "paymnts", file.toString());
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown source 'paymnts'; did you mean payments?");

        Path txt = Files.writeString(tmp.resolve("x.txt"), "{}\n");
        CommandLineTest.Run noFormat = CommandLineTest.tessera("import", "--features", EXAMPLES.toString(), "--data", tmp.toString(),
                "--source", "payments", txt.toString());
        assertThat(noFormat.exit()).isEqualTo(1);
        assertThat(noFormat.err()).contains("cannot tell the format", "--format jsonl|csv|parquet");

        CommandLineTest.Run badFormat = CommandLineTest.tessera("import", "--features", EXAMPLES.toString(), "--source", "payments",
                "--format", "xml", file.toString());
        assertThat(badFormat.exit()).isEqualTo(2);

        CommandLineTest.Run noFile = CommandLineTest.tessera("import", "--features", EXAMPLES.toString(), "--source", "payments");
        assertThat(noFile.exit()).isEqualTo(2);
        assertThat(noFile.err()).contains("FILE");

        CommandLineTest.Run help = CommandLineTest.tessera("import", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Examples:", "tessera import --features examples/commerce --source payments",
                "--rejects", "--format");
    }
}
