package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.lucene95.HasIndexSlice;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.store.RandomAccessInput;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.opensearch.binaryembeddings.testsupport.Vectors;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The asymmetric query's scorer against a naive sum: {@code Σ q_i b_i} over each document's set bits, to within the 4-bit
 * quantization (half a step per set bit), shifted by the same amount for every document; dims past the bits ignored;
 * the target told apart from packed bits by its length; in-place reads (raw bits, centred codes) score as copies do.
 */
public class AsymmetricQueryTests extends LuceneTestCase {

    public void testScoresAreTheQuerySumOverSetBits() throws IOException {
        Random random = new Random(7);
        for (int binaryDims : new int[] { 8, 24, 64, 72, 384 }) {
            int dims = binaryDims + 16; // truncate_to beyond the bits: those dims are not scored
            float[] query = Vectors.unit(BinaryTestSupport.gaussian(random, dims));
            byte[][] docs = new byte[50][];
            for (int d = 0; d < docs.length; d++) {
                docs[d] = SignBits.pack(BinaryTestSupport.gaussian(random, binaryDims), binaryDims);
            }
            byte[] target = AsymmetricQuery.encode(query, binaryDims);
            assertTrue(AsymmetricQuery.isEncoded(target, binaryDims / 8));
            assertFalse(AsymmetricQuery.isEncoded(SignBits.pack(query, binaryDims), binaryDims / 8));
            RandomVectorScorer scorer = AsymmetricQuery.scorer(ByteVectorValues.fromBytes(List.of(docs), binaryDims / 8), target);

            float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < binaryDims; i++) {
                lo = Math.min(lo, query[i]);
                hi = Math.max(hi, query[i]);
            }
            float halfStep = (hi - lo) / 15 / 2;
            Float shift = null;
            for (int d = 0; d < docs.length; d++) {
                double exact = 0;
                int set = 0;
                for (int i = 0; i < binaryDims; i++) {
                    if ((docs[d][i / 8] & (0x80 >>> (i % 8))) != 0) {
                        exact += query[i];
                        set++;
                    }
                }
                float score = scorer.score(d);
                assertTrue("scores are not negative: " + score, score >= 0);
                float offset = (float) (score - exact);
                if (shift == null) {
                    shift = offset; // the same for every document, up to the quantization error
                }
                assertEquals(binaryDims + " bits, doc " + d, shift, offset, 2 * halfStep * set + 1e-4f);
                assertEquals(binaryDims + " bits, doc " + d, -Math.min(0, lo) * binaryDims, offset, halfStep * set + 1e-4f);
            }
        }
    }

    public void testConstantQueryScoresBySetBits() throws IOException {
        float[] query = new float[16];
        java.util.Arrays.fill(query, 0.25f);
        byte[] target = AsymmetricQuery.encode(query, 16);
        RandomVectorScorer scorer = AsymmetricQuery.scorer(
            ByteVectorValues.fromBytes(List.of(new byte[] { 0, 0 }, new byte[] { (byte) 0xFF, 0 }, new byte[] { (byte) 0xFF, (byte) 0xFF }), 2),
            target
        );
        assertEquals(0f, scorer.score(0), 1e-6f);
        assertEquals(2f, scorer.score(1), 1e-6f);
        assertEquals(4f, scorer.score(2), 1e-6f);
    }

    /**
     * Bits read in place from a memory-mapped segment (the normal case) score exactly as the same bits copied into
     * byte[]s, node by node and in bulk, by the asymmetric query and by Hamming / Jaccard (graph search and merges);
     * with docs without a vector (sparse ordinals) and widths with a tail past the last whole word.
     */
    public void testInPlaceScoresOfMappedBitsEqualCopiedBits() throws IOException {
        Random random = new Random(11);
        for (int binaryDims : new int[] { 64, 72, 384 }) {
            for (BitSimilarity similarity : BitSimilarity.values()) {
                try (Directory dir = new MMapDirectory(createTempDir("asym-" + binaryDims))) {
                    IndexWriterConfig iwc = new IndexWriterConfig().setCodec(BinaryTestSupport.codec(new BinaryHnswVectorsFormat(16, 100)));
                    try (IndexWriter w = new IndexWriter(dir, iwc)) {
                        for (int d = 0; d < 300; d++) {
                            float[] v = Vectors.unit(BinaryTestSupport.gaussian(random, binaryDims));
                            w.addDocument(d % 7 == 3 ? new Document() : BinaryTestSupport.doc(BinaryTestSupport.floatField("v", v,
                                VectorSimilarityFunction.COSINE, binaryDims, similarity, RescorePrecision.FLOAT32)));
                        }
                        w.forceMerge(1);
                    }
                    try (DirectoryReader reader = DirectoryReader.open(dir)) {
                        BinaryVectors v = BinaryVectors.forLeaf(reader.leaves().get(0).reader(), "v");
                        ByteVectorValues mapped = v.bitValues();
                        assertTrue("the bits are a mapped slice: " + mapped.getClass(),
                            mapped instanceof HasIndexSlice s && s.getSlice() instanceof RandomAccessInput);
                        float[] query = Vectors.unit(BinaryTestSupport.gaussian(random, binaryDims));
                        // the raw sign bits: the asymmetric target, then the query's packed bits (a Hamming / Jaccard walk)
                        assertInPlaceEqualsCopied(similarity.graphTag(), mapped, AsymmetricQuery.encode(query, binaryDims));
                        assertInPlaceEqualsCopied(similarity.graphTag(), mapped, SignBits.pack(query, binaryDims));
                        // the centred codes the graph is walked by: the asymmetric target, then a code (graph building)
                        ByteVectorValues codes = v.graphValues();
                        assertTrue(codes instanceof HasIndexSlice s && s.getSlice() instanceof RandomAccessInput);
                        assertInPlaceEqualsCopied(GraphCodes.TAG, codes, AsymmetricQuery.encode(query, binaryDims));
                        assertInPlaceEqualsCopied(GraphCodes.TAG, codes, codes.vectorValue(0).clone());
                    }
                }
            }
        }
    }

    private static void assertInPlaceEqualsCopied(VectorSimilarityFunction tag, ByteVectorValues mapped, byte[] target) throws IOException {
        List<byte[]> copies = new ArrayList<>();
        for (int ord = 0; ord < mapped.size(); ord++) {
            copies.add(mapped.vectorValue(ord).clone());
        }
        ByteVectorValues copiedValues = ByteVectorValues.fromBytes(copies, mapped.dimension());
        RandomVectorScorer inPlace = BitVectorsScorer.INSTANCE.getRandomVectorScorer(tag, mapped, target);
        RandomVectorScorer copied = BitVectorsScorer.INSTANCE.getRandomVectorScorer(tag, copiedValues, target);
        int[] nodes = new int[copies.size()];
        for (int ord = 0; ord < nodes.length; ord++) {
            nodes[ord] = nodes.length - 1 - ord;
            assertEquals(tag + ", " + mapped.dimension() + " bytes, ord " + ord, copied.score(ord), inPlace.score(ord), 0f);
        }
        float[] bulk = new float[nodes.length];
        float max = inPlace.bulkScore(nodes, bulk, nodes.length);
        float expectedMax = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < nodes.length; i++) {
            assertEquals(copied.score(nodes[i]), bulk[i], 0f);
            expectedMax = Math.max(expectedMax, bulk[i]);
        }
        assertEquals(expectedMax, max, 0f);
    }
}
