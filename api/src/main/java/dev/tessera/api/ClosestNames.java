package dev.tessera.api;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * "Did you mean" for unknown names: the candidates closest to a misspelt name by edit distance
 * (optimal string alignment, so a swapped pair of letters costs one edit), ignoring case.
 */
public final class ClosestNames {
    private ClosestNames() {
    }

    /** Up to three candidates close enough to {@code wrong} to be a plausible typo, closest first. */
    public static List<String> to(String wrong, Collection<String> candidates) {
        String w = wrong.toLowerCase(Locale.ROOT);
        int limit = Math.max(2, w.length() / 3);
        record Scored(String name, int distance) {
        }
        List<Scored> close = new ArrayList<>();
        for (String candidate : candidates) {
            String c = candidate.toLowerCase(Locale.ROOT);
            int d = distance(w, c);
            boolean prefix = !w.isEmpty() && (c.startsWith(w) || w.startsWith(c)) && Math.min(w.length(), c.length()) >= 3;
            if (d <= limit || prefix) {
                close.add(new Scored(candidate, d));
            }
        }
        close.sort(Comparator.comparingInt(Scored::distance).thenComparing(Scored::name));
        return close.stream().limit(3).map(Scored::name).distinct().toList();
    }

    /**
     * A hint naming the closest candidates, then all of them:
     * {@code did you mean 'windows'? valid: name, agg, windows}. Long lists are cut after 12.
     */
    public static String hint(String wrong, Collection<String> candidates, String allLabel) {
        List<String> close = to(wrong, candidates);
        StringBuilder hint = new StringBuilder();
        if (!close.isEmpty()) {
            hint.append("did you mean ").append(quotedOr(close)).append("? ");
        }
        if (candidates.isEmpty()) {
            hint.append("there are no ").append(allLabel).append(" yet");
        } else {
            hint.append(allLabel).append(": ").append(list(candidates, 12));
        }
        return hint.toString();
    }

    static String list(Collection<String> names, int max) {
        List<String> all = List.copyOf(names);
        String shown = String.join(", ", all.subList(0, Math.min(max, all.size())));
        return all.size() > max ? shown + ", ... (" + all.size() + " in all)" : shown;
    }

    private static String quotedOr(List<String> names) {
        List<String> quoted = names.stream().map(n -> "'" + n + "'").toList();
        if (quoted.size() == 1) {
            return quoted.get(0);
        }
        return String.join(", ", quoted.subList(0, quoted.size() - 1)) + " or " + quoted.get(quoted.size() - 1);
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
