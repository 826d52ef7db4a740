package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.opensearch.binaryembeddings.testsupport.Vectors;

import java.io.IOException;
import java.util.List;
import java.util.Random;

/**
 * The asymmetric query's scorer against a naive sum: {@code Σ q_i b_i} over each document's set bits, to within the 4-bit
 * quantization (half a step per set bit), shifted by the same amount for every document; dims past the bits ignored;
 * the target told apart from packed bits by its length.
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
}
