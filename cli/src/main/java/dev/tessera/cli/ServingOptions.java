package dev.tessera.cli;

import dev.tessera.serving.Tokens;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** HTTP options shared by {@code run} and {@code demo}. */
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
