package dev.tessera.offline.training;

/**
 * Sorting of index arrays without boxing: the join keeps a bucket's records in primitive arrays and
 * sorts permutations of them. Records are grouped by key id with a counting sort (ids are dense,
 * {@code 0..keys-1}), then each key's run is sorted by an {@link Order} with a stable merge sort
 * (insertion sort for short runs; events of one key arrive nearly in time order, which both exploit).
 */
final class IndexSort {
    private IndexSort() {
    }

    @FunctionalInterface
    interface Order {
        /** Negative, zero or positive as record {@code a} sorts before, with or after record {@code b}. */
        int compare(int a, int b);
    }

    /**
     * A permutation of {@code 0..n-1} grouped by {@code key[i]} ascending, original order kept within
     * a key; {@code starts} (length {@code keys + 1}) receives where each key's run begins.
     */
    static int[] groupByKey(int[] key, int n, int keys, int[] starts) {
        for (int i = 0; i < n; i++) {
            starts[key[i] + 1]++;
        }
        for (int k = 0; k < keys; k++) {
            starts[k + 1] += starts[k];
        }
        int[] next = new int[keys];
        System.arraycopy(starts, 0, next, 0, keys);
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[next[key[i]]++] = i;
        }
        return perm;
    }

    /** Sorts {@code perm[from..to)} stably by {@code order}; {@code tmp} is scratch of at least {@code to} entries. */
    static void sort(int[] perm, int from, int to, Order order, int[] tmp) {
        if (to - from < 2) {
            return;
        }
        boolean sorted = true;
        for (int i = from + 1; i < to && sorted; i++) {
            sorted = order.compare(perm[i - 1], perm[i]) <= 0;
        }
        if (!sorted) {
            mergeSort(perm, tmp, from, to, order);
        }
    }

    private static void mergeSort(int[] a, int[] tmp, int from, int to, Order order) {
        if (to - from <= 24) {
            for (int i = from + 1; i < to; i++) {
                int v = a[i];
                int j = i - 1;
                while (j >= from && order.compare(a[j], v) > 0) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = v;
            }
            return;
        }
        int mid = (from + to) >>> 1;
        mergeSort(a, tmp, from, mid, order);
        mergeSort(a, tmp, mid, to, order);
        if (order.compare(a[mid - 1], a[mid]) <= 0) {
            return;
        }
        System.arraycopy(a, from, tmp, from, to - from);
        int i = from;
        int j = mid;
        int k = from;
        while (i < mid && j < to) {
            a[k++] = order.compare(tmp[j], tmp[i]) < 0 ? tmp[j++] : tmp[i++];
        }
        while (i < mid) {
            a[k++] = tmp[i++];
        }
        while (j < to) {
            a[k++] = tmp[j++];
        }
    }
}
