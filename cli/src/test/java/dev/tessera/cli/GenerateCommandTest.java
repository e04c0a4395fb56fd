package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tessera generate}, run in-process as the launcher would. */
class GenerateCommandTest {
    static final Path EXAMPLES = Path.of("..", "examples", "commerce");
    static final List<String> SOURCES = List.of("payments", "logins", "signups", "chargebacks");

    @TempDir
    Path tmp;

    private static CommandLineTest.Run tessera(String... args) {
        return CommandLineTest.tessera(args);
    }

    /** The count the summary printed for {@code source}. */
    static long printed(CommandLineTest.Run run, String source) {
        Matcher m = Pattern.compile("(?m)^  " + source + " +([0-9,]+)  ").matcher(run.out());
        assertThat(m.find()).as(run.out()).isTrue();
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    @Test
    void writesOneFilePerSourceNextToOutAndPrintsThePaths() throws IOException {
        Path out = tmp.resolve("out").resolve("events.jsonl");
        CommandLineTest.Run run = tessera("generate", "--out", out.toString(), "--events", "3000", "--seed", "7");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(out).doesNotExist();
        long total = 0;
        for (String source : SOURCES) {
            Path file = tmp.resolve("out").resolve("events." + source + ".jsonl");
            assertThat(run.out()).contains(file.toString());
            long lines = Files.readAllLines(file).size();
            assertThat(lines).as(source).isEqualTo(printed(run, source));
            total += lines;
        }
        assertThat(total).isEqualTo(3000);
        assertThat(run.out()).startsWith("wrote 3,000 events (seed 7, 10,000 accounts, 2026-01-01T00:00")
                .containsPattern("disorder injected +payments +logins +signups +chargebacks +runtime outcome")
                .containsPattern("(?m)^  out_of_order +[0-9,]+ +[0-9,]+ +[0-9,]+ +[0-9,]+   applied$")
                .containsPattern("(?m)^  wrong_type .*   bad_timestamp$")
                .contains("fraud (events): card_testing ")
                .contains("chargebacks: none yet; they arrive 1d to 14d after their payment, so generate a longer span");
    }

    @Test
    void withOneSourceWritesExactlyTheFileAndTheSameBytesAsAFullRun() throws IOException {
        Path one = tmp.resolve("pay.jsonl");
        CommandLineTest.Run run = tessera("generate", "--features", EXAMPLES.toString(), "--out", one.toString(),
                "--source", "payments", "--duration", "2h", "--rate", "5", "--seed", "3");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("  payments ").contains(one.toString()).doesNotContain("logins");
        try (var files = Files.list(tmp)) {
            assertThat(files.toList()).containsExactly(one);
        }

        Path all = tmp.resolve("all").resolve("events.jsonl");
        CommandLineTest.Run full = tessera("generate", "--features", EXAMPLES.toString(), "--out", all.toString(),
                "--duration", "2h", "--rate", "5", "--seed", "3");
        assertThat(full.exit()).as(full.err()).isZero();
        assertThat(Files.readAllBytes(one)).isNotEmpty()
                .isEqualTo(Files.readAllBytes(tmp.resolve("all").resolve("events.payments.jsonl")));
    }

    @Test
    void theSameOptionsWriteTheSameBytes() throws IOException {
        String[] options = {"--events", "2000", "--seed", "11", "--accounts", "300", "--late", "1%", "--malformed", "0.02"};
        for (String dir : new String[] {"a", "b"}) {
            String[] args = new String[options.length + 3];
            args[0] = "generate";
            args[1] = "--out";
            args[2] = tmp.resolve(dir).resolve("e.jsonl").toString();
            System.arraycopy(options, 0, args, 3, options.length);
            assertThat(tessera(args).exit()).isZero();
        }
        for (String source : SOURCES) {
            assertThat(Files.readAllBytes(tmp.resolve("b").resolve("e." + source + ".jsonl")))
                    .isEqualTo(Files.readAllBytes(tmp.resolve("a").resolve("e." + source + ".jsonl")));
        }
    }

    @Test
    void noDisorderWritesACleanStream() {
        CommandLineTest.Run run = tessera("generate", "--out", tmp.resolve("c.jsonl").toString(), "--events", "2000",
                "--no-disorder");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("(?m)^  late +0 +0 +0 +0   late$")
                .containsPattern("(?m)^  broken_json +0 +0 +0 +0   malformed$");
    }

    @Test
    void aBoundedLiveRunStopsOnItsOwn() throws IOException {
        Path out = tmp.resolve("live.jsonl");
        CommandLineTest.Run run = tessera("generate", "--live", "--rate", "400", "--events", "400", "--out", out.toString(),
                "--source", "logins");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("generating 400.0 events/s on the wall clock", "wrote 400 events");
        assertThat(Files.readAllLines(out)).hasSize(400);
    }

    @Test
    void badOptionsAreUsageErrorsThatSayWhatWouldBeRight() {
        Path out = tmp.resolve("x.jsonl");
        assertUsageError(tessera("generate", "--out", out.toString(), "--source", "paymnts"),
                "the generator has no source 'paymnts'; did you mean 'payments'? it writes: payments, logins, signups, chargebacks");
        assertUsageError(tessera("generate", "--out", out.toString(), "--events", "10", "--duration", "1h"),
                "--events=N, --duration=DURATION are mutually exclusive");
        assertUsageError(tessera("generate", "--out", out.toString(), "--late", "0.6", "--out-of-order", "0.6"),
                "disorder rates add up to 1.2");
        assertUsageError(tessera("generate", "--out", out.toString(), "--late", "7%x"),
                "'7%x' is not a rate; write a fraction (0.01) or a percentage (1%)");
        assertUsageError(tessera("generate", "--out", out.toString(), "--no-disorder", "--future", "0.1"),
                "--no-disorder sets every disorder rate to 0; drop it, or drop --future");
        assertUsageError(tessera("generate", "--out", out.toString(), "--live", "--start", "2026-01-01"),
                "--start sets simulated time; --live stamps events with the wall clock");
        assertUsageError(tessera("generate", "--out", out.toString(), "--start", "yesterday"),
                "'yesterday' is not a time; write ISO-8601 (2026-01-01T00:00:00Z), a date (2026-01-01) or epoch millis");
        assertUsageError(tessera("generate", "--out", out.toString(), "--chargeback-delay", "5d..1d"),
                "has its minimum above its maximum");
        assertUsageError(tessera("generate", "--out", out.toString(), "--accounts", "0"),
                "accounts must be between 1 and 50000000, got 0");
        assertUsageError(tessera("generate", "--events", "10"), "--out=FILE.jsonl", "--bootstrap-servers=HOST:PORT");
        assertThat(out).doesNotExist();
    }

    @Test
    void definitionsThatCannotReadTheEventsAreReported() throws IOException {
        Files.writeString(tmp.resolve("defs.yaml"), """
                kind: Source
                name: payments
                kafka: { topic: p }
                format: json
                timestamp: created_at
                id: payment_id
                """);
        CommandLineTest.Run run = tessera("generate", "--features", tmp.toString(), "--out", tmp.resolve("o.jsonl").toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: source payments reads its time from 'created_at', but generated events"
                + " carry it in 'event_time'; set timestamp: event_time");
    }

    @Test
    void helpExplainsTheFileNames() {
        CommandLineTest.Run run = tessera("generate", "--help");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("Usage: tessera generate", "--bootstrap-servers=HOST:PORT", "--seed=N",
                "--rate=EVENTS_PER_S", "--events=N", "--duration=DURATION", "--late=RATE", "--no-disorder", "--source=SOURCE");
        assertThat(run.out().replaceAll("\\s+", "")).as("wrapped anywhere").contains(("With one --source, exactly"
                + " FILE.jsonl; otherwise one file per source next to it, named <stem>.<source>.jsonl (out/events.jsonl"
                + " gives out/events.payments.jsonl, out/events.logins.jsonl, ...). The paths are printed.").replace(" ", ""));
        assertThat(run.out().lines()).as("fits a terminal").allMatch(line -> line.length() <= 80);
    }

    private static void assertUsageError(CommandLineTest.Run run, String... messages) {
        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(2);
        assertThat(run.err()).contains(messages);
    }
}
