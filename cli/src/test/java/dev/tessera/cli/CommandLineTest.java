package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs {@code tessera} in-process, as the launcher would, and checks exit codes and output. */
class CommandLineTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "commerce");

    /** Exit code and what the command printed. */
    record Run(int exit, String out, String err) {
    }

    static Run tessera(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = TesseraCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** The examples' definitions and models copied into {@code dir} (created if absent), to change them in a test. */
    static Path copyOfExamples(Path dir) throws IOException {
        try (var walk = Files.walk(EXAMPLES)) {
            for (Path p : walk.toList()) {
                Path to = dir.resolve(EXAMPLES.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return dir;
    }

    @Test
    void validateSummarisesValidDefinitions() {
        Run run = tessera("validate", "--features", EXAMPLES.toString());

        assertThat(run.exit()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).contains("Definitions in " + EXAMPLES + " are valid.")
                .containsPattern("entities +4\\R")
                .containsPattern("sources +5\\R")
                .containsPattern("feature groups +5\\R")
                .containsPattern("features +28\\R")
                .containsPattern("served features +50\\R")
                .containsPattern("services +2\\R")
                .containsPattern("version +[0-9a-f]{16}\\R")
                .contains("note: sources logins, payments, signups declare no fields:");
    }

    /** Valid definitions with a broken model registry: not "valid" and then problems, but which of the two is not. */
    @Test
    void validateSaysTheDefinitionsAreValidButTheRegistryIsNot(@TempDir Path dir) throws IOException {
        copyOfExamples(dir);
        Path v1 = dir.resolve("models/account_risk_v1.yaml");
        Files.writeString(v1, Files.readString(v1).replace("service: account_risk_v1", "service: account_risk_v9"));

        Run run = tessera("validate", "--features", dir.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEqualTo("Definitions in " + dir + " are valid; the model registry in " + dir.resolve("models")
                + " is not:" + System.lineSeparator());
        assertThat(run.err()).contains("account_risk_v9");
    }

    @Test
    void validatePrintsEveryProblemAsFileLineColumnWithAHint(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("defs.yaml"), """
                kind: Entity
                name: account
                keys: [account_id]
                ---
                kind: Source
                name: payments
                kafka: { topic: commerce.payments }
                timestamp: event_time
                lateness: 10
                ---
                kind: FeatureGroup
                name: account_payments
                source: payments
                entity: account
                features:
                  - { name: declined_count, agg: count, windows: [1h, 90s], hop: 1m }
                """);

        Run run = tessera("validate", "--features", dir.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        String file = dir.resolve("defs.yaml").toString();
        assertThat(run.err()).isEqualTo(String.join(System.lineSeparator(),
                file + ":9:11: error: lateness of source payments: '10' is not a valid duration",
                "  hint: add a unit: '10s' for seconds, '10m' for minutes, '10h' for hours",
                file + ":16:55: error: window 90s is not a multiple of hop 1m in feature declined_count",
                "  hint: make the window a multiple of 1m (e.g. 1m or 2m), or set hop: 30s, which divides every window",
                "2 problems in " + dir, ""));
    }

    @Test
    void validateReportsFilesRelativeToTheFolderAsGiven() {
        Path broken = Path.of("..", "api", "src", "test", "resources", "definitions", "broken", "unknown_source");

        Run run = tessera("validate", "--features", broken.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith(broken.resolve("definitions.yaml") + ":12:9: error: group account_payments"
                + " refers to unknown source 'paymnts'");
    }

    @Test
    void validateDefaultsToTheFeaturesFolder() {
        Run run = tessera("validate");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("features: error: definitions folder features does not exist");
    }

    @Test
    void everyCommandHasHelpWithTheCommonOptions() {
        for (String command : new String[] {"validate", "demo", "run", "generate"}) {
            Run run = tessera(command, "--help");
            assertThat(run.exit()).isZero();
            assertThat(run.out()).contains("Usage: tessera " + command, "--features=DIR", "--data=DIR", "--help");
        }
        assertThat(tessera("--help").out()).contains("validate", "demo", "generate", "help");
        assertThat(tessera("help", "validate").out()).contains("Usage: tessera validate");
    }

    @Test
    void noCommandPrintsUsage() {
        Run run = tessera();

        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("Usage: tessera", "validate");
    }

    @Test
    void aWrongOptionIsAUsageError() {
        Run run = tessera("validate", "--featurs", "x");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown option", "'--featurs'", "Possible solutions: --features", "see: tessera validate --help");
        assertThat(run.err()).as("the error stays in sight: no full usage after it").doesNotContain("Usage:");

        Run close = tessera("demo", "--prot", "8093"); // picocli has no suggestion for this one
        assertThat(close.exit()).isEqualTo(2);
        assertThat(close.err()).contains("did you mean --port (for --prot)?", "see: tessera demo --help");

        Run mistypedRequired = tessera("evaluate", "--experimnt", "x");
        assertThat(mistypedRequired.exit()).isEqualTo(2);
        assertThat(mistypedRequired.err()).contains("did you mean --experiment (for --experimnt)?");

        Run missing = tessera("run", "--features", "x");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).startsWith("error: Missing required argument").doesNotContain("Error:");
    }

    @Test
    void consistencyReadsOneLogAndNamesAMistypedPredictionsSource(@TempDir Path dir) {
        String examples = Path.of("..", "examples", "commerce").toString();
        Run both = tessera("consistency", "--features", examples, "--data", dir.toString(), "--service", "account_risk_v1",
                "--log", dir.toString(), "--predictions");
        assertThat(both.exit()).isEqualTo(1);
        assertThat(both.err()).contains("--log and --predictions read different logs: give one of them");

        Run typo = tessera("consistency", "--features", examples, "--data", dir.toString(), "--service", "account_risk_v1",
                "--predictions", "predictons");
        assertThat(typo.exit()).isEqualTo(1);
        assertThat(typo.err()).contains("no source 'predictons'", "did you mean 'predictions'");

        Run none = tessera("consistency", "--features", examples, "--data", dir.toString(), "--service", "account_risk_v1",
                "--predictions", "--in-flight", "0");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("no archive of source 'predictions'", "written by tessera run and tessera demo");

        Run noLog = tessera("consistency", "--features", examples, "--data", dir.toString(), "--service", "account_risk_v1");
        assertThat(noLog.exit()).isEqualTo(1);
        assertThat(noLog.err()).contains("no response log at " + dir.resolve("responses"), "is that the node's data folder?", "--predictions");
        Run empty = tessera("consistency", "--features", examples, "--data", dir.toString(), "--service", "account_risk_v1", "--log",
                dir.toString());
        assertThat(empty.exit()).isEqualTo(1);
        assertThat(empty.err()).contains("nothing to check: no logged read in");

        Run badSpan = tessera("consistency", "--features", examples, "--data", dir.toString(), "--service", "account_risk_v1",
                "--predictions", "--in-flight", "soon");
        assertThat(badSpan.exit()).isEqualTo(2);
        assertThat(badSpan.err()).contains("--in-flight", "soon");
    }

    @Test
    void nodeAddressesWithoutASchemeAndOutputsOfAnUnknownFormat(@TempDir Path dir) {
        // host:port is http://host:port; nothing listens on port 9 (discard)
        Run status = tessera("status", "--url", "127.0.0.1:9");
        assertThat(status.exit()).isEqualTo(2);
        assertThat(status.err()).contains("cannot reach a Tessera node at http://127.0.0.1:9", "is it running?").doesNotContain("Exception\n\tat");
        Run doctor = tessera("doctor", "--url", "127.0.0.1:9", "--interval", "0");
        assertThat(doctor.exit()).isEqualTo(2);
        assertThat(doctor.err()).contains("cannot reach a Tessera node at http://127.0.0.1:9", "is it running?").doesNotContain("null");
        Run bad = tessera("status", "--url", "ftp://127.0.0.1:9");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("is not a node address; write host:port or http://host:port");

        Run json = tessera("training-set", "--features", Path.of("..", "examples", "commerce").toString(), "--data", dir.toString(),
                "--spine", dir.resolve("spine.csv").toString(), "--service", "account_risk_v1", "--out", dir.resolve("t.json").toString());
        assertThat(json.exit()).isEqualTo(2);
        assertThat(json.err()).contains("written as Parquet or CSV, not .json", "--format parquet|csv");
        assertThat(dir.resolve("t.json")).doesNotExist();
    }

    /** picocli warns on System.err (not the command's writers) when a description does not format, e.g. a bare '%'. */
    @Test
    void helpTextsFormatWithoutWarnings() {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(warnings, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            for (String command : List.of("demo", "run", "serve", "flink", "status", "doctor", "validate", "generate", "training-set",
                    "train", "evaluate", "import", "backfill", "consistency", "archive", "tail")) {
                Run run = tessera(command, "--help");
                assertThat(run.exit()).as(command).isZero();
                assertThat(run.out() + run.err()).as(command).doesNotContain("WARN", "Could not format");
            }
        } finally {
            System.setErr(err);
        }
        assertThat(warnings.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("WARN", "Could not format");
    }
}
