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
 * A study, not a test (bin/bench --graph-study): does building the graph by the walk's own asymmetric estimate find more
 * true neighbours than building it by Hamming distance? The codec builds by Hamming (the symmetric distance between two
 * stored codes); queries walk by the float query's estimate against the codes ({@link AsymmetricQuery}), the way
 * Lucene's 1-bit format builds with each vector's 4-bit quantization as the query. On msmarco-5k reference embeddings,
 * both graphs (Lucene's HnswGraphBuilder, maxConn 16, beam 100, same seed) are walked the way {@code binary_knn} walks
 * one segment: beam by the 4-bit estimate, narrowed by the float estimate, shortlist rescored with floats. Queries: the
 * 50 real ones and 450 passages (each excluding itself), for a sample larger than 50. The exact scan by the 4-bit
 * estimate is the bound any walk over these codes has.
 */
public final class GraphBuildStudy {

    private static final int M = 16, BEAM_WIDTH = 100, QUERIES = 500;
    private static final int[][] POINTS = { { 40, 40 }, { 100, 40 }, { 100, 100 }, { 200, 100 }, { 200, 200 } };

    private GraphBuildStudy() {}

    public static void main(String[] args) throws Exception {
        BenchMain.run(() -> run(Path.of(args[0])));
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
        StringBuilder md = new StringBuilder("# Graph build study (bin/bench --graph-study)\n\n");
        md.append(String.format(Locale.ROOT, "msmarco-5k reference embeddings (%d passages, %d bits), %d queries (%d real + passages), maxConn %d, beam width %d%n%n",
            n, d, QUERIES, real.length, M, BEAM_WIDTH));
        md.append("| graph built by | build ms (best of 3) |");
        for (int[] p : POINTS) md.append(" beam ").append(p[0]).append(" / shortlist ").append(p[1]).append(": recall@10, nodes visited |");
        md.append("\n|---|---:|").append("---:|".repeat(POINTS.length)).append('\n');
        md.append("| exact scan by the 4-bit estimate (bound) | — |");
        for (int[] p : POINTS) md.append(String.format(Locale.ROOT, " %.4f (top %d), %d |", exactScanRecall(values, x, qs, self, truth, p[1]), p[1], n));
        md.append('\n');
        RandomVectorScorerSupplier hamming = BitVectorsScorer.INSTANCE.getRandomVectorScorerSupplier(VectorSimilarityFunction.EUCLIDEAN, values);
        RandomVectorScorerSupplier asymmetric = new AsymmetricBuild(values, x, planes);
        OnHeapHnswGraph[] graphs = new OnHeapHnswGraph[2];
        long[] best = { Long.MAX_VALUE, Long.MAX_VALUE };
        for (int rep = 0; rep < 3; rep++) { // interleaved, so that load from other processes hits both alike
            for (int g = 0; g < 2; g++) {
                long t0 = System.nanoTime();
                graphs[g] = HnswGraphBuilder.create(g == 0 ? hamming : asymmetric, M, BEAM_WIDTH, 42, n).build(n);
                best[g] = Math.min(best[g], (System.nanoTime() - t0) / 1_000_000);
            }
        }
        String[] names = { "Hamming distance (shipped)", "asymmetric estimate (4-bit vector vs bits)" };
        for (int g = 0; g < 2; g++) {
            md.append("| ").append(names[g]).append(" | ").append(best[g]).append(" |");
            for (int[] p : POINTS) {
                double[] r = walkRecall(graphs[g], values, bits, x, qs, self, truth, p[0], p[1]);
                md.append(String.format(Locale.ROOT, " %.4f, %.0f |", r[0], r[1]));
            }
            md.append('\n');
        }
        Files.createDirectories(out.getParent());
        Files.writeString(out, md.toString());
        System.out.println(md);
    }

    private static double exactScanRecall(ByteVectorValues values, float[][] x, float[][] qs, int[] self, int[][] truth, int s) throws IOException {
        int hits = 0;
        for (int i = 0; i < qs.length; i++) {
            RandomVectorScorer scorer = AsymmetricQuery.scorer(values, AsymmetricQuery.encode(qs[i], x[0].length));
            float[] est = new float[x.length];
            for (int j = 0; j < x.length; j++) {
                est[j] = j == self[i] ? Float.NEGATIVE_INFINITY : scorer.score(j);
            }
            hits += overlap(topByFloat(x, qs[i], topIndices(est, s), 10, self[i]), truth[i]);
        }
        return hits / (10.0 * qs.length);
    }

    private static double[] walkRecall(OnHeapHnswGraph graph, ByteVectorValues values, List<byte[]> bits, float[][] x, float[][] qs, int[] self,
        int[][] truth, int beam, int shortlist) throws IOException {
        int hits = 0;
        long visited = 0;
        int d = x[0].length;
        for (int i = 0; i < qs.length; i++) {
            TopKnnCollector collector = new TopKnnCollector(beam + 1, Integer.MAX_VALUE); // + 1: the query passage itself
            HnswGraphSearcher.search(AsymmetricQuery.scorer(values, AsymmetricQuery.encode(qs[i], d)), collector, graph, null);
            visited += collector.visitedCount();
            TopDocs found = collector.topDocs();
            // narrowed by the float query's estimate q·b, as binary_knn narrows its beam (AsymmetricShortlist)
            float[] est = new float[found.scoreDocs.length];
            for (int j = 0; j < est.length; j++) {
                int doc = found.scoreDocs[j].doc;
                est[j] = doc == self[i] ? Float.NEGATIVE_INFINITY : floatTimesBits(qs[i], bits.get(doc));
            }
            int[] keep = topIndices(est, shortlist);
            for (int j = 0; j < keep.length; j++) keep[j] = found.scoreDocs[keep[j]].doc;
            hits += overlap(topByFloat(x, qs[i], keep, 10, self[i]), truth[i]);
        }
        return new double[] { hits / (10.0 * qs.length), visited / (double) qs.length };
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
