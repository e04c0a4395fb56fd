package dev.tessera.api;

import java.util.List;

/** A kind of thing features describe (an account, a card, a device), identified by its key fields. */
public record Entity(String name, List<String> keys, Meta meta) {
    public Entity {
        keys = List.copyOf(keys);
    }
}
