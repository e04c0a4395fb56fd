package dev.tessera.cli;

import dev.tessera.serving.Tokens;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** HTTP and monitoring options shared by {@code run}, {@code demo} and {@code serve}. */
final class ServingOptions {
    static final String TOKENS_ENV = "TESSERA_TOKENS";

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to serve HTTP on; 0.0.0.0 for every interface (configure tokens then). Default: ${DEFAULT-VALUE}")
    String host;

    @Option(names = "--tokens-file", paramLabel = "FILE",
            description = "Bearer tokens with scopes, one 'scope[,scope]:token' per line (read, write, admin). Also read from "
                    + "the TESSERA_TOKENS environment variable. Without either, authentication is off.")
    Path tokensFile;

    @Option(names = "--log-responses", paramLabel = "FRACTION",
            description = "Log this fraction (0..1) of feature reads to <data>/responses, for tessera consistency."
                    + " Default: 0 for run, 1 for demo.")
    Double logResponses;

    @Option(names = "--alert-webhook", paramLabel = "URL",
            description = "POST every alert (firing and resolved) as JSON to this URL; repeatable. Alerts are logged in any case.")
    java.util.List<java.net.URI> alertWebhooks = new java.util.ArrayList<>();

    @Option(names = "--alert-interval", paramLabel = "DURATION", defaultValue = "10s", converter = GenerateCommand.SpanConverter.class,
            description = "How often freshness, lag, reject rate, quality rules and drift are judged. Default: ${DEFAULT-VALUE}")
    dev.tessera.api.TimeSpan alertInterval;

    @Option(names = "--alert-window", paramLabel = "DURATION", defaultValue = "5m", converter = GenerateCommand.SpanConverter.class,
            description = "Reject rates and rule violations are judged over this last stretch of time. Default: ${DEFAULT-VALUE}")
    dev.tessera.api.TimeSpan alertWindow;

    @Option(names = "--runbook-url", paramLabel = "PREFIX", defaultValue = "docs/runbooks/",
            description = "Alerts link to <PREFIX><alert>.md (e.g. your repository's URL of docs/runbooks/). Default: ${DEFAULT-VALUE}")
    String runbookUrl;

    @Option(names = "--drift-reference", paramLabel = "FILE",
            description = "A training set (Parquet or CSV, as tessera training-set writes it): served features drift against"
                    + " its columns. Default: against the earlier --drift-window of served values.")
    Path driftReference;

    @Option(names = "--drift-window", paramLabel = "DURATION", defaultValue = "1h", converter = GenerateCommand.SpanConverter.class,
            description = "Served values are compared per window of this length. Default: ${DEFAULT-VALUE}")
    dev.tessera.api.TimeSpan driftWindow;

    @Option(names = "--tracing", paramLabel = "off|log|otlp", defaultValue = "off",
            description = "OpenTelemetry tracing of HTTP requests, pushes and applied batches: off, log (spans written to the log)"
                    + " or otlp (sent to --otlp-endpoint). Default: ${DEFAULT-VALUE}")
    dev.tessera.flink.TracingConfig.Mode tracing;

    @Option(names = "--otlp-endpoint", paramLabel = "URL",
            description = "The OTLP/HTTP traces endpoint for --tracing otlp. Default: " + Tracing.DEFAULT_OTLP_ENDPOINT)
    java.net.URI otlpEndpoint;

    @Option(names = "--trace-sample", paramLabel = "RATIO", defaultValue = "1",
            description = "Fraction (0..1) of new traces sampled; a request with a sampled traceparent is always traced"
                    + " (parent-based). Default: ${DEFAULT-VALUE}")
    double traceSample;

    /** The tracing the options ask for; close it after the server and the runtime. */
    Tracing tracing() {
        return Tracing.open(tracing, otlpEndpoint, traceSample);
    }

    /** The monitoring the options ask for. */
    Monitoring monitoring() {
        return new Monitoring(new dev.tessera.serving.QualityMonitor.Settings(java.time.Duration.ofMillis(alertInterval.millis()),
                java.time.Duration.ofMillis(alertWindow.millis()), runbookUrl), java.util.List.copyOf(alertWebhooks),
                driftReference, driftWindow);
    }

    /** The sample rate of the response log: the option, or {@code dflt} when it is not given. */
    double logResponses(double dflt) {
        double rate = logResponses == null ? dflt : logResponses;
        if (!(rate >= 0 && rate <= 1)) {
            throw new dev.tessera.api.TesseraException("--log-responses must be a fraction between 0 and 1, not " + rate);
        }
        return rate;
    }

    /** Tokens from the file and the environment; none configured means authentication off. */
    Tokens tokens() {
        String env = System.getenv(TOKENS_ENV);
        StringBuilder spec = new StringBuilder();
        if (tokensFile != null) {
            Tokens fromFile = Tokens.fromFile(tokensFile); // validates with file-relative messages
            if (env == null || env.isBlank()) {
                return fromFile;
            }
            try {
                spec.append(java.nio.file.Files.readString(tokensFile)).append('\n');
            } catch (java.io.IOException e) {
                throw new dev.tessera.api.TesseraException("cannot read the token file " + tokensFile + ": " + e.getMessage());
            }
        }
        if (env != null && !env.isBlank()) {
            Tokens.parse(env, TOKENS_ENV);
            spec.append(env);
        }
        return spec.length() == 0 ? Tokens.none() : Tokens.parse(spec.toString(), "the configured tokens");
    }
}
