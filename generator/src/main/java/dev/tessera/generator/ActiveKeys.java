package dev.tessera.generator;

import java.util.List;

/**
 * Real entity keys of the world that see steady traffic (the most active accounts, and the card,
 * device and IP each uses most), for examples such as the demo's curl commands.
 */
public record ActiveKeys(List<String> accounts, List<String> cards, List<String> devices, List<String> ips) {
    public ActiveKeys {
        accounts = List.copyOf(accounts);
        cards = List.copyOf(cards);
        devices = List.copyOf(devices);
        ips = List.copyOf(ips);
    }
}
