package dev.tessera.serving;

import dev.tessera.api.TesseraException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Bearer tokens and their scopes. Off (every request allowed) when none are configured, as in the
 * demo; enforced as soon as one is.
 *
 * <h2>Format</h2>
 * Entries {@code scope[,scope...]:token}, separated by whitespace or newlines; in a file, {@code #}
 * starts a comment. Example: {@code read:r-4f9c2a7d61e84b03 read,write:w-0b6e5a1c9d2f4e77}.
 * Scopes: {@code read} (feature reads, metrics), {@code write} (event push), {@code admin}
 * (everything). Tokens must be at least {@value #MIN_TOKEN_LENGTH} characters.
 *
 * <h2>Handling</h2>
 * Only SHA-256 digests of the tokens are kept, compared in constant time against every entry, and
 * tokens never appear in logs, errors or {@link #toString()}.
 */
public final class Tokens {
    public enum Scope {
        READ, WRITE, ADMIN;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final int MIN_TOKEN_LENGTH = 16;

    private record Entry(byte[] digest, Set<Scope> scopes) {}

    private final List<Entry> entries;

    private Tokens(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** No tokens: authentication off. */
    public static Tokens none() {
        return new Tokens(List.of());
    }

    /** Parses entries (see the class comment); {@code where} names their origin in errors. */
    public static Tokens parse(String spec, String where) {
        List<Entry> entries = new ArrayList<>();
        String[] lines = spec.split("\n", -1);
        for (int line = 0; line < lines.length; line++) {
            String text = lines[line];
            int hash = text.indexOf('#');
            if (hash >= 0) {
                text = text.substring(0, hash);
            }
            for (String item : text.trim().split("\\s+")) {
                if (!item.isEmpty()) {
                    entries.add(entry(item, where + (lines.length > 1 ? " line " + (line + 1) : "")));
                }
            }
        }
        return new Tokens(entries);
    }

    public static Tokens fromFile(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new TesseraException("cannot read the token file " + file + ": " + e.getMessage());
        }
    }

    private static Entry entry(String item, String where) {
        int colon = item.indexOf(':');
        if (colon <= 0) {
            throw new TesseraException("token entry in " + where + " is not scope[,scope]:token (e.g. read,write:<token>)");
        }
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : item.substring(0, colon).split(",")) {
            try {
                scopes.add(Scope.valueOf(s.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new TesseraException("unknown scope '" + s + "' in " + where + "; scopes: read, write, admin");
            }
        }
        String token = item.substring(colon + 1);
        if (token.length() < MIN_TOKEN_LENGTH) {
            throw new TesseraException("a token in " + where + " is shorter than " + MIN_TOKEN_LENGTH
                    + " characters; use a long random value (e.g. openssl rand -hex 24)");
        }
        return new Entry(digest(token), scopes);
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean enabled() {
        return !entries.isEmpty();
    }

    /** Number of configured tokens. */
    public int size() {
        return entries.size();
    }

    /**
     * Checks an {@code Authorization} header value against {@code needed}.
     *
     * @throws ApiException 401 without a valid bearer token, 403 when the token lacks the scope
     */
    public void check(String authorization, Scope needed) {
        if (!enabled()) {
            return;
        }
        if (authorization == null || authorization.isBlank()) {
            throw new ApiException(401, "unauthorized", "this endpoint needs a bearer token",
                    "send the header 'Authorization: Bearer <token>' with a token that has the " + needed.label() + " scope");
        }
        String value = authorization.trim();
        if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiException(401, "unauthorized", "the Authorization header is not a bearer token",
                    "use the form 'Authorization: Bearer <token>'");
        }
        byte[] presented = digest(value.substring(7).trim());
        Set<Scope> scopes = null;
        for (Entry e : entries) { // every entry, constant-time compares: no timing hint on which matched
            if (MessageDigest.isEqual(e.digest, presented) && scopes == null) {
                scopes = e.scopes;
            }
        }
        if (scopes == null) {
            throw new ApiException(401, "unauthorized", "the bearer token is not valid",
                    "check the token; tokens are configured with --tokens-file or TESSERA_TOKENS");
        }
        if (!scopes.contains(needed) && !scopes.contains(Scope.ADMIN)) {
            throw new ApiException(403, "forbidden", "the token lacks the " + needed.label() + " scope",
                    "use a token with the " + needed.label() + " (or admin) scope");
        }
    }

    @Override
    public String toString() {
        return enabled() ? "Tokens[" + entries.size() + " configured]" : "Tokens[off]";
    }
}
