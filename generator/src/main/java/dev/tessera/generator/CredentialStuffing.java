package dev.tessera.generator;

/**
 * Credential stuffing: a bot on one device (a ring device or a fresh one) behind one to three IPs
 * tries leaked passwords on 30 to 150 accounts picked uniformly (leaked lists do not follow
 * activity), a second or two apart. About 4% succeed; those accounts go to the ring's list for
 * {@link AccountTakeover}.
 *
 * <p>Signature: {@code device_logins.distinct_accounts_1h} of 30 to 150 and
 * {@code device_logins.failed_login_count_1h} close to it, on one device.
 */
final class CredentialStuffing implements Behaviour {
    @Override
    public double share(GeneratorConfig config) {
        return config.fraudShare() * 0.30;
    }

    @Override
    public double meanEvents() {
        return 107;
    }

    @Override
    public void play(Simulation w, long start) {
        Rng r = w.rng;
        FraudRing ring = w.ring();
        String device = r.chance(0.3) ? ring.device(r) : w.fraudDevice();
        String[] ips = new String[r.between(1, 3)];
        for (int i = 0; i < ips.length; i++) {
            ips[i] = r.chance(0.5) ? ring.ip(r) : w.randomIp();
        }
        int victims = r.between(30, 150);
        long time = start;
        for (int v = 0; v < victims; v++) {
            int a = w.population.pickAny(r);
            int tries = r.chance(0.2) ? 2 : 1;
            for (int k = 0; k < tries; k++) {
                boolean success = r.chance(0.04);
                w.login(time, a, device, ips[r.nextInt(ips.length)], success, ring.country,
                        FraudPattern.CREDENTIAL_STUFFING);
                time += r.betweenLong(300, 4_000);
                if (success) {
                    ring.addCompromised(a);
                    break;
                }
            }
        }
    }
}
