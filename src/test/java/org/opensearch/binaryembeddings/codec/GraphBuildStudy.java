package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.util.BitUtil;
import org.apache.lucene.util.VectorUtil;
import org.apache.lucene.util.hnsw.HnswGraphBuilder;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.OnHeapHnswGraph;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;
import org.apache.lucene.util.hnsw.UpdateableRandomVectorScorer;
import org.opensearch.binaryembeddings.testdata.Corpus;
import org.opensearch.binaryembeddings.testdata.ReferenceEmbeddings;
import org.opensearch.binaryembeddings.testsupport.BenchMain;
import org.opensearch.binaryembeddings.testsupport.Vectors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A study, not a test (bin/bench --graph-study): which codes and which graph let the walk find the true neighbours
 * within a shortlist of 10 × k? Format version 0 stored sign bits and built its graph by their Hamming distance; queries
 * walk it by the float query's estimate against the bits ({@link AsymmetricQuery}). Version 1 ships the last variant
 * below (centred codes, one factor, graph by their Hamming distance; {@link CentredCodes}). Variants: the graph built by that
 * estimate instead (each vector's 4-bit planes as the query, as Lucene's 1-bit format builds), and codes of the vectors
 * centred on their mean (Lucene's format, RaBitQ) with one or two correction terms a vector, walked on their own graph
 * or on the sign-bit one (format v0). Each graph (Lucene's HnswGraphBuilder, maxConn 16, beam width 100, same seed) is
 * walked the way
 * {@code binary_knn} walks one segment: beam by the 4-bit estimate, narrowed by the float estimate, rescored with
 * floats. Queries: the 50 real ones and 450 passages (each excluding itself), for a sample larger than 50; the exact scan
 * by each estimate is the bound any walk over those codes has.
 */
public final class GraphBuildStudy {

    private static final int M = 16, BEAM_WIDTH = 100, QUERIES = 500;
    private static final int[][] POINTS = { { 40, 40 }, { 100, 40 }, { 100, 100 }, { 200, 100 }, { 200, 200 } };

    private GraphBuildStudy() {}

    public static void main(String[] args) throws Exception {
        BenchMain.run(() -> run(Path.of(args[0])));
    }

    /** How one variant estimates a query's similarity to a document from its codes. */
    private interface Estimate {
        /** The walk's scorer over the graph's ordinals. */
        RandomVectorScorer walk(float[] q) throws IOException;

        /** The float estimate that narrows the beam to the shortlist. */
        float narrow(float[] q, int doc);
    }

    static void run(Path out) throws IOException {
        float[][] x = ReferenceEmbeddings.passages("msmarco-5k", Corpus.msmarco());
        float[][] real = ReferenceEmbeddings.queries("msmarco-5k", Corpus.msmarco());
        int n = x.length, d = x[0].length;
        for (float[] v : x) Vectors.normalizeInPlace(v);
        List<byte[]> bits = new ArrayList<>(n);
        byte[][] planes = new byte[n][];
        for (int i = 0; i < n; i++) {
            bits.add(SignBits.pack(x[i], d));
            planes[i] = AsymmetricQuery.encode(x[i], d);
        }
        ByteVectorValues values = ByteVectorValues.fromBytes(bits, d / Byte.SIZE);
        Centred centred = new Centred(x, false);
        Centred scaled = new Centred(x, true);
        Shipped shipped = new Shipped(x);
        Random random = new Random(1);
        float[][] qs = new float[QUERIES][];
        int[] self = new int[QUERIES];
        for (int i = 0; i < QUERIES; i++) {
            if (i < real.length) {
                qs[i] = Vectors.normalizeInPlace(real[i].clone());
                self[i] = -1;
            } else {
                self[i] = random.nextInt(n);
                qs[i] = x[self[i]];
            }
        }
        int[][] truth = new int[QUERIES][];
        for (int i = 0; i < QUERIES; i++) {
            truth[i] = topByFloat(x, qs[i], null, 10, self[i]);
        }
        Estimate raw = new Estimate() {
            @Override
            public RandomVectorScorer walk(float[] q) {
                return AsymmetricQuery.scorer(values, AsymmetricQuery.encode(q, d));
            }

            @Override
            public float narrow(float[] q, int doc) {
                return floatTimesBits(q, bits.get(doc));
            }
        };
        StringBuilder md = new StringBuilder("# Graph build study (bin/bench --graph-study)\n\n");
        md.append(String.format(Locale.ROOT, "msmarco-5k reference embeddings (%d passages, %d bits), %d queries (%d real + passages), maxConn %d, beam width %d; "
            + "each cell: recall@10 over all queries / over the %d real queries, nodes visited per query%n%n", n, d, QUERIES, real.length, M, BEAM_WIDTH, real.length));
        md.append("| codes, graph built by | build ms (best of 3) |");
        for (int[] p : POINTS) md.append(" beam ").append(p[0]).append(" / shortlist ").append(p[1]).append(" |");
        md.append("\n|---|---:|").append("---:|".repeat(POINTS.length)).append('\n');
        for (Object[] bound : new Object[][] { { "sign bits: exact scan by the 4-bit estimate (bound)", raw }, { "centred codes, 2 levels: exact scan by their 4-bit estimate (bound)", centred },
            { "centred codes, 1 factor (RaBitQ-like): exact scan by their 4-bit estimate (bound)", scaled },
            { "format v1 as shipped (centred codes, query centred, factor + offset): exact scan by its 4-bit estimate (bound)", shipped } }) {
            md.append("| ").append(bound[0]).append(" | — |");
            for (int[] p : POINTS) {
                double[] r = exactScanRecall((Estimate) bound[1], x, qs, self, truth, p[1], real.length);
                md.append(String.format(Locale.ROOT, " %.4f / %.3f (top %d) |", r[0], r[1], p[1]));
            }
            md.append('\n');
        }
        RandomVectorScorerSupplier[] suppliers = {
            BitVectorsScorer.INSTANCE.getRandomVectorScorerSupplier(VectorSimilarityFunction.EUCLIDEAN, values),
            new AsymmetricBuild(values, x, planes),
            BitVectorsScorer.INSTANCE.getRandomVectorScorerSupplier(VectorSimilarityFunction.EUCLIDEAN, centred.values),
            BitVectorsScorer.INSTANCE.getRandomVectorScorerSupplier(VectorSimilarityFunction.EUCLIDEAN, scaled.values),
            BitVectorsScorer.INSTANCE.getRandomVectorScorerSupplier(GraphCodes.TAG, shipped.values) };
        String[] names = { "sign bits, Hamming distance (format v0)", "sign bits, the asymmetric estimate (4-bit vector vs bits)",
            "centred codes (x − mean) + 2 levels a vector, their Hamming distance",
            "centred codes + 1 factor a vector (RaBitQ-like, query not centred), their Hamming distance",
            "**format v1 as shipped**: centred codes + factor + offset, query centred, their Hamming distance" };
        Estimate[] walks = { raw, raw, centred, scaled, shipped };
        OnHeapHnswGraph[] graphs = new OnHeapHnswGraph[suppliers.length];
        long[] best = new long[suppliers.length];
        Arrays.fill(best, Long.MAX_VALUE);
        for (int rep = 0; rep < 3; rep++) { // interleaved, so that load from other processes hits all alike
            for (int g = 0; g < suppliers.length; g++) {
                long t0 = System.nanoTime();
                graphs[g] = HnswGraphBuilder.create(suppliers[g], M, BEAM_WIDTH, 42, n).build(n);
                best[g] = Math.min(best[g], (System.nanoTime() - t0) / 1_000_000);
            }
        }
        // the centred estimate walking the format-v0 graph (built by the sign bits' Hamming distance)
        md.append("| centred codes + 1 factor, walking the format-v0 graph (sign bits, Hamming) | — |");
        for (int[] p : POINTS) {
            double[] r = walkRecall(graphs[0], scaled, x, qs, self, truth, p[0], p[1], real.length);
            md.append(String.format(Locale.ROOT, " %.4f / %.3f, %.0f |", r[0], r[1], r[2]));
        }
        md.append('\n');
        for (int g = 0; g < suppliers.length; g++) {
            md.append("| ").append(names[g]).append(" | ").append(best[g]).append(" |");
            for (int[] p : POINTS) {
                double[] r = walkRecall(graphs[g], walks[g], x, qs, self, truth, p[0], p[1], real.length);
                md.append(String.format(Locale.ROOT, " %.4f / %.3f, %.0f |", r[0], r[1], r[2]));
            }
            md.append('\n');
        }
        Files.createDirectories(out.getParent());
        Files.writeString(out, md.toString());
        System.out.println(md);
    }

    /** {recall over all queries, recall over the first {@code realQueries}}. */
    private static double[] exactScanRecall(Estimate estimate, float[][] x, float[][] qs, int[] self, int[][] truth, int s, int realQueries)
        throws IOException {
        int hits = 0, realHits = 0;
        for (int i = 0; i < qs.length; i++) {
            RandomVectorScorer scorer = estimate.walk(qs[i]);
            float[] est = new float[x.length];
            for (int j = 0; j < x.length; j++) {
                est[j] = j == self[i] ? Float.NEGATIVE_INFINITY : scorer.score(j);
            }
            int h = overlap(topByFloat(x, qs[i], topIndices(est, s), 10, self[i]), truth[i]);
            hits += h;
            realHits += i < realQueries ? h : 0;
        }
        return new double[] { hits / (10.0 * qs.length), realHits / (10.0 * realQueries) };
    }

    /** {recall over all queries, recall over the real ones, nodes visited per query}. */
    private static double[] walkRecall(OnHeapHnswGraph graph, Estimate estimate, float[][] x, float[][] qs, int[] self, int[][] truth, int beam,
        int shortlist, int realQueries) throws IOException {
        int hits = 0, realHits = 0;
        long visited = 0;
        for (int i = 0; i < qs.length; i++) {
            TopKnnCollector collector = new TopKnnCollector(beam + 1, Integer.MAX_VALUE); // + 1: the query passage itself
            HnswGraphSearcher.search(estimate.walk(qs[i]), collector, graph, null);
            visited += collector.visitedCount();
            TopDocs found = collector.topDocs();
            // narrowed by the float query's estimate, as binary_knn narrows its beam (AsymmetricShortlist)
            float[] est = new float[found.scoreDocs.length];
            for (int j = 0; j < est.length; j++) {
                int doc = found.scoreDocs[j].doc;
                est[j] = doc == self[i] ? Float.NEGATIVE_INFINITY : estimate.narrow(qs[i], doc);
            }
            int[] keep = topIndices(est, shortlist);
            for (int j = 0; j < keep.length; j++) keep[j] = found.scoreDocs[keep[j]].doc;
            int h = overlap(topByFloat(x, qs[i], keep, 10, self[i]), truth[i]);
            hits += h;
            realHits += i < realQueries ? h : 0;
        }
        return new double[] { hits / (10.0 * qs.length), realHits / (10.0 * realQueries), visited / (double) qs.length };
    }

    /**
     * Codes of the vectors centred on their mean (what Lucene's 1-bit format and RaBitQ quantize), with two levels a
     * vector: {@code x − c ≈ lo + (hi − lo) · b}, lo and hi the means of the negative and the positive components.
     * Estimate: {@code q·x ≈ q·c + lo Σq + (hi − lo) Σ q_i b_i}.
     */
    private static final class Centred implements Estimate {
        /** false: two levels a vector; true: one factor a vector, RaBitQ's unbiased estimate {@code ‖r‖² Σ q_i s_i / Σ |r_i|}. */
        final boolean scale;
        final float[] factor;
        final float[] centroid;
        final List<byte[]> codes = new ArrayList<>();
        final float[] lo, hi;
        final ByteVectorValues values;

        Centred(float[][] x, boolean scale) {
            this.scale = scale;
            int n = x.length, d = x[0].length;
            factor = new float[n];
            centroid = new float[d];
            for (float[] v : x) for (int i = 0; i < d; i++) centroid[i] += v[i] / n;
            lo = new float[n];
            hi = new float[n];
            float[] r = new float[d];
            for (int j = 0; j < n; j++) {
                int pos = 0;
                for (int i = 0; i < d; i++) {
                    r[i] = x[j][i] - centroid[i];
                    if (r[i] > 0) {
                        hi[j] += r[i];
                        pos++;
                    } else {
                        lo[j] += r[i];
                    }
                }
                double sq = 0, abs = 0;
                for (int i = 0; i < d; i++) {
                    sq += (double) r[i] * r[i];
                    abs += Math.abs(r[i]);
                }
                factor[j] = (float) (sq / abs);
                hi[j] /= Math.max(1, pos);
                lo[j] /= Math.max(1, d - pos);
                codes.add(SignBits.pack(r, d));
            }
            values = ByteVectorValues.fromBytes(codes, d / Byte.SIZE);
        }

        @Override
        public RandomVectorScorer walk(float[] q) {
            int d = q.length;
            byte[] encoded = AsymmetricQuery.encode(q, d);
            int bitBytes = d / Byte.SIZE;
            float qlo = (float) BitUtil.VH_BE_FLOAT.get(encoded, 4 * bitBytes);
            float step = (float) BitUtil.VH_BE_FLOAT.get(encoded, 4 * bitBytes + Float.BYTES);
            float shift = -Math.min(0f, qlo) * d;
            float sum = 0;
            for (float f : q) sum += qlo + step * (step == 0 ? 0 : Math.round((f - qlo) / step));
            float qSum = sum, qc = VectorUtil.dotProduct(q, centroid);
            RandomVectorScorer planes = AsymmetricQuery.scorer(values, encoded);
            return new RandomVectorScorer.AbstractRandomVectorScorer(values) {
                @Override
                public float score(int node) throws IOException {
                    float sumQB = planes.score(node) - shift;
                    if (scale) {
                        return (1 + qc + factor[node] * (2 * sumQB - qSum)) / 2;
                    }
                    return (1 + qc + lo[node] * qSum + (hi[node] - lo[node]) * sumQB) / 2;
                }
            };
        }

        @Override
        public float narrow(float[] q, int doc) {
            float sum = 0;
            for (float f : q) sum += f;
            if (scale) {
                return VectorUtil.dotProduct(q, centroid) + factor[doc] * (2 * floatTimesBits(q, codes.get(doc)) - sum);
            }
            return VectorUtil.dotProduct(q, centroid) + lo[doc] * sum + (hi[doc] - lo[doc]) * floatTimesBits(q, codes.get(doc));
        }
    }

    /**
     * Format version 1 as the codec writes and searches it: {@link CentredCodes} records (code, factor, offset) of the
     * vectors centred on their mean, walked by {@link AsymmetricQuery#centredScorer} with the centred query, narrowed by
     * {@link FloatQueryEstimate} — the production classes, not a model of them.
     */
    private static final class Shipped implements Estimate {
        final float[] mean;
        final List<byte[]> records = new ArrayList<>();
        final ByteVectorValues values;
        final BinaryFieldConfig config;
        private float[] lastQuery;
        private FloatQueryEstimate lastEstimate;

        Shipped(float[][] x) {
            int d = x[0].length;
            CentredCodes.Centroid centroid = new CentredCodes.Centroid(d, VectorSimilarityFunction.DOT_PRODUCT);
            for (float[] v : x) centroid.add(v);
            mean = centroid.mean();
            float[] scratch = new float[d];
            for (float[] v : x) {
                byte[] record = new byte[CentredCodes.recordBytes(d)];
                CentredCodes.encode(v, mean, VectorSimilarityFunction.DOT_PRODUCT, scratch, record);
                records.add(record);
            }
            values = ByteVectorValues.fromBytes(records, CentredCodes.recordBytes(d));
            config = new BinaryFieldConfig(d, org.apache.lucene.index.VectorEncoding.FLOAT32, d, BitSimilarity.HAMMING, RescorePrecision.FLOAT32,
                VectorSimilarityFunction.DOT_PRODUCT);
        }

        @Override
        public RandomVectorScorer walk(float[] q) {
            float[] centred = CentredCodes.centredQuery(q, mean, VectorSimilarityFunction.DOT_PRODUCT);
            return AsymmetricQuery.centredScorer(values, AsymmetricQuery.encode(centred, centred.length));
        }

        @Override
        public float narrow(float[] q, int doc) {
            if (q != lastQuery) { // one estimate (its nibble table) per query, not per candidate
                lastQuery = q;
                lastEstimate = new FloatQueryEstimate(CentredCodes.centredQuery(q, mean, VectorSimilarityFunction.DOT_PRODUCT), config);
            }
            try {
                return lastEstimate.score(records.get(doc));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static float floatTimesBits(float[] q, byte[] b) {
        float s = 0;
        for (int k = 0; k < q.length; k++) {
            if ((b[k >> 3] & (0x80 >>> (k & 7))) != 0) s += q[k];
        }
        return s;
    }

    private static int overlap(int[] a, int[] b) {
        int n = 0;
        for (int u : a) for (int v : b) if (u == v) n++;
        return n;
    }

    private static int[] topIndices(float[] scores, int s) {
        Integer[] idx = new Integer[scores.length];
        for (int j = 0; j < idx.length; j++) idx[j] = j;
        Arrays.sort(idx, (a, b) -> Float.compare(scores[b], scores[a]));
        int[] out = new int[Math.min(s, idx.length)];
        for (int j = 0; j < out.length; j++) out[j] = idx[j];
        return out;
    }

    /** The {@code k} nearest by the float dot product among {@code among} (null: all), never {@code self}. */
    private static int[] topByFloat(float[][] x, float[] q, int[] among, int k, int self) {
        int m = among == null ? x.length : among.length;
        float[] s = new float[m];
        for (int j = 0; j < m; j++) {
            int id = among == null ? j : among[j];
            s[j] = id == self ? Float.NEGATIVE_INFINITY : VectorUtil.dotProduct(q, x[id]);
        }
        int[] top = topIndices(s, k);
        if (among != null) {
            for (int j = 0; j < top.length; j++) top[j] = among[top[j]];
        }
        return top;
    }

    /**
     * Node {@code i}'s 4-bit planes as the query against node {@code j}'s bits, mapped to {@code (1 + q·sign(b)/√d) / 2}:
     * the neighbour-diversity check compares scores of different nodes, so the per-query shift of
     * {@link AsymmetricQuery}'s scorer is taken out.
     */
    private static final class AsymmetricBuild implements RandomVectorScorerSupplier {
        private final ByteVectorValues values;
        private final byte[][] planes;
        private final float[] shift, quantizedSum;
        private final int dims;

        AsymmetricBuild(ByteVectorValues values, float[][] x, byte[][] planes) {
            this.values = values;
            this.planes = planes;
            this.dims = x[0].length;
            this.shift = new float[x.length];
            this.quantizedSum = new float[x.length];
            int bitBytes = dims / Byte.SIZE;
            for (int i = 0; i < x.length; i++) {
                float lo = (float) BitUtil.VH_BE_FLOAT.get(planes[i], 4 * bitBytes);
                float step = (float) BitUtil.VH_BE_FLOAT.get(planes[i], 4 * bitBytes + Float.BYTES);
                shift[i] = -Math.min(0f, lo) * dims;
                float sum = 0;
                for (float f : x[i]) sum += lo + step * (step == 0 ? 0 : Math.round((f - lo) / step));
                quantizedSum[i] = sum;
            }
        }

        private AsymmetricBuild(AsymmetricBuild o) {
            values = o.values;
            planes = o.planes;
            shift = o.shift;
            quantizedSum = o.quantizedSum;
            dims = o.dims;
        }

        @Override
        public UpdateableRandomVectorScorer scorer() throws IOException {
            ByteVectorValues copy = values.copy();
            float norm = (float) Math.sqrt(dims);
            return new UpdateableRandomVectorScorer.AbstractUpdateableRandomVectorScorer(copy) {
                private RandomVectorScorer current;
                private int query;

                @Override
                public void setScoringOrdinal(int node) {
                    query = node;
                    current = AsymmetricQuery.scorer(copy, planes[node]);
                }

                @Override
                public float score(int node) throws IOException {
                    float sumQB = current.score(node) - shift[query];
                    return (1 + (2 * sumQB - quantizedSum[query]) / norm) / 2;
                }
            };
        }

        @Override
        public RandomVectorScorerSupplier copy() {
            return new AsymmetricBuild(this);
        }
    }
}
