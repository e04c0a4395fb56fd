package dev.tessera.generator;

/**
 * Countries, currencies, e-mail domains and IP addresses of the world. Customers come from the
 * {@code CUSTOMER_*} countries in rough proportion to a large marketplace; fraud rings operate from
 * {@code RING_COUNTRIES} (hosting and proxy locations as often as home countries).
 */
final class Geography {
    private Geography() {
    }

    static final String[] CUSTOMER_COUNTRIES = {"US", "GB", "DE", "FR", "BR", "IN", "CA", "ES", "IT", "MX", "NL", "AU", "PL"};
    static final double[] CUSTOMER_COUNTRY_CUMULATIVE = Rng.cumulative(30, 10, 9, 8, 8, 8, 5, 5, 5, 4, 3, 3, 2);
    /** Currency of each customer country, and units of it per US dollar (amounts look local). */
    static final String[] CURRENCY = {"USD", "GBP", "EUR", "EUR", "BRL", "INR", "CAD", "EUR", "EUR", "MXN", "EUR", "AUD", "PLN"};
    static final double[] PER_USD = {1, 0.79, 0.92, 0.92, 5.0, 83, 1.36, 0.92, 0.92, 17, 0.92, 1.52, 4.0};

    static final String[] RING_COUNTRIES = {"RO", "NG", "VN", "ID", "UA", "NL", "BR", "US"};

    static final String[] EMAIL_DOMAINS = {"gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com",
        "proton.me", "gmx.de", "orange.fr", "web.de", "uol.com.br", "rediffmail.com", "aol.com", "yandex.com"};
    static final double[] EMAIL_DOMAIN_CUMULATIVE = Rng.cumulative(40, 10, 12, 10, 6, 3, 3, 3, 2, 2, 2, 2, 1);
    /** Throwaway mailboxes fraud rings sign mule accounts up with (and a few free-mail ones). */
    static final String[] RING_EMAIL_DOMAINS = {"mailinator.com", "guerrillamail.com", "10minutemail.com", "yopmail.com",
        "tempmail.dev", "gmail.com", "outlook.com"};

    /** First octets of routable, non-reserved IPv4 space (no 0, 10, 100, 127, 169, 172, 192, 198, 203, 224+). */
    private static final int[] FIRST_OCTETS = firstOctets();

    private static int[] firstOctets() {
        return java.util.stream.IntStream.rangeClosed(1, 223)
                .filter(o -> o != 10 && o != 100 && o != 127 && o != 169 && o != 172 && o != 192 && o != 198 && o != 203)
                .toArray();
    }

    /** A public-looking IPv4 address made from the bits of {@code h}. */
    static String ip(long h) {
        int first = FIRST_OCTETS[(int) Long.remainderUnsigned(h, FIRST_OCTETS.length)];
        long r = h >>> 16;
        return first + "." + (r & 0xFF) + "." + ((r >>> 8) & 0xFF) + "." + (1 + Long.remainderUnsigned(r >>> 16, 254));
    }

    /** Index of a customer country drawn from the fraction {@code u} in [0, 1). */
    static int customerCountry(double u) {
        return pickFraction(CUSTOMER_COUNTRY_CUMULATIVE, u);
    }

    static int emailDomain(double u) {
        return pickFraction(EMAIL_DOMAIN_CUMULATIVE, u);
    }

    private static int pickFraction(double[] cumulative, double u) {
        double x = u * cumulative[cumulative.length - 1];
        for (int i = 0; i < cumulative.length; i++) {
            if (x < cumulative[i]) {
                return i;
            }
        }
        return cumulative.length - 1;
    }

    /** Bits of {@code h} as a fraction in [0, 1). */
    static double fraction(long h) {
        return (h >>> 11) * 0x1.0p-53;
    }
}
