package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.document.Document;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.opensearch.binaryembeddings.testsupport.TestFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * What one visited node costs the graph walk, with the bits read in place from the mapped segment (and a node's
 * neighbours scored in one bulk call) against the same bits copied into a byte[] per node through the values, as the
 * scorers did before: one memory-mapped segment of random 384-bit vectors, random "neighbour lists" of 32 ordinals,
 * the asymmetric query and Hamming, single thread, the variants interleaved repetition by repetition in one JVM.
 * {@code bin/bench --scorer} runs it; nanoseconds per scored node, best of the repetitions (median beside it).
 */
public final class GraphScorerBench {

    private GraphScorerBench() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Path dir = Files.createTempDirectory("graph-scorer-bench");
        try {
            String md = run(dir, n, 15);
            System.out.println(md);
            if (args.length > 1) {
                Files.writeString(Path.of(args[1]), md);
            }
        } finally {
            TestFiles.deleteRecursively(dir);
        }
        System.exit(0);
    }

    static String run(Path path, int n, int reps) throws IOException {
        Random random = new Random(42);
        try (Directory dir = new MMapDirectory(path)) {
            IndexWriterConfig iwc = new IndexWriterConfig().setCodec(BinaryTestSupport.codec(new BinaryHnswVectorsFormat(16, 100)))
                .setRAMBufferSizeMB(256);
            try (IndexWriter w = new IndexWriter(dir, iwc)) {
                for (int d = 0; d < n; d++) {
                    w.addDocument(BinaryTestSupport.doc(BinaryTestSupport.floatField("v", BinaryTestSupport.gaussian(random, 384),
                        VectorSimilarityFunction.DOT_PRODUCT, 384, BitSimilarity.HAMMING, RescorePrecision.INT8)));
                }
                w.forceMerge(1);
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                ByteVectorValues mapped = BinaryVectors.forLeaf(reader.leaves().get(0).reader(), "v").bitValues();
                ByteVectorValues copying = new Copying(mapped);
                float[] query = BinaryTestSupport.gaussian(random, 384);
                byte[] asym = AsymmetricQuery.encode(query, 384), bits = SignBits.pack(query, 384);
                String[] names = { "asymmetric query, in place + bulk", "asymmetric query, copied per node", "Hamming, in place + bulk", "Hamming, copied per node" };
                RandomVectorScorer[] scorers = {
                    BitVectorsScorer.INSTANCE.getRandomVectorScorer(BitSimilarity.HAMMING.graphTag(), mapped, asym),
                    BitVectorsScorer.INSTANCE.getRandomVectorScorer(BitSimilarity.HAMMING.graphTag(), copying, asym),
                    BitVectorsScorer.INSTANCE.getRandomVectorScorer(BitSimilarity.HAMMING.graphTag(), mapped, bits),
                    BitVectorsScorer.INSTANCE.getRandomVectorScorer(BitSimilarity.HAMMING.graphTag(), copying, bits) };
                int lists = 20_000, degree = 32;
                int[][] neighbours = new int[lists][degree];
                for (int[] l : neighbours) {
                    for (int i = 0; i < degree; i++) {
                        l[i] = random.nextInt(mapped.size());
                    }
                }
                double[][] ns = new double[scorers.length][reps];
                double[] checksum = new double[scorers.length];
                float[] scores = new float[degree];
                for (int rep = -3; rep < reps; rep++) { // 3 warm-up repetitions
                    for (int s = 0; s < scorers.length; s++) {
                        double sum = 0;
                        long t0 = System.nanoTime();
                        for (int[] l : neighbours) {
                            sum += scorers[s].bulkScore(l, scores, degree);
                        }
                        long t = System.nanoTime() - t0;
                        if (rep >= 0) {
                            ns[s][rep] = t / (double) (lists * degree);
                        }
                        checksum[s] = sum;
                    }
                }
                if (checksum[0] != checksum[1] || checksum[2] != checksum[3]) {
                    throw new AssertionError("in place and copied scores differ: " + Arrays.toString(checksum));
                }
                StringBuilder md = new StringBuilder();
                md.append(String.format(Locale.ROOT, "%,d mapped 384-bit vectors (one segment), %,d random neighbour lists of %d, best of %d "
                    + "repetitions (median), single thread%n%n| scorer | ns per node, best | median |%n|---|---:|---:|%n", n, lists, degree, reps));
                for (int s = 0; s < scorers.length; s++) {
                    double[] v = ns[s].clone();
                    Arrays.sort(v);
                    md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f |%n", names[s], v[0], v[v.length / 2]));
                }
                return md.toString();
            }
        }
    }

    /** The same values without their mapped slice: a scorer can only copy each vector out, as before. */
    private static final class Copying extends ByteVectorValues {
        private final ByteVectorValues in;

        Copying(ByteVectorValues in) {
            this.in = in;
        }

        @Override
        public byte[] vectorValue(int ord) throws IOException {
            return in.vectorValue(ord);
        }

        @Override
        public int dimension() {
            return in.dimension();
        }

        @Override
        public int size() {
            return in.size();
        }

        @Override
        public ByteVectorValues copy() throws IOException {
            return new Copying(in.copy());
        }
    }
}
