package org.opensearch.binaryembeddings.query;

import org.apache.lucene.tests.util.LuceneTestCase;
import org.opensearch.binaryembeddings.codec.SignBits;

import java.util.Random;

/** The nibble table gives the same set-bit sums as adding the query values of the set bits one by one. */
public class AsymmetricShortlistTests extends LuceneTestCase {

    public void testSetSumEqualsBitByBitSum() {
        Random r = random();
        for (int round = 0; round < 200; round++) {
            int binaryDims = 8 * (1 + r.nextInt(64));
            int dims = binaryDims + r.nextInt(3) * 8;
            float[] query = new float[dims];
            for (int i = 0; i < dims; i++) {
                query[i] = (float) r.nextGaussian();
            }
            float[] doc = new float[dims];
            for (int i = 0; i < dims; i++) {
                doc[i] = (float) r.nextGaussian();
            }
            byte[] bits = SignBits.pack(doc, binaryDims);
            double expected = 0;
            for (int i = 0; i < binaryDims; i++) {
                if ((bits[i / 8] & (0x80 >>> (i % 8))) != 0) {
                    expected += query[i];
                }
            }
            float got = AsymmetricShortlist.setSum(bits, AsymmetricShortlist.nibbleTable(query, binaryDims));
            assertEquals(expected, got, 1e-4 * (1 + Math.abs(expected)));
        }
    }

    public void testQueryShorterThanTheBitsCountsZeros() {
        float[] query = { 1f, 2f, 3f };
        byte[] bits = { (byte) 0xFF };
        assertEquals(6f, AsymmetricShortlist.setSum(bits, AsymmetricShortlist.nibbleTable(query, 8)), 0f);
    }
}
