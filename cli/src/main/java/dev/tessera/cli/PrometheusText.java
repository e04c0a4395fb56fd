package dev.tessera.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A scrape of Prometheus text format (version 0.0.4) as samples: metric name, its labels, value.
 * Enough to read back what a Tessera node exports ({@code GET /metrics}); not a general parser
 * (no escapes inside label values beyond {@code \"}, no timestamps).
 */
record PrometheusText(Map<String, Map<Map<String, String>, Double>> families) {

    static PrometheusText parse(String text) {
        Map<String, Map<Map<String, String>, Double>> out = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            String name;
            Map<String, String> labels = new TreeMap<>();
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int close = line.lastIndexOf('}');
                parseLabels(line.substring(brace + 1, close), labels);
            } else {
                name = line.substring(0, space);
            }
            double value = parseValue(line.substring(space + 1));
            out.computeIfAbsent(name, n -> new LinkedHashMap<>()).put(labels, value);
        }
        return new PrometheusText(out);
    }

    private static void parseLabels(String s, Map<String, String> labels) {
        int i = 0;
        while (i < s.length()) {
            int eq = s.indexOf('=', i);
            if (eq < 0) {
                return;
            }
            String key = s.substring(i, eq).trim();
            int start = s.indexOf('"', eq) + 1;
            StringBuilder v = new StringBuilder();
            int j = start;
            while (j < s.length() && s.charAt(j) != '"') {
                if (s.charAt(j) == '\\' && j + 1 < s.length()) {
                    j++;
                }
                v.append(s.charAt(j++));
            }
            labels.put(key, v.toString());
            i = s.indexOf(',', j);
            if (i < 0) {
                return;
            }
            i++;
        }
    }

    private static double parseValue(String v) {
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }

    /** The value of {@code name} with exactly these labels, or NaN. */
    double value(String name, Map<String, String> labels) {
        Map<Map<String, String>, Double> f = families.get(name);
        Double v = f == null ? null : f.get(new TreeMap<>(labels));
        return v == null ? Double.NaN : v;
    }

    /** The sum of {@code name} over the samples whose labels include {@code match}. */
    double sum(String name, Map<String, String> match) {
        Map<Map<String, String>, Double> f = families.get(name);
        double sum = 0;
        if (f != null) {
            for (var e : f.entrySet()) {
                if (e.getKey().entrySet().containsAll(match.entrySet()) && !e.getValue().isNaN()) {
                    sum += e.getValue();
                }
            }
        }
        return sum;
    }

    /** The values of label {@code label} among {@code name}'s samples, in first-seen order. */
    java.util.List<String> labelValues(String name, String label) {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        Map<Map<String, String>, Double> f = families.get(name);
        if (f != null) {
            for (Map<String, String> labels : f.keySet()) {
                if (labels.containsKey(label)) {
                    out.add(labels.get(label));
                }
            }
        }
        return java.util.List.copyOf(out);
    }
}
