package dev.tessera.api;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Folders under {@code src/test/resources/definitions}. */
final class Fixtures {
    private Fixtures() {
    }

    static Path definitions(String folder) {
        try {
            return Path.of(Fixtures.class.getResource("/definitions/" + folder).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalArgumentException("no test fixture definitions/" + folder, e);
        }
    }
}
