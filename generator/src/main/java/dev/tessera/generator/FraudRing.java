package dev.tessera.generator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A fraud ring: a country it operates from, a few devices and proxy IPs its members share, the
 * mule accounts it signed up, the stolen cards that passed card testing (its stash), and the
 * accounts whose passwords credential stuffing revealed. Patterns of one ring feed each other:
 * card testing fills the stash that mule cash-out spends; credential stuffing feeds takeovers.
 */
final class FraudRing {
    private static final int STASH = 64;

    final String country;
    private final String[] devices;
    private final String[] ips;
    private final List<Integer> mules = new ArrayList<>();
    private final ArrayDeque<String> liveCards = new ArrayDeque<>();
    private final ArrayDeque<Integer> compromised = new ArrayDeque<>();

    FraudRing(String country, String[] devices, String[] ips) {
        this.country = country;
        this.devices = devices;
        this.ips = ips;
    }

    String device(Rng rng) {
        return devices[rng.nextInt(devices.length)];
    }

    String ip(Rng rng) {
        return ips[rng.nextInt(ips.length)];
    }

    int muleCount() {
        return mules.size();
    }

    void addMule(int account) {
        mules.add(account);
    }

    /** One of the ring's mules, the recent ones more often (older ones get closed). */
    int mule(Rng rng) {
        int n = mules.size();
        int back = Math.min(n - 1, (int) rng.exponential(6));
        return mules.get(n - 1 - back);
    }

    void addLiveCard(String card) {
        if (liveCards.size() == STASH) {
            liveCards.removeFirst();
        }
        liveCards.addLast(card);
    }

    /** A card from the stash, or null when it is empty. */
    String liveCard(Rng rng) {
        if (liveCards.isEmpty()) {
            return null;
        }
        int i = rng.nextInt(liveCards.size());
        return liveCards.stream().skip(i).findFirst().orElseThrow();
    }

    void addCompromised(int account) {
        if (compromised.size() == STASH) {
            compromised.removeFirst();
        }
        compromised.addLast(account);
    }

    /** The oldest compromised account not yet taken over, or -1. */
    int takeCompromised() {
        Integer a = compromised.pollFirst();
        return a == null ? -1 : a;
    }
}
