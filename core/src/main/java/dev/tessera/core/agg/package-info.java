/**
 * The aggregations of SPEC §2 as mergeable partial aggregates ("IRs") with versioned binary
 * encodings. Obtain an {@link dev.tessera.core.agg.Aggregator} from
 * {@link dev.tessera.core.agg.Aggregators#create}; everything else here is package-private.
 *
 * <h2>Values</h2>
 * Values reaching {@link dev.tessera.core.agg.Ir#add} are canonical — Boolean, Long, finite Double,
 * String, never null (the caller drops nulls and non-finite doubles and applies filters); anything
 * else is rejected with IllegalArgumentException.
 *
 * <h2>Semantics decided here (SPEC §2 is silent on them)</h2>
 * <table>
 *   <caption>Result per aggregation</caption>
 *   <tr><th>agg</th><th>result</th><th>empty</th><th>notes</th></tr>
 *   <tr><td>count</td><td>Long</td><td>0</td><td>counts every add</td></tr>
 *   <tr><td>sum</td><td>Long if every value was a Long and the exact total fits, else Double</td><td>0</td>
 *       <td>Long input exact (128-bit); Double input compensated; Strings/Booleans ignored</td></tr>
 *   <tr><td>avg</td><td>Double</td><td>null</td><td>exact total / count of numeric values</td></tr>
 *   <tr><td>min, max</td><td>the extreme value; Double if any Double was seen and the extreme is a number</td>
 *       <td>null</td><td>booleans &lt; numbers &lt; strings; numbers exactly across Long/Double</td></tr>
 *   <tr><td>first, last</td><td>the value</td><td>null</td><td>order (event time, id with null first, value)</td></tr>
 *   <tr><td>last_k</td><td>List, newest first</td><td>[]</td><td>same order, at most k (1..100)</td></tr>
 *   <tr><td>approx_distinct</td><td>Long</td><td>0</td><td>exact to 128 distinct, then HLL lgK 15 (RSE 0.57%)</td></tr>
 *   <tr><td>approx_percentile</td><td>Double</td><td>null</td><td>inclusive (type 1) quantile; a stored IR exact to 300 values, a window to 8,192 (ADR 011), then KLL k 300, rank error 0.9%</td></tr>
 *   <tr><td>top_k</td><td>List of {@link dev.tessera.core.agg.ValueCount}</td><td>[]</td>
 *       <td>a window exact to 4,096 distinct values (ADR 011), then a frequent-items sketch, exact up to 0.75·maxMapSize distinct values</td></tr>
 * </table>
 *
 * <h2>Encodings</h2>
 * Each IR class draws its layout in its class comment; the first byte is a format version that
 * decoders check. Typed values share one encoding ({@code ValueCodec}), event ids another
 * ({@code EventOrder}); sketches are stored in DataSketches' own serialization. Golden-bytes tests
 * pin every layout so data written today stays readable.
 */
package dev.tessera.core.agg;
